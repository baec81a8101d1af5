/* pcaplib: what the project asks of libpcap, and the only file that includes pcap.h:
 * BPF filters compiled per link type and matched against frames, live capture to a
 * file, libpcap's version and link-type names. Reading capture files needs none of it
 * (pcapfile.c, pcapng.c).
 *
 * libpcap is linked at build time (Linux, macOS), or, built with TT_PCAP_RUNTIME (the
 * default on Windows), loaded when first needed: Npcap's wpcap.dll on Windows,
 * libpcap.so.1 or libpcap.A.dylib elsewhere, or only the file TCPTRACE_LIBPCAP names. Where
 * it cannot be loaded, filters and live capture fail with a message that says so and
 * what to install; everything else works. */
#ifndef TT_PCAPLIB_H
#define TT_PCAPLIB_H

#include <stdint.h>

#include "error.h"

/* 1 when libpcap can be used; 0 with err saying why not (and what to install). */
int tt_pcaplib_available(tt_error *err);

/* libpcap's version string ("libpcap version 1.10.3 (with TPACKET_V3)"), or a
 * sentence saying it is not loaded. */
const char *tt_pcaplib_version(void);

/* Name of a link type (LINKTYPE_* value, as capture files carry: "EN10MB", "RAW"), or
 * NULL for one nobody named. */
const char *tt_pcaplib_linktype_name(int linktype);

/* libpcap's DLT_* value for a file's LINKTYPE_* value (they differ for a few link
 * types, raw IP among them: LINKTYPE_RAW 101 is DLT_RAW 12). */
int tt_pcaplib_linktype_to_dlt(int linktype);

/* A BPF filter compiled for one link type. */
typedef struct tt_bpf tt_bpf;

/* Compile `expr` for frames of `linktype` (LINKTYPE_*) captured with `snaplen`
 * (0: libpcap's largest). NULL with err filled (TT_ERR_FILTER: the expression, or
 * libpcap is missing; TT_ERR_NOMEM). */
tt_bpf *tt_bpf_compile(const char *expr, int linktype, uint32_t snaplen, tt_error *err);
/* 1 when the frame passes the filter. */
int tt_bpf_match(const tt_bpf *f, const uint8_t *data, uint32_t caplen, uint32_t wirelen);
void tt_bpf_free(tt_bpf *f);

/* Live capture to a file (tcptrace.capture): libpcap opens an interface, compiles
 * the BPF filter, and every frame is written to a pcap file with pcap_dump. The
 * caller runs tt_live_run on a thread of its own (it blocks until stopped);
 * tt_live_stop may be called from any thread. */
typedef struct tt_live tt_live;

/* Prefix of the error message when the interface cannot be opened for lack of
 * privilege (CAP_NET_RAW and CAP_NET_ADMIN on Linux, /dev/bpf* on macOS). */
#define TT_LIVE_PERM_PREFIX "permission denied"

/* Open `iface` (e.g. "lo"), not promiscuous, snapshot length `snaplen` (0: 262144),
 * with `filter` (may be NULL), writing to the pcap file `path` (nanosecond time
 * stamps when libpcap offers them). Capture starts here: frames arriving before
 * tt_live_run is called are buffered by the kernel. NULL and err on failure. */
tt_live *tt_live_open(const char *iface, const char *filter, int snaplen, const char *path,
                      tt_error *err);
/* Capture until tt_live_stop, then drain what the kernel still holds and flush the
 * file. Returns 0, or -1 with err filled. Call once. */
int tt_live_run(tt_live *lv, tt_error *err);
/* Ask tt_live_run to return (thread-safe, idempotent). */
void tt_live_stop(tt_live *lv);
/* Frames written so far. */
uint64_t tt_live_frames(const tt_live *lv);
/* libpcap's counters: frames received by the filter and dropped by the kernel;
 * -1 on failure. */
int tt_live_stats(tt_live *lv, uint64_t *received, uint64_t *dropped);
/* Close the interface and the file (after tt_live_run returned, or if it was never
 * called). */
void tt_live_free(tt_live *lv);

#endif
