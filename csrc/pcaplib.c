/* pcaplib: libpcap, linked or loaded at run time (pcaplib.h). */
#include "pcaplib.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#if defined(_WIN32) && !defined(TT_PCAP_RUNTIME)
#define TT_PCAP_RUNTIME 1 /* Npcap is the user's to install: never a link-time need */
#endif

#ifndef TT_PCAP_RUNTIME
/* ---- linked: libpcap's own declarations ---- */
#include <pcap/pcap.h>
#define PCAP(fn) fn
#else
/* ---- loaded at run time: the part of libpcap's ABI used here, declared from its
 * documented interface (pcap(3PCAP)); these layouts and values have not changed
 * since libpcap 1.0 and are the same in Npcap. ---- */
typedef struct pcap pcap_t;
typedef struct pcap_dumper pcap_dumper_t;
typedef unsigned int bpf_u_int32;
struct pcap_pkthdr; /* passed through to pcap_dump, never looked into */
struct bpf_insn {
    unsigned short code;
    unsigned char jt, jf;
    bpf_u_int32 k;
};
struct bpf_program {
    unsigned int bf_len;
    struct bpf_insn *bf_insns;
};
struct pcap_stat {
    unsigned int ps_recv, ps_drop, ps_ifdrop;
    unsigned int more[8]; /* Npcap appends counters of its own */
};
typedef void (*pcap_handler)(unsigned char *, const struct pcap_pkthdr *, const unsigned char *);
#define PCAP_ERRBUF_SIZE 256
#define PCAP_NETMASK_UNKNOWN 0xffffffffu
#define PCAP_ERROR (-1)
#define PCAP_ERROR_BREAK (-2)
#define PCAP_ERROR_NO_SUCH_DEVICE (-5)
#define PCAP_ERROR_PERM_DENIED (-8)
#define PCAP_TSTAMP_PRECISION_NANO 1

/* Every libpcap function used: one row each (name, return type, parameters). */
#define TT_PCAP_FUNCTIONS(X)                                                              \
    X(pcap_open_dead, pcap_t *, (int, int))                                               \
    X(pcap_compile, int, (pcap_t *, struct bpf_program *, const char *, int, bpf_u_int32)) \
    X(pcap_geterr, char *, (pcap_t *))                                                    \
    X(pcap_close, void, (pcap_t *))                                                       \
    X(pcap_freecode, void, (struct bpf_program *))                                        \
    X(bpf_filter, unsigned int,                                                           \
      (const struct bpf_insn *, const unsigned char *, unsigned int, unsigned int))       \
    X(pcap_lib_version, const char *, (void))                                             \
    X(pcap_datalink_val_to_name, const char *, (int))                                     \
    X(pcap_statustostr, const char *, (int))                                              \
    X(pcap_create, pcap_t *, (const char *, char *))                                      \
    X(pcap_set_snaplen, int, (pcap_t *, int))                                             \
    X(pcap_set_promisc, int, (pcap_t *, int))                                             \
    X(pcap_set_timeout, int, (pcap_t *, int))                                             \
    X(pcap_set_immediate_mode, int, (pcap_t *, int))                                      \
    X(pcap_set_buffer_size, int, (pcap_t *, int))                                         \
    X(pcap_set_tstamp_precision, int, (pcap_t *, int))                                    \
    X(pcap_activate, int, (pcap_t *))                                                     \
    X(pcap_setfilter, int, (pcap_t *, struct bpf_program *))                              \
    X(pcap_setnonblock, int, (pcap_t *, int, char *))                                     \
    X(pcap_dispatch, int, (pcap_t *, int, pcap_handler, unsigned char *))                 \
    X(pcap_breakloop, void, (pcap_t *))                                                   \
    X(pcap_stats, int, (pcap_t *, struct pcap_stat *))                                    \
    X(pcap_dump_open, pcap_dumper_t *, (pcap_t *, const char *))                          \
    X(pcap_dump, void, (unsigned char *, const struct pcap_pkthdr *, const unsigned char *)) \
    X(pcap_dump_flush, int, (pcap_dumper_t *))                                            \
    X(pcap_dump_close, void, (pcap_dumper_t *))

