/* hooks_uring.c — hooks of io_uring (bpf/sensor/uring.bpf.c): the operations submitted
 * through rings, and the opens they make, reported as create_file and open (optional
 * components of those events: kernels without the io_uring tracepoints still have the
 * open syscalls). */
#include "loader/hooks.h"
#include "vigil_event.h"

#define URING_COMPLETE                                                                      \
	{ { VG_MECH_TP_BTF, NULL, { VG_PROG(vg_uring_open_io_uring_complete_btf) } },        \
	  { VG_MECH_RAW_TP, NULL, { VG_PROG(vg_uring_open_io_uring_complete_raw) } } }

static const struct vg_hook hooks[] = {
	{ VG_EV_IO_URING_OP, "file, socket and send-to operations submitted (io_uring:io_uring_submit_req)", false,
	  { { VG_MECH_TP_BTF, NULL, { VG_PROG(vg_uring_op_io_uring_submit_req_btf) } },
	    { VG_MECH_RAW_TP, NULL, { VG_PROG(vg_uring_op_io_uring_submit_req_raw) } } } },
	{ VG_EV_CREATE, "created through io_uring (io_uring:io_uring_complete of OPENAT/OPENAT2)", true,
	  URING_COMPLETE },
	{ VG_EV_OPEN, "opened through io_uring (io_uring:io_uring_complete of OPENAT/OPENAT2)", true, URING_COMPLETE },
};

const struct vg_hook_table vg_hooks_uring = { hooks, sizeof(hooks) / sizeof(hooks[0]) };
