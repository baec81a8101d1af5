/* pcapng: a native reader of pcapng files (draft-ietf-opsawg-pcapng), for the files
 * libpcap refuses: interfaces with different link types or snapshot lengths, several
 * sections. Needs no libpcap; source.c uses it for every pcapng file.
 *
 * Reads SHB (either byte order, version 1.0 as Wireshark 4.0 accepts, and 1.2, which
 * Wireshark 4.0 treats as 1.0), IDB (if_tsresol, if_tsoffset), EPB, SPB and the obsolete
 * Packet Block (type 2); every other block is skipped. A block whose lengths lie is a
 * format error; a file cut inside a block delivers every whole record before it and
 * then reports TT_ERR_TRUNCATED. */
#ifndef TT_PCAPNG_H
#define TT_PCAPNG_H

#include <stdint.h>

#include "error.h"
#include "instream.h"

/* Largest block accepted: Wireshark's MAX_BLOCK_SIZE (a 128 MiB D-Bus packet plus
 * 128 KiB of options and the EPB header). Anything larger is a lying length. */
#define TT_PCAPNG_MAX_BLOCK (128u * 1024 * 1024 + 131072u + 32u)
#define TT_PCAPNG_MAX_INTERFACES 65536u /* in one section (the interface id of an EPB is
                                          * per section: concatenated files each count anew) */
#define TT_PCAPNG_MAX_INTERFACES_FILE (1024u * 1024) /* in the whole file: 24 MiB of
                                                      * descriptions kept at most */

typedef struct tt_pcapng tt_pcapng;

typedef struct tt_pcapng_record {
    const uint8_t *data; /* borrowed: valid until the next tt_pcapng_next or free */
    uint32_t caplen;
    uint32_t wirelen;
    int64_t ts_ns;       /* nanoseconds since the Unix epoch (wraps), if_tsoffset not added */
    int64_t ts_sec;      /* seconds, as Wireshark's time_t (never wraps for 64-bit units) */
    int32_t ts_nsec;     /* 0..999999999 */
    int64_t tsoffset_s;  /* the interface's if_tsoffset (seconds): Wireshark 4.0 does not
                          * add it to frame times, so neither do we; here for callers */
    uint32_t iface;      /* interface index across the file (sections numbered on) */
    int32_t linktype;    /* LINKTYPE_* of that interface */
    uint32_t snaplen;    /* that interface's snapshot length (0: none) */
} tt_pcapng_record;

/* Open a pcapng file and read its first section header. NULL with err filled when the
 * file cannot be opened or does not start with a valid SHB. */
tt_pcapng *tt_pcapng_open(const char *path, tt_error *err);
/* The same over a stream (a pipe, a decompressor: never seeked), which it owns from now
 * on, freed even on failure; `name` is for messages. */
tt_pcapng *tt_pcapng_open_stream(tt_instream *in, const char *name, tt_error *err);

/* Next packet record: 1 with *out set, 0 at a clean end of file, -1 with err filled
 * (TT_ERR_TRUNCATED: the file ends inside a block; TT_ERR_FORMAT: a block lies). */
int tt_pcapng_next(tt_pcapng *r, tt_pcapng_record *out, tt_error *err);

/* Interfaces described so far (all sections). */
uint32_t tt_pcapng_n_interfaces(const tt_pcapng *r);
/* Link type and snaplen of interface i; 0 if i is out of range. */
int tt_pcapng_interface(const tt_pcapng *r, uint32_t i, int32_t *linktype, uint32_t *snaplen);
/* The first IDB of the file, found by looking ahead at open: 1 if there is one. */
int tt_pcapng_first_interface(const tt_pcapng *r, int32_t *linktype, uint32_t *snaplen);
/* Version of the current section header. */
void tt_pcapng_version(const tt_pcapng *r, int *major, int *minor);

void tt_pcapng_free(tt_pcapng *r);

#endif