#define TT_PCAP_FIELD(name, ret, params) ret(*name) params;
static struct {
    TT_PCAP_FUNCTIONS(TT_PCAP_FIELD)
} api;
#define PCAP(fn) (api.fn)

/* 0: not tried, 1: loading, 2: loaded, 3: failed (why in load_error). */
static atomic_int load_state;
static tt_error load_error;
static void *load_handle; /* owned for the process's life: never unloaded */

/* The files to try, in order. */
static int candidates(char out[][512], int max)
{
    int n = 0;
    const char *env = getenv("TCPTRACE_LIBPCAP");
    if (env && *env && max > 0) {
        snprintf(out[n++], 512, "%s", env); /* the user's choice, and only it */
        return n;
    }
#ifdef _WIN32
    char sys[400];
    if (tt_plat_system_dir(sys, sizeof sys) > 0 && n < max)
        snprintf(out[n++], 512, "%s\\Npcap\\wpcap.dll", sys); /* Npcap's own folder */
    if (n < max)
        snprintf(out[n++], 512, "wpcap.dll"); /* WinPcap, or Npcap in compatible mode */
#elif defined(__APPLE__)
    if (n < max)
        snprintf(out[n++], 512, "libpcap.A.dylib");
    if (n < max)
        snprintf(out[n++], 512, "/usr/lib/libpcap.A.dylib");
#else
    if (n < max)
        snprintf(out[n++], 512, "libpcap.so.1");
    if (n < max)
        snprintf(out[n++], 512, "libpcap.so");
#endif
    return n;
}

static int resolve_all(void *lib, tt_error *err)
{
    void *sym;
#define TT_PCAP_RESOLVE(name, ret, params)                                        \
    sym = tt_plat_lib_symbol(lib, #name);                                         \
    memcpy(&api.name, &sym, sizeof sym); /* a data pointer to a function's */     \
    if (!sym) {                                                                   \
        tt_error_set(err, TT_ERR_IO, "the libpcap found lacks %s (too old?)", #name); \
        return -1;                                                                \
    }
    TT_PCAP_FUNCTIONS(TT_PCAP_RESOLVE)
#undef TT_PCAP_RESOLVE
    return 0;
}

static void load_once(void)
{
    char names[4][512];
    int n = candidates(names, 4);
    tt_error first;
    tt_error_clear(&first);
    for (int i = 0; i < n; i++) {
        tt_error e;
        tt_error_clear(&e);
        void *lib = tt_plat_lib_open(names[i], &e);
        if (lib && resolve_all(lib, &e) == 0) {
            load_handle = lib;
            atomic_store(&load_state, 2);
            return;
        }
        if (first.code == TT_OK)
            first = e;
    }
#ifdef _WIN32
    tt_error_set(&load_error, TT_ERR_FILTER,
                 "BPF filters and live capture need Npcap, which is not installed (%s): install "
                 "it from https://npcap.com; reading capture files needs nothing",
                 first.msg);
#else
    tt_error_set(&load_error, TT_ERR_FILTER,
                 "BPF filters and live capture need libpcap, which could not be loaded (%s): "
                 "install it (Debian: apt-get install libpcap0.8) or set TCPTRACE_LIBPCAP to "
                 "its path; reading capture files needs nothing",
                 first.msg);
#endif
    atomic_store(&load_state, 3);
}

int tt_pcaplib_available(tt_error *err)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&load_state, &expected, 1))
        load_once();
    int st;
    while ((st = atomic_load(&load_state)) == 1)
        tt_plat_sleep_ns(100000); /* another thread is loading it */
    if (st == 2)
        return 1;
    if (err)
        *err = load_error;
    return 0;
}
#endif /* TT_PCAP_RUNTIME */

#ifndef TT_PCAP_RUNTIME
int tt_pcaplib_available(tt_error *err)
{
    (void)err;
    return 1;
}
#endif

const char *tt_pcaplib_version(void)
{
    if (!tt_pcaplib_available(NULL))
        return "libpcap not loaded (filters and live capture unavailable)";
    return PCAP(pcap_lib_version)();
}

