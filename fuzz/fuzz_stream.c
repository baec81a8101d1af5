/* libFuzzer harness: the stream layer (csrc/stream.h: reassembly and every framer)
 * through the engine, from a segment script decoded from the input. The engine turns
 * the script's frames into analysed segments and hands them to tt_streams (messages on,
 * every stream collected, follow records on), so whatever framer stream.c picks for a
 * connection (by port or by sniffing its first bytes) is reached without this file
 * knowing it. Every item queued is read in full after every frame, then cleared.
 *
 * Layout: [port u8][cfg u8], then records of [ctl u8][delta i16][len u16] and len
 * payload bytes (fewer at the end of the input):
 *   port: server port (index into `ports`; the high bit: a second, sniffed-only port)
 *   cfg:  bit 0: small reassembly caps (the give-up paths); bit 1: no follow records;
 *         bits 2-3: snaplen cut of every frame (0: none, else 40 + 16 * n bytes of payload)
 *   ctl:  bit 0: direction (0: client to server); bit 1: SYN; bit 2: FIN; bit 3: RST;
 *         bit 4: no ACK; bit 5: the second connection (another client port);
 *         bits 6-7: 0: seq = the direction's next + delta; 1: seq = ISN + 1 + delta * 64;
 *         2: as 0, ACK jumps by delta * 1024; 3: as 0, a retransmission with other bytes
 *         of the previous segment's length (delta ignored) */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../csrc/engine.h"
#include "../csrc/stream.h"

static const uint16_t ports[] = {80, 443, 25, 53, 8080, 587, 993, 8443, 5000, 110, 143, 21};

enum { HDR = 14 + 20 + 20, MAX_PAYLOAD = 4096 };

typedef struct dir_state {
    uint32_t isn, next; /* absolute sequence numbers */
    uint16_t last_len;
} dir_state;

typedef struct script_conn {
    dir_state d[2];
    uint16_t cport;
} script_conn;

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* An Ethernet/IPv4/TCP frame (checksums zero: not checked) into f; its length. */
static size_t build_frame(uint8_t *f, int dir, uint16_t sport, uint16_t cport, uint8_t flags,
                          uint32_t seq, uint32_t ack, const uint8_t *payload, size_t len)
{
    static const uint8_t eth[14] = {0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0x66, 0x77,
                                    0x88, 0x99, 0xaa, 0x08, 0x00};
    static const uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};
    memcpy(f, eth, 14);
    uint8_t *ip = f + 14, *tcp = ip + 20;
    memset(ip, 0, 40);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(40 + len));
    ip[6] = 0x40;
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, dir ? srv : cli, 4);
    memcpy(ip + 16, dir ? cli : srv, 4);
    put16(tcp, dir ? sport : cport);
    put16(tcp + 2, dir ? cport : sport);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = 0x50;
    tcp[13] = flags;
    put16(tcp + 14, 65535);
    memcpy(tcp + 20, payload, len);
    return HDR + len;
}

/* The first and last byte of a buffer: ASan traps on a bad pointer or length. */
static uint8_t ends(const uint8_t *p, size_t len) { return len ? (uint8_t)(p[0] ^ p[len - 1]) : 0; }

