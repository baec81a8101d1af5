/* The tcp.analysis flags: one row each, and the only place a flag is listed. The
 * enum bits, the flag names (Segment.analysis, the DataFrame's boolean columns), the
 * tshark field names (tcp.analysis.<name>), the Info column labels, Wireshark's expert
 * items and the explanations' titles are all generated from it (analysis.h, analysis.c,
 * fields.c, info.c, and in Python through _core.analysis_flags()).
 *
 *   X(ENUM, name, info label, expert severity, expert summary, explanation title)
 *
 * Rows are in bit order, the order of tshark's tcp.analysis fields in the reference
 * tables (tests/data/golden). The label is what tshark
 * prints in the Info column (packet-tcp.c, tcp_print_sequence_number_analysis; the
 * duplicate ACK's label carries numbers and is formatted in info.c); the severity and
 * summary are Wireshark 4.0's expert info (ei_tcp_analysis_*). A new flag is one row
 * here, its rule in analysis.c, its Info rank in info.c, its test and its sentence in
 * tcptrace/explain.py; tests fail where one is forgotten. */
#ifndef TT_ANALYSIS_FLAGS_H
#define TT_ANALYSIS_FLAGS_H

#define TT_ANALYSIS_FLAGS(X)                                                                   \
    X(RETRANSMISSION, "retransmission", "[TCP Retransmission] ", "note",                       \
      "This frame is a (suspected) retransmission", "Retransmission")                          \
    X(FAST_RETRANSMISSION, "fast_retransmission", "[TCP Fast Retransmission] ", "note",        \
      "This frame is a (suspected) fast retransmission", "Fast retransmission")                \
    X(SPURIOUS_RETRANSMISSION, "spurious_retransmission", "[TCP Spurious Retransmission] ",    \
      "note", "This frame is a (suspected) spurious retransmission", "Spurious retransmission") \
    X(OUT_OF_ORDER, "out_of_order", "[TCP Out-Of-Order] ", "warning",                          \
      "This frame is a (suspected) out-of-order segment", "Out-of-order")                      \
    X(LOST_SEGMENT, "lost_segment", "[TCP Previous segment not captured] ", "warning",         \
      "Previous segment(s) not captured (common at capture start)",                            \
      "Previous segment not captured")                                                         \
    X(ACK_LOST_SEGMENT, "ack_lost_segment", "[TCP ACKed unseen segment] ", "warning",          \
      "ACKed segment that wasn't captured (common at capture start)", "ACKed unseen segment")  \
    X(DUPLICATE_ACK, "duplicate_ack", "[TCP Dup ACK %llu#%u] ", "note", "Duplicate ACK",       \
      "Duplicate ACK")                                                                         \
    X(ZERO_WINDOW, "zero_window", "[TCP ZeroWindow] ", "warning", "TCP Zero Window segment",   \
      "Zero window")                                                                           \
    X(ZERO_WINDOW_PROBE, "zero_window_probe", "[TCP ZeroWindowProbe] ", "note",                \
      "TCP Zero Window Probe", "Zero-window probe")                                            \
    X(ZERO_WINDOW_PROBE_ACK, "zero_window_probe_ack", "[TCP ZeroWindowProbeAck] ", "note",     \
      "ACK to a TCP Zero Window Probe", "Zero-window probe ACK")                               \
    X(KEEP_ALIVE, "keep_alive", "[TCP Keep-Alive] ", "note", "TCP keep-alive segment",         \
      "Keep-alive")                                                                            \
    X(KEEP_ALIVE_ACK, "keep_alive_ack", "[TCP Keep-Alive ACK] ", "note",                       \
      "ACK to a TCP keep-alive segment", "Keep-alive ACK")                                     \
    X(WINDOW_UPDATE, "window_update", "[TCP Window Update] ", "chat", "TCP window update",     \
      "Window update")                                                                         \
    X(WINDOW_FULL, "window_full", "[TCP Window Full] ", "warning",                             \
      "TCP window specified by the receiver is now completely full", "Window full")            \
    X(REUSED_PORTS, "reused_ports", "[TCP Port numbers reused] ", "note",                      \
      "A new tcp session is started with the same ports as an earlier session in this trace",  \
      "Port numbers reused")

#endif
