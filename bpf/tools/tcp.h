/* tcp.h — the TCP tools' records (tcpconnect, tcpaccept, tcplife): a connection's
 * endpoints; the header is the process it belongs to. */
#ifndef VIGIL_TOOL_TCP_H
#define VIGIL_TOOL_TCP_H

#include "vigil_event.h"

struct vg_tcp_conn {
	struct vg_sockaddr local, remote;
	__u64 tx_bytes;    /* tcplife: bytes sent and acknowledged */
	__u64 rx_bytes;    /* tcplife: bytes received */
	__u64 span_ns;     /* tcplife: from the first state change to close */
};

#endif