/* Touch every queued item (its strings whole, its buffers at both ends), then clear. */
static void drain(tt_engine *eng)
{
    tt_streams_out *o = tt_engine_streams_out(eng);
    if (!o)
        return;
    volatile size_t sink = 0;
    for (size_t i = 0; i < o->msgs.n; i++) {
        const tt_stream_msg *m = &o->msgs.v[i];
        const char *strs[] = {m->kind, m->protocol, m->info, m->stream_protocol, m->note, m->lead};
        for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
            sink += strs[k] ? strlen(strs[k]) : 0;
        for (size_t k = 0; k < TT_APP_MAX_FIELDS; k++)
            if (m->v[k].set && m->v[k].s)
                sink += ends((const uint8_t *)m->v[k].s, m->v[k].len);
        for (size_t k = 0; k < m->n_frames; k++)
            sink += (size_t)m->frames[k].frame;
        if (m->end_off < m->start_off || !m->framer)
            __builtin_trap(); /* a message that ends before it starts, or of no framer */
    }
    for (size_t i = 0; i < o->chunks.n; i++) {
        const tt_stream_chunk *c = &o->chunks.v[i];
        if (c->data)
            sink += ends(c->data, (size_t)c->len);
        for (size_t k = 0; k < c->n_parts; k++)
            sink += (size_t)c->parts[k].len;
    }
    for (size_t i = 0; i < o->follow.n; i++)
        sink += ends(o->follow.v[i].data, o->follow.v[i].len);
    (void)sink;
    tt_streams_out_clear(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint16_t sport = ports[(data[0] & 0x7F) % (sizeof ports / sizeof ports[0])];
    if (data[0] & 0x80)
        sport = (uint16_t)(20000 + (data[0] & 0x7F)); /* no port hint: framers sniff */
    uint8_t cfgb = data[1];
    tt_engine_config ecfg = {.conn_records = false};
    tt_error err;
    tt_engine *eng = tt_engine_new(&ecfg, &err);
    if (!eng)
        return 0;
    tt_streams_config scfg = {.messages = true, .collect = TT_STREAMS_COLLECT_ALL,
                              .follow = !(cfgb & 2)};
    if (cfgb & 1) {
        scfg.budget_bytes = 8192;
        scfg.max_held_bytes = 4096;
    }
    if (tt_engine_streams(eng, &scfg, &err) != 0) {
        tt_engine_free(eng);
        return 0;
    }
    uint32_t snap = (cfgb >> 2) & 3 ? (uint32_t)(HDR + 40 + 16 * ((cfgb >> 2) & 3)) : 0;
    script_conn conns[2] = {
        {.d = {{.isn = 1000, .next = 1000}, {.isn = 0x7FFFFF00u, .next = 0x7FFFFF00u}},
         .cport = 40000},
        {.d = {{.isn = 0xFFFFFF00u, .next = 0xFFFFFF00u}, {.isn = 5000, .next = 5000}},
         .cport = 40001},
    };
    static uint8_t frame[HDR + MAX_PAYLOAD];
    static uint8_t other[MAX_PAYLOAD];
    size_t pos = 2;
    uint64_t n = 0;
    while (pos + 5 <= size) {
        uint8_t ctl = data[pos];
        int16_t delta = (int16_t)(data[pos + 1] << 8 | data[pos + 2]);
        size_t len = (size_t)(data[pos + 3] << 8 | data[pos + 4]) % (MAX_PAYLOAD + 1);
        pos += 5;
        if (len > size - pos)
            len = size - pos;
        const uint8_t *payload = data + pos;
        pos += len;
        int dir = ctl & 1, mode = ctl >> 6;
        script_conn *sc = &conns[(ctl >> 5) & 1];
        dir_state *d = &sc->d[dir], *peer = &sc->d[!dir];
        uint8_t flags = (uint8_t)(((ctl & 2) ? 0x02 : 0) | ((ctl & 4) ? 0x01 : 0) |
                                  ((ctl & 8) ? 0x04 : 0) | ((ctl & 16) ? 0 : 0x10) |
                                  (len ? 0x08 : 0));
        uint32_t seq = d->next + (uint32_t)(int32_t)delta;
        uint32_t ack = peer->next;
        if (mode == 1)
            seq = d->isn + 1 + (uint32_t)((int32_t)delta * 64);
        else if (mode == 2)
            ack += (uint32_t)((int32_t)delta * 1024);
        else if (mode == 3) {
            seq = d->next - d->last_len;
            len = d->last_len <= len ? d->last_len : len;
            for (size_t i = 0; i < len; i++)
                other[i] = (uint8_t)(payload[i] ^ 0x5A);
            payload = other;
        }
        size_t flen = build_frame(frame, dir, sport, sc->cport, flags, seq, ack, payload, len);
        uint32_t end = seq + (uint32_t)len + ((flags & 0x02) ? 1 : 0) + ((flags & 0x01) ? 1 : 0);
        if ((int32_t)(end - d->next) > 0)
            d->next = end;
        d->last_len = (uint16_t)len;
        n++;
        uint32_t caplen = snap && flen > snap ? snap : (uint32_t)flen;
        tt_frame f = {.data = frame, .caplen = caplen, .wirelen = (uint32_t)flen,
                      .ts_ns = (int64_t)n * 1000000, .ts_sec = (int64_t)(n / 1000),
                      .ts_nsec = (int32_t)(n % 1000) * 1000000, .linktype = TT_LINKTYPE_ETHERNET,
                      .number = n};
        tt_segment seg;
        (void)tt_engine_feed(eng, &f, &seg);
        drain(eng);
    }
    tt_engine_finish(eng);
    drain(eng);
    const tt_streams_stats *st = &tt_engine_counters(eng)->streams;
    if ((cfgb & 1) && st->held_peak > scfg.budget_bytes + MAX_PAYLOAD)
        __builtin_trap(); /* more held than the budget allows (plus one segment) */
    tt_engine_free(eng);
    return 0;
}
