/* pcapfile: the classic pcap file format (the tcpdump/libpcap savefile), read natively
 * on every platform: the file header, and the records either from a stream (a pipe,
 * a compressed file, a caller's callback) or in place from a mapping (pcapmap.h).
 *
 * The rules are libpcap's sf-pcap.c, so that the frames are what libpcap delivered
 * before this reader replaced it: microsecond (a1b2c3d4) and nanosecond (a1b23c4d)
 * magic, either byte order (read explicitly: no host-order assumption), Kuznetzov's
 * patched format (a1b2cd34, 24-byte record headers), versions up to 2.4 and 543.0
 * with caplen and len swapped before 2.3 (maybe at 2.3), and libpcap's record limit
 * per link type (262144 bytes; more for D-Bus, EBHSCR, USBPcap). Where Wireshark and
 * libpcap part, Wireshark's reading is kept: the header's snaplen does not cut records
 * (frame.cap_len is the record's caplen), and the seconds and fraction are unsigned
 * 32-bit fields. libpcap's fix-ups of USB and NFLOG pseudo-headers are not done: those
 * link types carry no TCP the decoder would look at. */
#ifndef TT_PCAPFILE_H
#define TT_PCAPFILE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "instream.h"
#include "source.h"

#define TT_PCAP_FILE_HDR 24

typedef enum tt_pcap_lengths {
    TT_PCAP_LENGTHS_NORMAL = 0,
    TT_PCAP_LENGTHS_MAYBE_SWAPPED, /* 2.3: swapped when caplen > len */
    TT_PCAP_LENGTHS_SWAPPED,       /* before 2.3, and 543.0 */
} tt_pcap_lengths;

/* How the records of one file are laid out. */
typedef struct tt_pcap_layout {
    int big_endian;          /* the file's byte order, from its magic */
    int nsec;                /* the fraction field counts nanoseconds */
    uint32_t rec_hdr;        /* record header bytes: 16, or 24 (Kuznetzov) */
    tt_pcap_lengths lengths;
    uint32_t max_caplen;     /* a longer record is a damaged file (libpcap's limit) */
} tt_pcap_layout;

typedef struct tt_pcap_header {
    tt_pcap_layout layout;
    int major, minor;
    uint32_t snaplen;        /* as the header says (0 and huge values kept) */
    int32_t linktype;        /* LINKTYPE_*: the low 16 bits of the network field */
} tt_pcap_header;

/* The magic of the first four bytes: 1 for a classic pcap file, 0 otherwise. */
int tt_pcap_magic_ok(const uint8_t *magic4);

/* Parse a file header of `len` bytes (at least the magic's 4). 0 with *out filled;
 * -1 with err filled (TT_ERR_TRUNCATED for a header cut short, else TT_ERR_FORMAT). */
int tt_pcap_header_parse(const uint8_t *h, size_t len, tt_pcap_header *out, tt_error *err);

/* One record's header, decoded. */
typedef struct tt_pcap_rec {
    uint32_t sec, frac, caplen, wirelen;
} tt_pcap_rec;

/* Decode a record header (layout->rec_hdr bytes at h): 0, or -1 (TT_ERR_FORMAT: a
 * caplen beyond the limit, worded as libpcap words it). */
int tt_pcap_rec_decode(const tt_pcap_layout *l, const uint8_t *h, tt_pcap_rec *r, tt_error *err);

/* Fill a frame's time, lengths and data from a decoded record (number and linktype
 * are the caller's). */
void tt_pcap_rec_frame(const tt_pcap_layout *l, const tt_pcap_rec *r, const uint8_t *data,
                       tt_frame *out);

/* One record parsed in place from buf[*off..len): 1 with *out filled and *off moved
 * past it, 0 at the end, -1 with err filled (TT_ERR_TRUNCATED: the buffer ends inside
 * the record; TT_ERR_FORMAT). */
int tt_pcap_parse(const tt_pcap_layout *l, const uint8_t *buf, size_t len, size_t *off,
                  tt_frame *out, tt_error *err);

/* Records read from a stream positioned after the file header. */
typedef struct tt_pcapfile tt_pcapfile;

/* Borrows `in` (the caller frees it after tt_pcapfile_free). NULL when out of memory. */
tt_pcapfile *tt_pcapfile_open(tt_instream *in, const tt_pcap_layout *layout);
/* As tt_pcap_parse: 1, 0 at the end, -1 with err filled. out->data stays valid until
 * the next call. */
int tt_pcapfile_next(tt_pcapfile *f, tt_frame *out, tt_error *err);
void tt_pcapfile_free(tt_pcapfile *f);

#endif