/* ---- link types ---- */

/* The DLT values of the few link types whose LINKTYPE differs, as this platform's
 * libpcap numbers them (pcap/dlt.h; OpenBSD and Apple differ for some). */
#ifndef DLT_ATM_RFC1483
#define DLT_ATM_RFC1483 11
#endif
#ifndef DLT_RAW
#define DLT_RAW 12
#endif
#ifndef DLT_SLIP_BSDOS
#define DLT_SLIP_BSDOS 15
#endif
#ifndef DLT_PPP_BSDOS
#define DLT_PPP_BSDOS 16
#endif
#ifndef DLT_ATM_CLIP
#define DLT_ATM_CLIP 19
#endif

int tt_pcaplib_linktype_to_dlt(int linktype)
{
    switch (linktype) {
    case 100: return DLT_ATM_RFC1483;
    case 101: return DLT_RAW;
    case 102: return DLT_SLIP_BSDOS;
    case 103: return DLT_PPP_BSDOS;
    case 106: return DLT_ATM_CLIP;
    default: return linktype;
    }
}

/* libpcap's names of the link types the decoder reads, for when it is not loaded. */
static const struct {
    int linktype;
    const char *name;
} known_names[] = {
    {0, "NULL"}, {1, "EN10MB"}, {9, "PPP"}, {12, "RAW"}, {14, "RAW"}, {50, "PPP_SERIAL"},
    {51, "PPP_ETHER"}, {101, "RAW"}, {104, "C_HDLC"}, {108, "LOOP"}, {113, "LINUX_SLL"},
    {228, "IPV4"}, {229, "IPV6"}, {276, "LINUX_SLL2"}, {10, "FDDI"}, {105, "IEEE802_11"},
    {192, "PPI"}, {239, "NFLOG"},
};

const char *tt_pcaplib_linktype_name(int linktype)
{
    if (tt_pcaplib_available(NULL))
        return PCAP(pcap_datalink_val_to_name)(tt_pcaplib_linktype_to_dlt(linktype));
    for (size_t i = 0; i < sizeof known_names / sizeof known_names[0]; i++)
        if (known_names[i].linktype == linktype)
            return known_names[i].name;
    return NULL;
}

/* ---- BPF ---- */

struct tt_bpf {
    struct bpf_program prog; /* owned: freed with pcap_freecode */
};

/* A Wireshark display filter given where a BPF capture filter is wanted ("tcp.port ==
 * 80", "ip.addr==10.0.0.1 && tcp"): == or && or ||, or a dotted field name. */
static int looks_like_display_filter(const char *expr)
{
    if (strstr(expr, "==") || strstr(expr, "&&") || strstr(expr, "||") || strstr(expr, "!="))
        return 1;
    static const char *const prefixes[] = {"tcp.", "ip.", "ipv6.", "frame.", "eth.", "udp.", "http."};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        const char *p = strstr(expr, prefixes[i]);
        if (p && (p == expr || p[-1] == ' ' || p[-1] == '(' || p[-1] == '!'))
            return 1;
    }
    return 0;
}

