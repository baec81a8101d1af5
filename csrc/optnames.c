#include "optnames.h"

#include <stdio.h>

#include "fields.h"
#include "segview.h"

/* tshark 4.0.17's names of tcp.option_kind values (tcp_option_kind_vs in packet-tcp.c,
 * as `tshark -G values` lists them). */
static const struct {
    int kind;
    const char *name;
} kind_names[] = {
    {0, "End of Option List"}, {1, "No-Operation"}, {2, "Maximum Segment Size"}, {3, "Window Scale"},
    {4, "SACK Permitted"}, {5, "SACK"}, {6, "Echo"}, {7, "Echo Reply"}, {8, "Time Stamp Option"},
    {9, "Partial Order Connection Permitted"}, {10, "Partial Order Service Profile"}, {11, "CC"},
    {12, "CC.NEW"}, {13, "CC.ECHO"}, {14, "TCP Alternate Checksum Request"},
    {15, "TCP Alternate Checksum Data"}, {16, "Skeeter"}, {17, "Bubba"}, {18, "Trailer Checksum Option"},
    {19, "MD5 Signature Option"}, {20, "SCPS Capabilities"}, {21, "Selective Negative Acknowledgements"},
    {22, "Record Boundaries"}, {23, "Corruption experienced"}, {24, "SNAP"}, {25, "Unassigned"},
    {26, "TCP Compression Filter"}, {27, "Quick-Start Response"}, {28, "User Timeout Option"},
    {29, "The TCP Authentication Option"}, {30, "Multipath TCP"}, {34, "TCP Fast Open Cookie"},
    {76, "Riverbed Probe"}, {78, "Riverbed Transparency"}, {172, "Accurate ECN Order 0"},
    {174, "Accurate ECN Order 1"}, {253, "RFC3692-style Experiment 1"}, {254, "RFC3692-style Experiment 2"},
};

const char *tt_option_kind_name(int kind)
{
    for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (kind_names[i].kind == kind)
            return kind_names[i].name;
    return NULL;
}

size_t tt_option_names_format(const tt_segment *s, char *buf, size_t size)
{
    if (!size)
        return 0;
    buf[0] = '\0';
    uint32_t hdr;
    if (!tt_sv_hdr_len(s, &hdr) || hdr <= 20)
        return 0;
    tt_option_item items[TT_MAX_OPT_BYTES];
    int n = tt_option_items(s->pkt.opt_bytes, s->pkt.opts.raw_len, hdr - 20, items);
    size_t len = 0;
    for (int i = 0; i < n && len + 1 < size; i++) {
        const char *name = tt_option_kind_name(items[i].kind);
        int w = name ? snprintf(buf + len, size - len, "%s%s", i ? ", " : "", name)
                     : snprintf(buf + len, size - len, "%sUnknown (%d)", i ? ", " : "", items[i].kind);
        if (w < 0)
            break;
        len = len + (size_t)w < size ? len + (size_t)w : size - 1;
    }
    return len;
}
