/* reasm: segments built from byte strings, one behaviour per test. */
#include <stdlib.h>
#include <string.h>

#include "../../csrc/reasm.h"
#include "tt_test.h"

#define REC_MAX 8192
#define REC_CHUNKS 512

typedef struct rec_chunk {
    tt_reasm_kind kind;
    uint64_t off, len, frame;
    tt_reasm_part parts[16];
    size_t n_parts;
    tt_reasm_end_reason end;
} rec_chunk;

/* A sink that rebuilds the stream and keeps each chunk. */
typedef struct rec {
    uint8_t out[REC_MAX];
    char kind[REC_MAX]; /* 'd' data, 'm' missing, 'g' gap, 0 nothing */
    uint64_t next;      /* where the next chunk must start */
    rec_chunk ch[REC_CHUNKS];
    size_t n;
    int errors;         /* chunks out of order or with parts not summing to len */
} rec;

static void rec_sink(void *ctx, const tt_reasm_chunk *c)
{
    rec *r = ctx;
    if (c->off != r->next)
        r->errors++;
    uint64_t sum = 0;
    for (size_t i = 0; i < c->n_parts; i++)
        sum += c->parts[i].len;
    if ((c->kind == TT_REASM_DATA || c->kind == TT_REASM_MISSING) && sum != c->len)
        r->errors++;
    if (c->kind == TT_REASM_DATA && !c->data)
        r->errors++;
    for (uint64_t i = 0; i < c->len && c->off + i < REC_MAX; i++) {
        r->kind[c->off + i] = c->kind == TT_REASM_DATA ? 'd' : c->kind == TT_REASM_MISSING ? 'm' : 'g';
        if (c->kind == TT_REASM_DATA)
            r->out[c->off + i] = c->data[i];
    }
    r->next = c->off + c->len;
    if (r->n < REC_CHUNKS) {
        rec_chunk *k = &r->ch[r->n++];
        k->kind = c->kind;
        k->off = c->off;
        k->len = c->len;
        k->frame = c->frame;
        k->end = c->end;
        k->n_parts = c->n_parts < 16 ? c->n_parts : 16;
        if (k->n_parts)
            memcpy(k->parts, c->parts, k->n_parts * sizeof *c->parts);
    }
}

typedef struct fixture {
    tt_reasm_budget budget;
    tt_reasm r;
    rec out;
} fixture;

static fixture *fx_new(const tt_reasm_config *cfg, size_t budget_cap)
{
    fixture *f = calloc(1, sizeof *f);
    tt_reasm_budget_init(&f->budget, budget_cap);
    tt_reasm_init(&f->r, cfg, &f->budget, rec_sink, &f->out);
    return f;
}

static void fx_free(fixture *f)
{
    tt_reasm_clear(&f->r);
    free(f);
}

static uint64_t put(fixture *f, const uint8_t *s, uint64_t off, uint32_t len, uint64_t frame)
{
    tt_reasm_seg g = {.off = off, .data = s + off, .caplen = len, .wirelen = len, .frame = frame};
    return tt_reasm_insert(&f->r, &g);
}

static uint64_t put_flags(fixture *f, const uint8_t *s, uint64_t off, uint32_t len, uint64_t frame,
                          uint32_t flags)
{
    tt_reasm_seg g = {.off = off, .data = s + off, .caplen = len, .wirelen = len, .frame = frame,
                      .flags = flags};
    return tt_reasm_insert(&f->r, &g);
}

