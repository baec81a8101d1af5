/* libFuzzer harness: the whole engine over a sequence of frames carved from the input.
 * Layout: byte 0 picks the link type; then records of [u16 length][length bytes], each a
 * frame 1 ms after the previous one; byte 0 also picks max_conns. Decode, IP defragmentation and every stage the
 * engine runs see a connection's worth of related frames. Every segment is also
 * appended to a builder of every column (the address codes cached per connection);
 * an odd-sized input runs without connection records (no statistics block). */
#include <stddef.h>
#include <stdint.h>

#include "../csrc/columns.h"
#include "../csrc/engine.h"

static const int linktypes[] = {
    TT_LINKTYPE_ETHERNET, TT_LINKTYPE_RAW, TT_LINKTYPE_LINUX_SLL, TT_LINKTYPE_NULL,
    TT_LINKTYPE_LINUX_SLL2, TT_LINKTYPE_IPV6,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* Connection records on, and eviction after 1 ns / 1 frame: the hand-over paths run.
     * Byte 0 also picks a small max_conns (1..8, 0: the default) so the table's
     * eviction of the least recently active connection runs too. */
    size_t n_lt = sizeof linktypes / sizeof linktypes[0];
    tt_engine_config cfg = {.ipfrag_mem_cap_bytes = 1 << 20, .conn_records = (size & 1) == 0,
                            .conn_linger_ns = 1, .conn_linger_frames = 1,
                            .max_conns = (size_t)(data[0] / n_lt) % 9};
    tt_conn_record rec;
    tt_error err;
    tt_engine *eng = tt_engine_new(&cfg, &err);
    if (!eng)
        return 0;
    int lt = linktypes[data[0] % n_lt];
    tt_addrdict *addrs = tt_addrdict_new();
    tt_columns cols;
    tt_columns_init(&cols, ((uint64_t)1 << TT_COL_COUNT) - 1, addrs);
    size_t pos = 1;
    uint64_t n = 0;
    while (pos + 2 <= size) {
        size_t len = (size_t)data[pos] << 8 | data[pos + 1];
        pos += 2;
        if (len > size - pos)
            len = size - pos;
        int64_t ts_ns = (int64_t)n * 1000000;
        n++;
        tt_frame f = {
            .data = data + pos,
            .caplen = (uint32_t)len,
            .wirelen = (uint32_t)len,
            .ts_ns = ts_ns,
            .linktype = lt,
            .number = n,
        };
        tt_segment seg;
        if (tt_engine_feed(eng, &f, &seg)) {
            if (addrs && cols.rows < 4096)
                (void)tt_columns_append(&cols, &seg);
            volatile uint8_t sink = 0;
            for (uint32_t i = 0; seg.pkt.payload && i < seg.pkt.payload_caplen; i++)
                sink ^= seg.pkt.payload[i];
            (void)sink;
        }
        while (tt_engine_next_conn(eng, &rec))
            ;
        if (cfg.max_conns && tt_engine_counters(eng)->conns_live > cfg.max_conns)
            __builtin_trap(); /* the table outgrew its bound */
        pos += len;
    }
    tt_engine_finish(eng);
    while (tt_engine_next_conn(eng, &rec))
        ;
    tt_engine_free(eng);
    tt_columns_clear(&cols);
    tt_addrdict_free(addrs);
    return 0;
}
