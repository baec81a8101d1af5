/* stream: a byte stream in, decompressed on the fly, for the capture readers.
 *
 * A stream reads from a path, a file descriptor or a caller's read callback (the
 * Python binding's file objects), and decompresses gzip (zlib; concatenated members
 * as zcat), zstd, xz and lz4 (frame format), recognised by the first bytes, never by
 * a name. Memory is bounded: a 128 KiB input buffer, a 128 KiB output buffer and the
 * decoder's own window.
 *
 * Reads return what is available: a read blocks only until at least one byte can be
 * given (or the end), so a live pipe's records are not held back to fill a buffer.
 *
 * Errors are sticky and come after the data: the bytes decoded before a damaged or cut
 * compressed stream are all delivered first. A stream cut inside a compressed frame
 * ends cleanly for the reader and reports it through tt_instream_truncated(); a corrupt
 * one fails with TT_ERR_FORMAT naming the codec and the decoder's message. */
#ifndef TT_INSTREAM_H
#define TT_INSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* A read callback: up to n bytes into buf. Returns the count (> 0), 0 at the end,
 * -1 on failure with err filled. It should return what is available rather than wait
 * for n bytes. */
typedef ptrdiff_t (*tt_read_fn)(void *ctx, uint8_t *buf, size_t n, tt_error *err);
/* Releases the callback's ctx; called once by tt_instream_free (may be NULL). */
typedef void (*tt_close_fn)(void *ctx);

typedef enum tt_compression {
    TT_COMP_NONE = 0,
    TT_COMP_GZIP,
    TT_COMP_ZSTD,
    TT_COMP_XZ,
    TT_COMP_LZ4,
} tt_compression;

typedef struct tt_instream tt_instream;

/* A stream over a callback. Takes ownership of ctx at once: close(ctx) runs in
 * tt_instream_free, or here if the stream cannot be made. NULL with err filled. */
tt_instream *tt_instream_from_fn(tt_read_fn fn, void *ctx, tt_close_fn close, tt_error *err);

/* A stream over a file descriptor. offset >= 0 reads with pread from there (a regular
 * file shared with someone else's position); offset < 0 reads with read(). own: close
 * fd in tt_instream_free (or here on failure). */
tt_instream *tt_instream_from_fd(int fd, int64_t offset, int own, tt_error *err);

/* A stream over a file, opened read-only. NULL with err filled (TT_ERR_NOT_FOUND, ...). */
tt_instream *tt_instream_open_path(const char *path, tt_error *err);

/* Look at the first bytes and decompress from now on if they are a known codec's
 * magic. Call once, before any read. 0, or -1 with err filled. */
int tt_instream_detect(tt_instream *s, tt_error *err);

/* Up to n decoded bytes: > 0, 0 at the end, -1 with err filled (also every later call). */
ptrdiff_t tt_instream_read(tt_instream *s, void *buf, size_t n, tt_error *err);

/* Exactly n bytes: 1; 0 at the end before any byte; -1 on error or when the stream
 * ends after part of them (TT_ERR_TRUNCATED, *got says how many were read). */
int tt_instream_read_full(tt_instream *s, void *buf, size_t n, size_t *got, tt_error *err);

/* Look-ahead: after mark, every byte read is kept (up to limit bytes, else reads fail
 * with TT_ERR_NOMEM and consume nothing) until rewind, which makes reads start again
 * at the mark. Marks do not nest. */
void tt_instream_mark(tt_instream *s, size_t limit);
void tt_instream_rewind(tt_instream *s);

tt_compression tt_instream_compression(const tt_instream *s);
/* "gzip", "zstd", "xz", "lz4", or NULL for none. */
const char *tt_instream_compression_name(tt_compression c);
/* 1 when the compressed input ended inside a frame (bytes decoded so far were given). */
int tt_instream_truncated(const tt_instream *s);
/* Size of the (uncompressed) regular file behind the stream, 0 if unknown. */
uint64_t tt_instream_size(const tt_instream *s);
/* Decoded bytes delivered so far (replays not counted twice). */
uint64_t tt_instream_offset(const tt_instream *s);
/* The sticky error, if any: 1 with *err copied. */
int tt_instream_error(const tt_instream *s, tt_error *err);

void tt_instream_free(tt_instream *s);

#endif