static const uint8_t TEXT[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

static void test_in_order_delivered_at_once(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    put(f, TEXT, 0, 10, 4);
    CHECK_EQ(f->out.n, 1);
    CHECK_EQ(f->out.ch[0].kind, TT_REASM_DATA);
    CHECK_EQ(f->out.ch[0].frame, 4);
    put(f, TEXT, 10, 10, 5);
    put(f, TEXT, 20, 5, 6);
    CHECK_EQ(f->out.n, 3);
    CHECK_EQ(f->out.ch[2].off, 20);
    CHECK_EQ(f->out.ch[2].parts[0].frame, 6);
    CHECK(memcmp(f->out.out, TEXT, 25) == 0);
    CHECK_EQ(f->r.st.bytes_delivered, 25);
    CHECK_EQ(f->r.st.held_bytes, 0);
    CHECK_EQ(f->out.errors, 0);
    fx_free(f);
}

/* Reversed: nothing until the first segment arrives, then one chunk naming each
 * frame's share, "reassembled in" the frame that filled the hole. */
static void test_reversed_held_then_joined(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    put(f, TEXT, 20, 5, 3);
    put(f, TEXT, 10, 10, 2);
    CHECK_EQ(f->out.n, 0);
    CHECK(f->r.st.held_bytes > 15);
    CHECK_EQ(f->budget.used_bytes, f->r.st.held_bytes);
    put(f, TEXT, 0, 10, 1);
    CHECK_EQ(f->out.n, 2);
    CHECK_EQ(f->out.ch[0].len, 10);
    CHECK_EQ(f->out.ch[1].off, 10);
    CHECK_EQ(f->out.ch[1].len, 15);
    CHECK_EQ(f->out.ch[1].frame, 1);
    CHECK_EQ(f->out.ch[1].n_parts, 2);
    CHECK_EQ(f->out.ch[1].parts[0].frame, 2);
    CHECK_EQ(f->out.ch[1].parts[0].len, 10);
    CHECK_EQ(f->out.ch[1].parts[1].frame, 3);
    CHECK_EQ(f->out.ch[1].parts[1].len, 5);
    CHECK(memcmp(f->out.out, TEXT, 25) == 0);
    CHECK_EQ(f->r.st.held_bytes, 0);
    CHECK(f->budget.used_bytes > 0); /* the history */
    fx_free(f);
}

static void test_duplicate_counted_not_delivered(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    put(f, TEXT, 0, 10, 1);
    uint64_t anom = put(f, TEXT, 0, 10, 2);
    CHECK_EQ(anom, 0);
    CHECK_EQ(f->out.n, 1);
    CHECK_EQ(f->r.st.overlap_bytes, 10);
    CHECK_EQ(f->r.st.overlap_unchecked, 0);
    CHECK_EQ(f->r.st.conflicts, 0);
    fx_free(f);
}

static void test_overlap_same_bytes_extends(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    put(f, TEXT, 0, 10, 1);
    put(f, TEXT, 5, 10, 2); /* 5 old, 5 new */
    CHECK_EQ(f->out.n, 2);
    CHECK_EQ(f->out.ch[1].off, 10);
    CHECK_EQ(f->out.ch[1].len, 5);
    CHECK_EQ(f->r.st.overlap_bytes, 5);
    CHECK_EQ(f->r.st.conflicts, 0);
    CHECK(memcmp(f->out.out, TEXT, 15) == 0);
    fx_free(f);
}

/* Same offset, different bytes: the first copy wins and the conflict is recorded
 * (Wireshark: tcp.segment.overlap.conflict). Against delivered bytes (history). */
static void test_conflict_with_delivered_first_copy_wins(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    put(f, TEXT, 0, 10, 1);
    uint8_t other[20];
    memcpy(other, TEXT, 20);
    other[3] = 'X';
    other[4] = 'Y';
    uint64_t anom = put(f, other, 0, 12, 2);
    CHECK(anom & TT_ANOM_BIT(TT_ANOM_TCP_SEGMENT_OVERLAP_CONFLICT));
    CHECK_EQ(f->r.st.conflicts, 1);
    CHECK_EQ(f->r.st.conflict_bytes, 2);
    CHECK(memcmp(f->out.out, TEXT, 12) == 0);
    CHECK_EQ(f->out.ch[1].len, 2);
    fx_free(f);
}

/* ... and against held (out-of-order) bytes. */
static void test_conflict_with_held_first_copy_wins(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    put(f, TEXT, 10, 10, 2);
    uint8_t other[30];
    memcpy(other, TEXT, 30);
    other[12] = '!';
    uint64_t anom = put(f, other, 8, 14, 3); /* 8..10 new, 10..20 held, 20..22 new */
    CHECK(anom & TT_ANOM_BIT(TT_ANOM_TCP_SEGMENT_OVERLAP_CONFLICT));
    CHECK_EQ(f->r.st.conflict_bytes, 1);
    CHECK_EQ(f->r.n_pieces, 3);
    put(f, TEXT, 0, 8, 1);
    CHECK(memcmp(f->out.out, TEXT, 22) == 0);
    CHECK_EQ(f->out.n, 2);
    CHECK_EQ(f->out.ch[1].n_parts, 3);
    CHECK_EQ(f->out.ch[1].parts[0].frame, 3);
    CHECK_EQ(f->out.ch[1].parts[1].frame, 2);
    CHECK_EQ(f->out.ch[1].parts[2].frame, 3);
    fx_free(f);
}

static void test_one_byte_splits(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    for (uint32_t i = 0; i < 40; i++)
        put(f, TEXT, i, 1, i + 1);
    CHECK_EQ(f->out.n, 40);
    CHECK(memcmp(f->out.out, TEXT, 40) == 0);
    fx_free(f);
    /* odd bytes first, then even: each even byte joins the odd one held after it */
    f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    for (uint32_t i = 1; i < 40; i += 2)
        put(f, TEXT, i, 1, i + 1);
    CHECK_EQ(f->out.n, 0);
    for (uint32_t i = 0; i < 40; i += 2)
        put(f, TEXT, i, 1, i + 1);
    CHECK(memcmp(f->out.out, TEXT, 40) == 0);
    CHECK_EQ(f->r.st.bytes_delivered, 40);
    CHECK_EQ(f->out.errors, 0);
    fx_free(f);
}

static void test_gap_filled_late(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    put(f, TEXT, 0, 10, 1);
    put(f, TEXT, 20, 10, 3);
    put(f, TEXT, 30, 10, 4);
    CHECK_EQ(f->out.n, 1);
    put(f, TEXT, 10, 10, 9); /* the retransmission, much later */
    CHECK_EQ(f->out.n, 3);
    CHECK_EQ(f->out.ch[2].frame, 9);
    CHECK_EQ(f->out.ch[2].len, 20);
    CHECK(memcmp(f->out.out, TEXT, 40) == 0);
    tt_reasm_end(&f->r, TT_REASM_END_FLUSH, 0);
    CHECK_EQ(f->r.st.gap_bytes, 0);
    fx_free(f);
}

/* A hole that never fills is reported at the end with its offset and size. */
static void test_gap_never_filled_reported_at_end(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    put(f, TEXT, 0, 10, 1);
    put(f, TEXT, 15, 10, 3);
    put_flags(f, TEXT, 25, 0, 4, TT_REASM_FIN);
    CHECK(!tt_reasm_ended(&f->r)); /* the FIN waits for the hole */
    uint64_t anom = tt_reasm_end(&f->r, TT_REASM_END_FLUSH, 0);
    CHECK(anom & TT_ANOM_BIT(TT_ANOM_TCP_REASM_GAP));
    CHECK_EQ(f->out.n, 4);
    CHECK_EQ(f->out.ch[1].kind, TT_REASM_GAP);
    CHECK_EQ(f->out.ch[1].off, 10);
    CHECK_EQ(f->out.ch[1].len, 5);
    CHECK_EQ(f->out.ch[2].kind, TT_REASM_DATA);
    CHECK_EQ(f->out.ch[3].kind, TT_REASM_END);
    CHECK_EQ(f->out.ch[3].end, TT_REASM_END_FLUSH);
    CHECK_EQ(f->r.st.gap_bytes, 5);
    CHECK_EQ(f->r.st.gaps, 1);
    CHECK_EQ(f->r.st.forced_gaps, 0);
    CHECK(memcmp(f->out.out + 15, TEXT + 15, 10) == 0);
    CHECK_EQ(tt_reasm_end(&f->r, TT_REASM_END_FLUSH, 0), 0); /* idempotent */
    CHECK_EQ(f->out.n, 4);
    fx_free(f);
}

/* A FIN whose preceding bytes never came: the gap runs up to the FIN. */
static void test_gap_before_fin(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    put(f, TEXT, 0, 10, 1);
    put_flags(f, TEXT, 20, 0, 2, TT_REASM_FIN);
    tt_reasm_end(&f->r, TT_REASM_END_FLUSH, 0);
    CHECK_EQ(f->out.ch[1].kind, TT_REASM_GAP);
    CHECK_EQ(f->out.ch[1].len, 10);
    CHECK_EQ(f->r.st.gap_bytes, 10);
    fx_free(f);
}

/* Bytes the snaplen cut are delivered as MISSING, never invented. */
static void test_snaplen_truncated_missing(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    tt_reasm_seg g = {.off = 0, .data = TEXT, .caplen = 4, .wirelen = 10, .frame = 1};
    tt_reasm_insert(&f->r, &g);
    CHECK_EQ(f->out.n, 2);
    CHECK_EQ(f->out.ch[0].kind, TT_REASM_DATA);
    CHECK_EQ(f->out.ch[0].len, 4);
    CHECK_EQ(f->out.ch[1].kind, TT_REASM_MISSING);
    CHECK_EQ(f->out.ch[1].off, 4);
    CHECK_EQ(f->out.ch[1].len, 6);
    CHECK_EQ(f->out.ch[1].parts[0].frame, 1);
    /* out of order, truncated: held as a missing piece, no bytes allocated for it */
    tt_reasm_seg h = {.off = 20, .data = TEXT + 20, .caplen = 2, .wirelen = 10, .frame = 3};
    tt_reasm_insert(&f->r, &h);
    put(f, TEXT, 10, 10, 2);
    CHECK_EQ(f->r.st.missing_bytes, 6 + 8);
    CHECK_EQ(f->r.st.bytes_delivered, 4 + 10 + 2);
    CHECK_EQ(f->out.kind[25], 'm');
    CHECK_EQ(f->out.kind[21], 'd');
    CHECK_EQ(f->out.next, 30);
    /* a full copy of missing bytes after the fact does not rewrite them */
    put(f, TEXT, 4, 6, 9);
    CHECK_EQ(f->r.st.overlap_unchecked, 6);
    CHECK_EQ(f->r.st.conflicts, 0);
    CHECK_EQ(f->out.errors, 0);
    fx_free(f);
}

static void test_fin_ends_direction(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    put_flags(f, TEXT, 10, 5, 3, TT_REASM_FIN); /* FIN out of order */
    CHECK(!tt_reasm_ended(&f->r));
    put(f, TEXT, 0, 10, 2);
    CHECK(tt_reasm_ended(&f->r));
    CHECK_EQ(f->out.ch[f->out.n - 1].kind, TT_REASM_END);
    CHECK_EQ(f->out.ch[f->out.n - 1].end, TT_REASM_END_FIN);
    CHECK_EQ(f->out.ch[f->out.n - 1].frame, 3);
    CHECK_EQ(f->out.ch[f->out.n - 1].off, 15);
    /* a retransmitted FIN and bytes past it change nothing, and are counted */
    put_flags(f, TEXT, 10, 8, 4, TT_REASM_FIN);
    CHECK_EQ(f->r.st.after_end_bytes, 3);
    CHECK_EQ(f->r.st.overlap_bytes, 5);
    size_t n = f->out.n;
    tt_reasm_end(&f->r, TT_REASM_END_FLUSH, 0);
    CHECK_EQ(f->out.n, n);
    fx_free(f);
}

static void test_rst_ends_with_gap(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    put(f, TEXT, 0, 5, 1);
    put(f, TEXT, 10, 5, 2);
    uint64_t anom = put_flags(f, TEXT, 15, 0, 3, TT_REASM_RST);
    CHECK(anom & TT_ANOM_BIT(TT_ANOM_TCP_REASM_GAP));
    CHECK(tt_reasm_ended(&f->r));
    CHECK_EQ(f->out.n, 4);
    CHECK_EQ(f->out.ch[1].kind, TT_REASM_GAP);
    CHECK_EQ(f->out.ch[1].len, 5);
    CHECK_EQ(f->out.ch[1].frame, 3);   /* the RST gave up on the hole */
    CHECK_EQ(f->out.ch[2].frame, 0);   /* released, not completed by a frame */
    CHECK_EQ(f->out.ch[2].parts[0].frame, 2);
    CHECK_EQ(f->out.ch[3].end, TT_REASM_END_RST);
    CHECK_EQ(f->out.ch[3].frame, 3);
    CHECK_EQ(f->r.st.held_bytes, 0);
    CHECK_EQ(f->budget.used_bytes, 0); /* the history is given back at the end */
    fx_free(f);
}

/* The receiver acknowledged past a hole: the capture missed those bytes (Wireshark's
 * "ACKed unseen segment"); the hole is reported at once and the data behind it flows. */
static void test_acked_unseen_hole_released(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    put(f, TEXT, 0, 10, 1);
    put(f, TEXT, 20, 10, 3);
    CHECK_EQ(tt_reasm_acked(&f->r, 10, 2), 0); /* nothing missing below 10 */
    CHECK_EQ(f->out.n, 1);
    uint64_t anom = tt_reasm_acked(&f->r, 30, 4);
    CHECK(anom & TT_ANOM_BIT(TT_ANOM_TCP_REASM_GAP));
    CHECK_EQ(f->out.n, 3);
    CHECK_EQ(f->out.ch[1].kind, TT_REASM_GAP);
    CHECK_EQ(f->out.ch[1].off, 10);
    CHECK_EQ(f->out.ch[1].len, 10);
    CHECK_EQ(f->out.ch[1].frame, 4);
    CHECK_EQ(f->out.ch[2].frame, 0);
    CHECK_EQ(f->out.ch[2].parts[0].frame, 3);
    CHECK_EQ(f->r.st.acked_gaps, 1);
    CHECK_EQ(f->r.st.forced_gaps, 0);
    /* acked bytes never seen at all, then a FIN: the ACK of the FIN ends the stream */
    put_flags(f, TEXT, 40, 0, 5, TT_REASM_FIN);
    tt_reasm_acked(&f->r, 41, 6);
    CHECK(tt_reasm_ended(&f->r));
    CHECK_EQ(f->out.ch[3].kind, TT_REASM_GAP);
    CHECK_EQ(f->out.ch[3].off, 30);
    CHECK_EQ(f->out.ch[3].len, 10);
    CHECK_EQ(f->out.ch[4].kind, TT_REASM_END);
    CHECK_EQ(f->out.ch[4].frame, 5);
    CHECK_EQ(f->r.st.gap_bytes, 20);
    fx_free(f);
    /* an implausible ACK (past any window, RFC 7323) is ignored */
    f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    put(f, TEXT, 0, 10, 1);
    CHECK_EQ(tt_reasm_acked(&f->r, 10 + TT_REASM_MAX_ACK_JUMP + 1, 2), 0);
    CHECK_EQ(f->r.st.gaps, 0);
    fx_free(f);
}

/* The per-stream cap gives up on the oldest hole (reported as a forced gap) and the
 * fill that comes afterwards is counted as dropped: never silent. */
static void test_stream_cap_forces_gap_and_counts_drop(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    put(f, TEXT, 10, 10, 2);
    /* room for two 10-byte pieces (bytes and bookkeeping), not three */
    f->r.cfg.max_held_bytes = f->r.st.held_bytes * 5 / 2;
    put(f, TEXT, 20, 10, 3);
    CHECK_EQ(f->out.n, 0);
    uint64_t anom = put(f, TEXT, 30, 10, 4);
    CHECK(anom & TT_ANOM_BIT(TT_ANOM_TCP_REASM_GAP));
    CHECK_EQ(f->r.st.forced_gaps, 1);
    CHECK_EQ(f->r.st.gap_bytes, 10);
    CHECK_EQ(f->out.ch[0].kind, TT_REASM_GAP);
    CHECK_EQ(f->out.ch[0].off, 0);
    CHECK_EQ(f->out.ch[1].len, 30);
    CHECK_EQ(f->r.st.held_bytes, 0);
    anom = put(f, TEXT, 0, 10, 1); /* too late */
    CHECK(anom & TT_ANOM_BIT(TT_ANOM_TCP_REASM_DROPPED));
    CHECK_EQ(f->r.st.dropped_bytes, 10);
    CHECK_EQ(f->r.st.dropped_segments, 1);
    CHECK_EQ(f->r.st.overlap_bytes, 0);
    fx_free(f);
}

static void test_piece_count_cap(void)
{
    tt_reasm_config cfg;
    tt_reasm_config_default(&cfg);
    cfg.max_held_pieces = 3;
    fixture *f = fx_new(&cfg, TT_REASM_BUDGET_DEFAULT);
    for (uint32_t i = 1; i <= 4; i++)
        put(f, TEXT, 2 * i, 1, i);
    CHECK_EQ(f->r.st.forced_gaps, 1);
    CHECK(f->r.n_pieces <= 3);
    fx_free(f);
}

/* The shared budget: a second stream that pushes the total over the cap gives up its
 * own holes; the first stream keeps what it holds. */
static void test_shared_budget(void)
{
    tt_reasm_config cfg;
    tt_reasm_config_default(&cfg);
    cfg.history_bytes = 0;
    tt_reasm_budget budget;
    tt_reasm_budget_init(&budget, 400);
    rec *ra = calloc(1, sizeof *ra), *rb = calloc(1, sizeof *rb);
    tt_reasm a, b;
    tt_reasm_init(&a, &cfg, &budget, rec_sink, ra);
    tt_reasm_init(&b, &cfg, &budget, rec_sink, rb);
    tt_reasm_seg s = {.off = 10, .data = TEXT + 10, .caplen = 40, .wirelen = 40, .frame = 1};
    tt_reasm_insert(&a, &s);
    tt_reasm_insert(&a, &(tt_reasm_seg){.off = 50, .data = TEXT + 50, .caplen = 10, .wirelen = 10, .frame = 2});
    size_t held_a = a.st.held_bytes;
    CHECK(held_a > 0 && held_a < 400);
    tt_reasm_seg t = {.off = 5, .data = TEXT, .caplen = 40, .wirelen = 40, .frame = 3};
    for (int i = 0; i < 8; i++) {
        t.off = 5 + 60 * (uint64_t)i;
        tt_reasm_insert(&b, &t);
    }
    CHECK(b.st.forced_gaps > 0);
    CHECK_EQ(a.st.held_bytes, held_a);
    CHECK(budget.used_bytes <= budget.cap_bytes);
    CHECK(budget.peak_bytes > budget.cap_bytes - 100);
    tt_reasm_clear(&a);
    tt_reasm_clear(&b);
    CHECK_EQ(budget.used_bytes, 0);
    free(ra);
    free(rb);
}

/* Without history (budget refused or configured off) overlaps go unchecked, counted. */
static void test_no_history_overlaps_unchecked(void)
{
    fixture *f = fx_new(NULL, 0);
    put(f, TEXT, 0, 10, 1);
    put(f, TEXT, 0, 10, 2);
    CHECK_EQ(f->r.st.overlap_unchecked, 10);
    CHECK_EQ(f->budget.used_bytes, 0);
    fx_free(f);
}

static void test_hostile_offset_ignored(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    tt_reasm_seg g = {.off = UINT64_MAX - 3, .data = TEXT, .caplen = 10, .wirelen = 10, .frame = 1};
    CHECK_EQ(tt_reasm_insert(&f->r, &g), 0);
    /* a wrapped 32-bit difference: data from before the stream's start */
    tt_reasm_seg w = {.off = 0xfffffa79u, .data = TEXT, .caplen = 10, .wirelen = 10, .frame = 3};
    CHECK_EQ(tt_reasm_insert(&f->r, &w), 0);
    CHECK_EQ(f->r.st.implausible_segments, 2); /* with the one above */
    CHECK_EQ(f->r.st.implausible_bytes, 20);
    CHECK_EQ(f->r.n_pieces, 0);
    tt_reasm_seg h = {.off = 0, .data = TEXT, .caplen = 20, .wirelen = 10, .frame = 2}; /* caplen > wirelen */
    tt_reasm_insert(&f->r, &h);
    CHECK_EQ(f->r.st.bytes_delivered, 10);
    fx_free(f);
}

/* The seed capture: request 75 bytes in frame 4; response 1593 bytes in #5(1448) and
 * #7(145); FINs in frames 11 and 12. */
static void test_seed_example(void)
{
    uint8_t *req = calloc(1, 75), *resp = calloc(1, 1593);
    memset(req, 'q', 75);
    memset(resp, 'r', 1593);
    fixture *c2s = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    fixture *s2c = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    put(c2s, req, 0, 75, 4);
    put(s2c, resp, 0, 1448, 5);
    put(s2c, resp, 1448, 145, 7);
    put_flags(c2s, req, 75, 0, 11, TT_REASM_FIN);
    put_flags(s2c, resp, 1593, 0, 12, TT_REASM_FIN);
    CHECK_EQ(c2s->out.n, 2);
    CHECK_EQ(c2s->out.ch[0].len, 75);
    CHECK_EQ(c2s->out.ch[0].frame, 4);
    CHECK_EQ(c2s->out.ch[1].end, TT_REASM_END_FIN);
    CHECK_EQ(c2s->out.ch[1].frame, 11);
    CHECK_EQ(s2c->out.n, 3);
    CHECK_EQ(s2c->out.ch[0].parts[0].frame, 5);
    CHECK_EQ(s2c->out.ch[0].parts[0].len, 1448);
    CHECK_EQ(s2c->out.ch[1].parts[0].frame, 7);
    CHECK_EQ(s2c->out.ch[1].parts[0].len, 145);
    CHECK_EQ(s2c->r.st.bytes_delivered, 1593);
    CHECK_EQ(s2c->out.ch[2].off, 1593);
    fx_free(c2s);
    fx_free(s2c);
    free(req);
    free(resp);
}

/* ---- randomized self-test (deterministic seed) ---- */

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: small, good enough to shuffle segments */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static uint32_t rng_below(uint64_t *s, uint32_t n) { return (uint32_t)(rng_next(s) % n); }

typedef struct rseg {
    uint64_t off;
    uint32_t len;
} rseg;

/* Any split, reordering, duplication and overlap of a byte string reassembles to the
 * original, with no gap, no conflict, nothing left held. */
static void test_randomized_reassembles_original(void)
{
    uint64_t seed = 0x5eed5eedcafef00dull;
    uint8_t src[3000];
    rseg segs[600];
    for (int iter = 0; iter < 400; iter++) {
        uint32_t n = 1 + rng_below(&seed, sizeof src);
        for (uint32_t i = 0; i < n; i++)
            src[i] = (uint8_t)rng_next(&seed);
        size_t k = 0;
        /* cover the string with segments of 1..200 bytes, some starting early (overlap) */
        for (uint32_t at = 0; at < n && k < 400;) {
            uint32_t back = rng_below(&seed, 4) == 0 ? rng_below(&seed, at + 1) : 0;
            uint32_t len = 1 + rng_below(&seed, 200);
            uint32_t o = at - (back > 50 ? 50 : back);
            if (o + len > n)
                len = n - o;
            segs[k++] = (rseg){o, len};
            if (o + len > at)
                at = o + len;
        }
        /* duplicates and random overlapping extras */
        size_t extra = rng_below(&seed, 20);
        for (size_t e = 0; e < extra && k < 600; e++) {
            if (rng_below(&seed, 2)) {
                segs[k] = segs[rng_below(&seed, (uint32_t)k)];
            } else {
                uint32_t o = rng_below(&seed, n);
                uint32_t len = 1 + rng_below(&seed, n - o);
                segs[k] = (rseg){o, len};
            }
            k++;
        }
        /* shuffle; sometimes only locally, as networks reorder */
        bool local = rng_below(&seed, 2);
        for (size_t i = k - 1; i > 0; i--) {
            size_t j = local ? i - rng_below(&seed, (uint32_t)(i < 3 ? i + 1 : 4)) : rng_below(&seed, (uint32_t)(i + 1));
            rseg t = segs[i];
            segs[i] = segs[j];
            segs[j] = t;
        }
        fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
        for (size_t i = 0; i < k; i++)
            CHECK_EQ(put(f, src, segs[i].off, segs[i].len, i + 1) &
                         TT_ANOM_BIT(TT_ANOM_TCP_SEGMENT_OVERLAP_CONFLICT), 0);
        put_flags(f, src, n, 0, k + 1, TT_REASM_FIN);
        CHECK(tt_reasm_ended(&f->r));
        CHECK_EQ(f->out.next, n);
        CHECK(memcmp(f->out.out, src, n) == 0);
        CHECK_EQ(f->r.st.bytes_delivered, n);
        CHECK_EQ(f->r.st.gap_bytes, 0);
        CHECK_EQ(f->r.st.conflicts, 0);
        CHECK_EQ(f->r.st.held_bytes, 0);
        CHECK_EQ(f->out.errors, 0);
        CHECK_EQ(f->budget.used_bytes, 0);
        fx_free(f);
        if (tt_test_failures)
            return;
    }
}

/* A gap is reported exactly where it is, whatever the order of the rest. */
static void test_randomized_gap_exact(void)
{
    uint64_t seed = 42;
    uint8_t src[2000];
    for (int iter = 0; iter < 200; iter++) {
        uint32_t n = 100 + rng_below(&seed, 1900);
        for (uint32_t i = 0; i < n; i++)
            src[i] = (uint8_t)rng_next(&seed);
        uint32_t g0 = 1 + rng_below(&seed, n - 2);
        uint32_t g1 = g0 + 1 + rng_below(&seed, n - g0 - 1);
        rseg segs[64];
        size_t k = 0;
        for (uint32_t at = 0; at < n; at += 37) {
            uint32_t e = at + 37 < n ? at + 37 : n;
            if (at < g0)
                segs[k++] = (rseg){at, (e < g0 ? e : g0) - at};
            if (e > g1)
                segs[k++] = (rseg){at > g1 ? at : g1, e - (at > g1 ? at : g1)};
        }
        for (size_t i = k - 1; i > 0; i--) {
            size_t j = rng_below(&seed, (uint32_t)(i + 1));
            rseg t = segs[i];
            segs[i] = segs[j];
            segs[j] = t;
        }
        fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
        for (size_t i = 0; i < k; i++)
            put(f, src, segs[i].off, segs[i].len, i + 1);
        tt_reasm_end(&f->r, TT_REASM_END_FLUSH, 0);
        CHECK_EQ(f->r.st.gaps, 1);
        CHECK_EQ(f->r.st.gap_bytes, g1 - g0);
        CHECK_EQ(f->r.st.bytes_delivered, n - (g1 - g0));
        CHECK_EQ(f->out.kind[g0], 'g');
        CHECK_EQ(f->out.kind[g1 - 1], 'g');
        CHECK(g0 == 0 || f->out.kind[g0 - 1] == 'd');
        CHECK(g1 == n || f->out.kind[g1] == 'd');
        CHECK(memcmp(f->out.out, src, g0) == 0);
        CHECK(memcmp(f->out.out + g1, src + g1, n - g1) == 0);
        fx_free(f);
        if (tt_test_failures)
            return;
    }
}

/* A segment that lands among held pieces, overlapping two of them: the tree finds the
 * first piece it touches, the holes between become pieces, the overlaps are counted. */
static void test_segment_between_held_pieces(void)
{
    fixture *f = fx_new(NULL, TT_REASM_BUDGET_DEFAULT);
    put(f, TEXT, 50, 10, 1);
    put(f, TEXT, 10, 10, 2);
    put(f, TEXT, 30, 10, 3);
    put(f, TEXT, 15, 40, 4); /* [15,55): 5 + 10 + 5 bytes held already */
    CHECK_EQ(f->r.st.overlap_bytes, 20);
    CHECK_EQ(f->r.n_pieces, 5);
    CHECK_EQ(f->out.n, 0);
    put(f, TEXT, 0, 10, 5); /* delivered as it is, then the held pieces in one chunk */
    CHECK_EQ(f->out.n, 2);
    CHECK_EQ(f->out.ch[1].off, 10);
    CHECK_EQ(f->out.ch[1].len, 50);
    CHECK_EQ(f->out.ch[1].frame, 5);
    CHECK_EQ(f->out.ch[1].n_parts, 5);
    CHECK_EQ(f->out.ch[1].parts[1].frame, 4); /* [20,30) came with frame 4 */
    CHECK_EQ(f->out.ch[1].parts[2].frame, 3);
    CHECK_EQ(f->out.ch[1].parts[3].frame, 4);
    CHECK(memcmp(f->out.out, TEXT, 60) == 0);
    CHECK_EQ(f->r.st.conflicts, 0);
    CHECK_EQ(f->r.n_pieces, 0);
    CHECK_EQ(f->r.st.held_bytes, 0);
    CHECK_EQ(f->out.errors, 0);
    fx_free(f);
}

/* The hostile pattern of issue 22: bytes [0, 100) never come, one piece sits far
 * ahead, then n 100-byte segments follow the hole, in order or shuffled. Each lands
 * behind the far piece, so the tail shortcut never applies; walking the held list from
 * its head made this quadratic. Returns the steps the inserts took. */
static uint64_t far_ahead_steps(uint32_t n, int shuffled)
{
    static uint8_t data[100];
    tt_reasm_config cfg;
    tt_reasm_config_default(&cfg);
    cfg.max_held_pieces = (size_t)1 << 20; /* no cap in the way: n pieces held */
    cfg.max_held_bytes = (size_t)1 << 30;
    tt_reasm_budget b;
    tt_reasm_budget_init(&b, (size_t)1 << 30);
    tt_reasm r;
    tt_reasm_init(&r, &cfg, &b, NULL, NULL);
    const uint64_t far = (uint64_t)1 << 30;
    tt_reasm_seg g = {.off = far, .data = data, .caplen = 100, .wirelen = 100, .frame = 1};
    tt_reasm_insert(&r, &g);
    uint32_t lcg = 12345;
    uint32_t *order = malloc(n * sizeof *order);
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    for (uint32_t i = n - 1; shuffled && i > 0; i--) {
        lcg = lcg * 1103515245u + 12345u;
        uint32_t j = (lcg >> 8) % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t i = 0; i < n; i++) {
        g.off = 100 + 100 * (uint64_t)order[i];
        g.frame = 2 + i;
        tt_reasm_insert(&r, &g);
    }
    free(order);
    CHECK_EQ(r.n_pieces, n + 1);
    CHECK_EQ(r.st.bytes_delivered, 0);
    uint64_t steps = r.st.steps;
    tt_reasm_end(&r, TT_REASM_END_FLUSH, 0);
    CHECK_EQ(r.st.gaps, 2);
    CHECK_EQ(r.st.bytes_delivered, 100 * ((uint64_t)n + 1));
    CHECK_EQ(r.st.held_bytes, 0);
    tt_reasm_clear(&r);
    return steps;
}

static void test_far_ahead_piece_costs_log_work(void)
{
    for (int shuffled = 0; shuffled <= 1; shuffled++) {
        uint64_t s1 = far_ahead_steps(8192, shuffled), s4 = far_ahead_steps(32768, shuffled);
        CHECK(s1 > 0);
        CHECK(s4 <= 5 * s1);
        CHECK(s4 / 32768 < 128); /* tree depths, not a list's length */
    }
}

TT_TESTS(tt_reasm_tests) = {
    {"reasm/in_order_delivered_at_once", test_in_order_delivered_at_once},
    {"reasm/reversed_held_then_joined", test_reversed_held_then_joined},
    {"reasm/duplicate_counted_not_delivered", test_duplicate_counted_not_delivered},
    {"reasm/overlap_same_bytes_extends", test_overlap_same_bytes_extends},
    {"reasm/conflict_with_delivered_first_copy_wins", test_conflict_with_delivered_first_copy_wins},
    {"reasm/conflict_with_held_first_copy_wins", test_conflict_with_held_first_copy_wins},
    {"reasm/one_byte_splits", test_one_byte_splits},
    {"reasm/gap_filled_late", test_gap_filled_late},
    {"reasm/gap_never_filled_reported_at_end", test_gap_never_filled_reported_at_end},
    {"reasm/gap_before_fin", test_gap_before_fin},
    {"reasm/snaplen_truncated_missing", test_snaplen_truncated_missing},
    {"reasm/fin_ends_direction", test_fin_ends_direction},
    {"reasm/rst_ends_with_gap", test_rst_ends_with_gap},
    {"reasm/acked_unseen_hole_released", test_acked_unseen_hole_released},
    {"reasm/stream_cap_forces_gap_and_counts_drop", test_stream_cap_forces_gap_and_counts_drop},
    {"reasm/piece_count_cap", test_piece_count_cap},
    {"reasm/shared_budget", test_shared_budget},
    {"reasm/no_history_overlaps_unchecked", test_no_history_overlaps_unchecked},
    {"reasm/hostile_offset_ignored", test_hostile_offset_ignored},
    {"reasm/seed_example", test_seed_example},
    {"reasm/randomized_reassembles_original", test_randomized_reassembles_original},
    {"reasm/randomized_gap_exact", test_randomized_gap_exact},
    {"reasm/segment_between_held_pieces", test_segment_between_held_pieces},
    {"reasm/far_ahead_piece_costs_log_work", test_far_ahead_piece_costs_log_work},
    {NULL, NULL},
};
