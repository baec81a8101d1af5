/* framers: the registry of application framers (framer.h), and how a connection's
 * framer is chosen. */
#include "framer.h"

#include <string.h>

#include "tshark_ports.h"

extern const tt_framer tt_framer_http; /* framer_http.c */
extern const tt_framer tt_framer_tls;  /* framer_tls.c */
extern const tt_framer tt_framer_dns;  /* framer_dns.c */

/* One line per framer. */
const tt_framer *const tt_framers[] = {
    &tt_framer_http,
    &tt_framer_tls,
    &tt_framer_dns,
    NULL,
};

size_t tt_framer_count(void)
{
    size_t n = 0;
    while (tt_framers[n])
        n++;
    return n;
}

const tt_framer *tt_framer_find(const char *name)
{
    for (size_t i = 0; tt_framers[i]; i++)
        if (strcmp(tt_framers[i]->name, name) == 0)
            return tt_framers[i];
    return NULL;
}

bool tt_framer_has_port(const tt_framer *fr, uint16_t port)
{
    const char *d = tt_tshark_tcp_port(port);
    return d && strcmp(d, fr->dissector) == 0;
}

/* The framer standing for dissector d, or NULL. */
static const tt_framer *framer_of(const char *d)
{
    for (size_t i = 0; tt_framers[i]; i++)
        if (strcmp(tt_framers[i]->dissector, d) == 0)
            return tt_framers[i];
    return NULL;
}

const tt_framer *tt_framer_choose(const uint16_t port[2], const uint8_t *p, size_t len)
{
    uint16_t lo = port[0] < port[1] ? port[0] : port[1];
    uint16_t order[3] = {port[1], lo, (uint16_t)(port[0] ^ port[1] ^ lo)};
    for (int i = 0; i < 3; i++) {
        const char *d = tt_tshark_tcp_port(order[i]);
        if (d)
            return framer_of(d); /* NULL: another protocol's port */
    }
    for (size_t i = 0; tt_framers[i]; i++)
        if (tt_framers[i]->sniff && tt_framers[i]->sniff(p, len))
            return tt_framers[i];
    return NULL;
}
