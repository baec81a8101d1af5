/* app_frames: which frames carried an application message, and how many of its bytes
 * each; the "#5(1448), #7(145)" of Wireshark's "[2 Reassembled TCP Segments (1593
 * bytes): #5(1448), #7(145)]". Shared by the HTTP and TLS framers.
 *
 * A list is bounded: past `max` entries frames are still counted (n_total, and the
 * last one is remembered) but not listed, so a 10 GB body does not need a list of
 * millions of frames. */
#ifndef TT_APP_FRAMES_H
#define TT_APP_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reasm.h"

typedef struct tt_app_frame {
    uint64_t frame;
    uint64_t bytes; /* bytes of the message this frame carried (captured or not) */
} tt_app_frame;

typedef struct tt_app_frames {
    tt_app_frame *v;    /* owned: n entries in stream order, cap allocated */
    size_t n, cap;
    size_t max;         /* entries kept at most */
    uint64_t n_total;   /* frames that contributed, listed or not */
    uint64_t last_frame;/* the frame of the last byte added (0: none) */
} tt_app_frames;

/* A string borrowed from a framer's buffer: valid during the sink call only. */
typedef struct tt_app_str {
    const char *p; /* borrowed; not NUL-terminated; NULL when absent */
    size_t len;
} tt_app_str;

#define TT_APP_FRAMES_MAX_DEFAULT 4096u

void tt_app_frames_init(tt_app_frames *f, size_t max);

/* Empty the list for the next message; storage is kept. */
void tt_app_frames_reset(tt_app_frames *f);

/* Add bytes carried by frame; joins the last entry when it is the same frame. */
void tt_app_frames_add(tt_app_frames *f, uint64_t frame, uint64_t bytes);

/* Add the frames carrying bytes [from, from + len) of a chunk (positions relative to
 * the chunk's first byte), from the chunk's parts. */
void tt_app_frames_add_chunk(tt_app_frames *f, const tt_reasm_chunk *c, uint64_t from, uint64_t len);

/* The frame credited with completing a message whose last byte is at position pos of
 * the chunk: the chunk's frame, or, for data released after a hole was given up
 * (chunk frame 0), the frame that carried that byte. 0 when unknown. */
uint64_t tt_app_done_frame(const tt_reasm_chunk *c, uint64_t pos);

void tt_app_frames_clear(tt_app_frames *f);

#endif
