/* tt_error: a caller-supplied error report, like libpcap's errbuf. */
#ifndef TT_ERROR_H
#define TT_ERROR_H

#include <stdarg.h>
#include <stdio.h>

typedef enum tt_error_code {
    TT_OK = 0,
    TT_ERR_NOT_FOUND,   /* no such file */
    TT_ERR_IO,          /* cannot read (permissions, a directory, I/O error) */
    TT_ERR_FORMAT,      /* not a capture file, or a damaged one */
    TT_ERR_FILTER,      /* the BPF filter does not compile */
    TT_ERR_NOMEM,       /* out of memory */
    TT_ERR_TRUNCATED,   /* the file ends in the middle of a record */
    TT_ERR_ARG,         /* a bad argument */
} tt_error_code;

typedef struct tt_error {
    tt_error_code code;
    char msg[512];
} tt_error;

static inline void tt_error_clear(tt_error *e)
{
    if (e) {
        e->code = TT_OK;
        e->msg[0] = '\0';
    }
}

#if defined(__MINGW32__)
__attribute__((format(gnu_printf, 3, 4))) /* C99 formats (%zu), not msvcrt's */
#elif defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static inline void tt_error_set(tt_error *e, tt_error_code code, const char *fmt, ...)
{
    if (!e)
        return;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

#endif
