#include "app_frames.h"

#include <stdlib.h>

void tt_app_frames_init(tt_app_frames *f, size_t max)
{
    f->v = NULL;
    f->n = f->cap = 0;
    f->max = max ? max : TT_APP_FRAMES_MAX_DEFAULT;
    f->n_total = 0;
    f->last_frame = 0;
}

void tt_app_frames_reset(tt_app_frames *f)
{
    f->n = 0;
    f->n_total = 0;
    f->last_frame = 0;
}

void tt_app_frames_add(tt_app_frames *f, uint64_t frame, uint64_t bytes)
{
    if (!bytes)
        return;
    if (f->n_total && f->last_frame == frame) {
        if (f->n && f->v[f->n - 1].frame == frame)
            f->v[f->n - 1].bytes += bytes;
        return;
    }
    f->n_total++;
    f->last_frame = frame;
    if (f->n == f->max)
        return; /* counted, not listed */
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        if (cap > f->max)
            cap = f->max;
        tt_app_frame *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return; /* counted, not listed: the list is a view, n_total stays true */
        f->v = v;
        f->cap = cap;
    }
    f->v[f->n].frame = frame;
    f->v[f->n].bytes = bytes;
    f->n++;
}

void tt_app_frames_add_chunk(tt_app_frames *f, const tt_reasm_chunk *c, uint64_t from, uint64_t len)
{
    uint64_t at = 0, end = from + len;
    for (size_t i = 0; i < c->n_parts && at < end; i++) {
        uint64_t p0 = at, p1 = at + c->parts[i].len;
        at = p1;
        uint64_t lo = p0 > from ? p0 : from, hi = p1 < end ? p1 : end;
        if (lo < hi)
            tt_app_frames_add(f, c->parts[i].frame, hi - lo);
    }
}

uint64_t tt_app_done_frame(const tt_reasm_chunk *c, uint64_t pos)
{
    if (c->frame)
        return c->frame;
    uint64_t at = 0;
    for (size_t i = 0; i < c->n_parts; i++) {
        at += c->parts[i].len;
        if (pos < at)
            return c->parts[i].frame;
    }
    return 0;
}

void tt_app_frames_clear(tt_app_frames *f)
{
    free(f->v);
    f->v = NULL;
    f->n = f->cap = 0;
}
