/* libFuzzer harness: TCP reassembly (csrc/reasm.c) over a sequence of operations carved
 * from the input, on two streams sharing one small budget, with small caps so the
 * give-up paths run. The stream contract and the caps are checked after every
 * operation: a violation traps, so it is found like a crash.
 *
 * Layout: records of [op u8][a u16][b u16][c u8], then for inserts b payload bytes
 * (fewer at the end of the input).
 *   op & 3 == 0, 1: insert on stream (op >> 2) & 1 at next_off + (int16)a, b bytes
 *                   captured, b + c on the wire, FIN / RST from bits 3-4 of op;
 *                   bit 5 of op: at an absurd offset (a << 32 | ...) instead
 *   op & 3 == 2:    the peer acknowledged up to next_off + a (tt_reasm_acked)
 *   op & 3 == 3:    end the stream (end of capture) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../csrc/reasm.h"

typedef struct check {
    uint64_t next;   /* where the next chunk must start */
    int ended;
} check;

static void sink(void *ctx, const tt_reasm_chunk *c)
{
    check *k = ctx;
    if (k->ended || c->off != k->next)
        __builtin_trap(); /* a chunk after END, or out of order / overlapping */
    if (c->kind == TT_REASM_DATA) {
        if (!c->data || !c->len)
            __builtin_trap();
        volatile uint8_t x = 0;
        for (uint64_t i = 0; i < c->len; i++)
            x ^= c->data[i]; /* every byte readable */
        (void)x;
    }
    uint64_t sum = 0;
    for (size_t i = 0; i < c->n_parts; i++)
        sum += c->parts[i].len;
    if ((c->kind == TT_REASM_DATA || c->kind == TT_REASM_MISSING) && sum != c->len)
        __builtin_trap();
    if (c->kind == TT_REASM_END)
        k->ended = 1;
    k->next = c->off + c->len;
}

#define HELD_CAP 4096u
#define BUDGET_CAP 6144u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tt_reasm_config cfg;
    tt_reasm_config_default(&cfg);
    cfg.max_held_bytes = HELD_CAP;
    cfg.max_held_pieces = 16;
    cfg.history_bytes = 256;
    tt_reasm_budget budget;
    tt_reasm_budget_init(&budget, BUDGET_CAP);
    check k[2] = {{0, 0}, {0, 0}};
    tt_reasm r[2];
    tt_reasm_init(&r[0], &cfg, &budget, sink, &k[0]);
    tt_reasm_init(&r[1], &cfg, &budget, sink, &k[1]);
    size_t pos = 0;
    uint64_t frame = 0;
    while (pos + 6 <= size) {
        uint8_t op = data[pos];
        uint16_t a = (uint16_t)(data[pos + 1] << 8 | data[pos + 2]);
        uint16_t b = (uint16_t)(data[pos + 3] << 8 | data[pos + 4]);
        uint8_t c = data[pos + 5];
        pos += 6;
        int s = (op >> 2) & 1;
        tt_reasm *rs = &r[s];
        frame++;
        switch (op & 3) {
        case 0:
        case 1: {
            size_t len = b;
            if (len > size - pos)
                len = size - pos;
            uint64_t next = tt_reasm_next_off(rs);
            uint64_t off = (op & 0x20) ? ((uint64_t)a << 32 | (uint64_t)c << 24 | b)
                                       : (uint64_t)((int64_t)next + (int16_t)a);
            if (!(op & 0x20) && (int64_t)next + (int16_t)a < 0)
                off = 0;
            tt_reasm_seg g = {.off = off, .data = data + pos, .caplen = (uint32_t)len,
                              .wirelen = (uint32_t)len + c, .frame = frame,
                              .flags = (uint32_t)((op >> 3) & 3)};
            tt_reasm_insert(rs, &g);
            pos += len;
            /* The caps hold after every insert (plus the one segment's slack). */
            if (rs->st.held_bytes > HELD_CAP + len + 256 ||
                budget.used_bytes > BUDGET_CAP + len + 256 || rs->n_pieces > 17)
                __builtin_trap();
            break;
        }
        case 2:
            tt_reasm_acked(rs, tt_reasm_next_off(rs) + a, frame);
            break;
        case 3:
            tt_reasm_end(rs, TT_REASM_END_FLUSH, frame);
            break;
        }
        if (r[0].st.held_bytes + r[1].st.held_bytes != budget.used_bytes &&
            r[0].st.held_bytes + r[1].st.held_bytes > budget.used_bytes)
            __builtin_trap(); /* the budget lost track of held bytes */
    }
    for (int i = 0; i < 2; i++) {
        tt_reasm_end(&r[i], TT_REASM_END_FLUSH, 0);
        if (!k[i].ended)
            __builtin_trap();
        tt_reasm_clear(&r[i]);
    }
    if (budget.used_bytes != 0)
        __builtin_trap(); /* memory not given back */
    return 0;
}
