/* framers: the registry of application framers (framer.h), and how a connection's
 * framer is chosen. */
#include "framer.h"

#include <string.h>

extern const tt_framer tt_framer_http; /* framer_http.c */
extern const tt_framer tt_framer_tls;  /* framer_tls.c */
extern const tt_framer tt_framer_dns;  /* framer_dns.c */

/* One line per framer. Order is priority when two framers own ports of the same
 * connection (tshark's port table: 80 before 443). */
const tt_framer *const tt_framers[] = {
    &tt_framer_http,
    &tt_framer_tls,
    &tt_framer_dns,
    NULL,
};

/* Registered ports above 1023 whose protocols tshark dissects by port, some of them
 * HTTP-like (Gnutella answers "HTTP/1.0 503"): never sniffed as any framer's. */
static const uint16_t OTHER_PORTS[] = {1433, 1521, 1883, 3306, 5060, 5432, 6346, 6347, 6379, 9092,
                                       11211, 27017};

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

bool tt_framer_port_in(const uint16_t port[2], const uint16_t *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (port[0] == list[i] || port[1] == list[i])
            return true;
    return false;
}

const tt_framer *tt_framer_choose(const uint16_t port[2], const uint8_t *p, size_t len)
{
    const tt_framer *owner = NULL, *sniffed = NULL;
    for (size_t i = 0; tt_framers[i]; i++) {
        const tt_framer *f = tt_framers[i];
        if (!owner && tt_framer_port_in(port, f->ports, f->n_ports))
            owner = f;
        if (!sniffed && f->sniff && f->sniff(p, len))
            sniffed = f;
    }
    bool other = !owner && (port[0] < 1024 || port[1] < 1024 ||
                            tt_framer_port_in(port, OTHER_PORTS, sizeof OTHER_PORTS / sizeof *OTHER_PORTS));
    if (sniffed && (sniffed == owner || (!owner && !other)))
        return sniffed;
    return owner;
}