tt_bpf *tt_bpf_compile(const char *expr, int linktype, uint32_t snaplen, tt_error *err)
{
    if (!tt_pcaplib_available(err))
        return NULL;
    tt_bpf *f = calloc(1, sizeof *f);
    if (!f) {
        tt_error_set(err, TT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    int dlt = tt_pcaplib_linktype_to_dlt(linktype);
    pcap_t *dead = PCAP(pcap_open_dead)(dlt, snaplen && snaplen <= 0x7fffffffu ? (int)snaplen : 262144);
    if (!dead) {
        free(f);
        tt_error_set(err, TT_ERR_NOMEM, "pcap_open_dead failed");
        return NULL;
    }
    if (PCAP(pcap_compile)(dead, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        const char *hint = looks_like_display_filter(expr)
                               ? " (this is a BPF capture filter, as tcpdump's: 'tcp port 80', 'host "
                                 "10.0.0.1 and tcp'; Wireshark display filters such as 'tcp.port == 80' "
                                 "are another language)"
                               : "";
        tt_error_set(err, TT_ERR_FILTER, "bad filter expression '%s': %s%s", expr,
                     PCAP(pcap_geterr)(dead), hint);
        PCAP(pcap_close)(dead);
        free(f);
        return NULL;
    }
    PCAP(pcap_close)(dead);
    return f;
}

int tt_bpf_match(const tt_bpf *f, const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
    /* bpf_filter(program, packet, wire length, captured length): what
     * pcap_offline_filter runs, without a pcap_pkthdr whose layout varies. */
    return PCAP(bpf_filter)(f->prog.bf_insns, data, wirelen, caplen) != 0;
}

void tt_bpf_free(tt_bpf *f)
{
    if (!f)
        return;
    PCAP(pcap_freecode)(&f->prog);
    free(f);
}

/* ---- live capture to a file ---- */

#define TT_LIVE_TIMEOUT_MS 20 /* how often a blocked read wakes to look at the stop flag */
#define TT_LIVE_BUFFER_BYTES (32 << 20) /* kernel ring of a live capture */

struct tt_live {
    pcap_t *pcap;          /* owned: closed with pcap_close */
    pcap_dumper_t *dumper; /* owned: closed with pcap_dump_close */
    atomic_int stop;       /* set by tt_live_stop */
    atomic_ullong frames;  /* frames written */
};

static void live_write(unsigned char *user, const struct pcap_pkthdr *h, const unsigned char *bytes)
{
    tt_live *lv = (tt_live *)(void *)user;
    PCAP(pcap_dump)((unsigned char *)lv->dumper, h, bytes);
    atomic_fetch_add(&lv->frames, 1);
}

static void live_activate_error(tt_live *lv, const char *iface, int rc, tt_error *err)
{
    const char *why = PCAP(pcap_geterr)(lv->pcap);
    if (!(why && *why))
        why = PCAP(pcap_statustostr)(rc);
    if (rc == PCAP_ERROR_PERM_DENIED) {
#if defined(__APPLE__)
        const char *need = "needs read access to /dev/bpf*: run as root, or install Wireshark's "
                           "ChmodBPF";
#elif defined(_WIN32)
        const char *need = "Npcap may have been installed for Administrators only";
#else
        const char *need = "needs root, or the CAP_NET_RAW and CAP_NET_ADMIN capabilities: setcap "
                           "cap_net_raw,cap_net_admin=eip on the Python interpreter";
#endif
        tt_error_set(err, TT_ERR_IO, TT_LIVE_PERM_PREFIX " capturing on %s: %s (%s)", iface, why, need);
    } else if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
        tt_error_set(err, TT_ERR_NOT_FOUND, "no such interface %s: %s", iface, why);
    } else {
        tt_error_set(err, TT_ERR_IO, "cannot capture on %s: %s", iface,
                     rc == PCAP_ERROR ? why : PCAP(pcap_statustostr)(rc));
    }
}

tt_live *tt_live_open(const char *iface, const char *filter, int snaplen, const char *path,
                      tt_error *err)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    struct bpf_program prog;
    int have_prog = 0;
    if (!iface || !*iface || !path || !*path) {
        tt_error_set(err, TT_ERR_ARG, "an interface and an output path are needed");
        return NULL;
    }
    if (!tt_pcaplib_available(err)) {
        err->code = TT_ERR_IO;
        return NULL;
    }
    tt_live *lv = calloc(1, sizeof *lv);
    if (!lv) {
        tt_error_set(err, TT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    atomic_init(&lv->stop, 0);
    atomic_init(&lv->frames, 0);
    lv->pcap = PCAP(pcap_create)(iface, errbuf);
    if (!lv->pcap) {
        tt_error_set(err, TT_ERR_IO, "cannot capture on %s: %s", iface, errbuf);
        goto fail;
    }
    PCAP(pcap_set_snaplen)(lv->pcap, snaplen > 0 ? snaplen : 262144);
    PCAP(pcap_set_promisc)(lv->pcap, 0);
    PCAP(pcap_set_timeout)(lv->pcap, TT_LIVE_TIMEOUT_MS);
    PCAP(pcap_set_immediate_mode)(lv->pcap, 1);
    /* Immediate mode rings hold whole-snaplen slots (on loopback 64 KiB each): libpcap's
     * 2 MiB default is some 30 frames, dropped as soon as the writer waits for a core. */
    (void)PCAP(pcap_set_buffer_size)(lv->pcap, TT_LIVE_BUFFER_BYTES);
    (void)PCAP(pcap_set_tstamp_precision)(lv->pcap, PCAP_TSTAMP_PRECISION_NANO); /* micro if refused */
    int rc = PCAP(pcap_activate)(lv->pcap);
    if (rc < 0) {
        live_activate_error(lv, iface, rc, err);
        goto fail;
    }
    if (filter && *filter) {
        if (PCAP(pcap_compile)(lv->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            tt_error_set(err, TT_ERR_FILTER, "invalid filter %s: %s", filter,
                         PCAP(pcap_geterr)(lv->pcap));
            goto fail;
        }
        have_prog = 1;
        if (PCAP(pcap_setfilter)(lv->pcap, &prog) != 0) {
            tt_error_set(err, TT_ERR_FILTER, "cannot set filter %s: %s", filter,
                         PCAP(pcap_geterr)(lv->pcap));
            goto fail;
        }
        PCAP(pcap_freecode)(&prog);
        have_prog = 0;
    }
    lv->dumper = PCAP(pcap_dump_open)(lv->pcap, path);
    if (!lv->dumper) {
        tt_error_set(err, TT_ERR_IO, "cannot write %s: %s", path, PCAP(pcap_geterr)(lv->pcap));
        goto fail;
    }
    return lv;
fail:
    if (have_prog)
        PCAP(pcap_freecode)(&prog);
    tt_live_free(lv);
    return NULL;
}

int tt_live_run(tt_live *lv, tt_error *err)
{
    int result = 0;
    while (!atomic_load(&lv->stop)) {
        int n = PCAP(pcap_dispatch)(lv->pcap, -1, live_write, (unsigned char *)(void *)lv);
        if (n == PCAP_ERROR) {
            tt_error_set(err, TT_ERR_IO, "live capture failed: %s", PCAP(pcap_geterr)(lv->pcap));
            result = -1;
            break;
        }
        /* 0: the read timed out; PCAP_ERROR_BREAK: tt_live_stop woke us. */
    }
    if (result == 0) {
        /* Drain what the kernel already holds: frames sent just before the stop. */
        char errbuf[PCAP_ERRBUF_SIZE];
        if (PCAP(pcap_setnonblock)(lv->pcap, 1, errbuf) == 0) {
            for (int i = 0; i < 1000; i++) {
                int n = PCAP(pcap_dispatch)(lv->pcap, -1, live_write, (unsigned char *)(void *)lv);
                if (n == PCAP_ERROR_BREAK)
                    continue;
                if (n <= 0)
                    break;
            }
        }
    }
    if (PCAP(pcap_dump_flush)(lv->dumper) != 0 && result == 0) {
        tt_error_set(err, TT_ERR_IO, "cannot write the capture file: %s", strerror(errno));
        result = -1;
    }
    return result;
}

void tt_live_stop(tt_live *lv)
{
    if (!lv)
        return;
    atomic_store(&lv->stop, 1);
    if (lv->pcap)
        PCAP(pcap_breakloop)(lv->pcap);
}

uint64_t tt_live_frames(const tt_live *lv)
{
    return atomic_load(&((tt_live *)(uintptr_t)lv)->frames);
}

int tt_live_stats(tt_live *lv, uint64_t *received, uint64_t *dropped)
{
    struct pcap_stat st;
    memset(&st, 0, sizeof st);
    if (!lv->pcap || PCAP(pcap_stats)(lv->pcap, &st) != 0)
        return -1;
    *received = st.ps_recv;
    *dropped = st.ps_drop;
    return 0;
}

void tt_live_free(tt_live *lv)
{
    if (!lv)
        return;
    if (lv->dumper)
        PCAP(pcap_dump_close)(lv->dumper);
    if (lv->pcap)
        PCAP(pcap_close)(lv->pcap);
    free(lv);
}
