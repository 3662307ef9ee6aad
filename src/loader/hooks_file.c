/* hooks_file.c — hooks of the file events (bpf/sensor/file.bpf.c). Syscalls that older
 * kernels lack (openat2 5.6, pwritev2 4.6, fchmodat2 6.6, pkey_mprotect 4.9, setxattrat
 * 6.13) are optional components, so the event still works there from the older calls. The
 * open programs decide both create_file and open, the unlinkat program both unlink and
 * rmdir, the write programs both write and file_write: they are listed under each event
 * and attached once. */
#include "loader/hooks.h"
#include "vigil_event.h"

#define OPEN_PROGS                                                                          \
	{ VG_PROG(vg_file_open_sys_exit_open), VG_PROG(vg_file_open_sys_exit_openat),      \
	  VG_PROG(vg_file_open_sys_exit_creat) }
#define OPENAT2_PROGS { VG_PROG(vg_file_open_sys_exit_openat2) }
/* The write programs decide write and file_write. */
#define WRITE_PROGS                                                                          \
	{ VG_PROG(vg_file_write_sys_exit_write), VG_PROG(vg_file_write_sys_exit_pwrite64),   \
	  VG_PROG(vg_file_write_sys_exit_writev), VG_PROG(vg_file_write_sys_exit_pwritev) }
#define PWRITEV2_PROGS { VG_PROG(vg_file_write_sys_exit_pwritev2) }

static const struct vg_hook hooks[] = {
	{ VG_EV_CREATE, "created file (sys_exit_open/openat/creat, FMODE_CREATED on the new fd)", false,
	  { { VG_MECH_TRACEPOINT, NULL, OPEN_PROGS } } },
	{ VG_EV_CREATE, "created file (sys_exit_openat2)", true, { { VG_MECH_TRACEPOINT, NULL, OPENAT2_PROGS } } },
	{ VG_EV_OPEN, "open (sys_exit_open/openat/creat, path from the new fd)", false,
	  { { VG_MECH_TRACEPOINT, NULL, OPEN_PROGS } } },
	{ VG_EV_OPEN, "open (sys_exit_openat2)", true, { { VG_MECH_TRACEPOINT, NULL, OPENAT2_PROGS } } },
	{ VG_EV_OPEN, "open by file handle (sys_exit_open_by_handle_at)", true,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_file_open_sys_exit_open_by_handle_at) } } } },
	{ VG_EV_WRITE, "write to a watched file (sys_exit_write/pwrite64/writev/pwritev)", false,
	  { { VG_MECH_TRACEPOINT, NULL, WRITE_PROGS } } },
	{ VG_EV_WRITE, "write to a watched file (sys_exit_pwritev2)", true,
	  { { VG_MECH_TRACEPOINT, NULL, PWRITEV2_PROGS } } },
	{ VG_EV_FILE_WRITE, "bytes written to a watched file, per process and second (sys_exit_write/pwrite64/"
			    "writev/pwritev)", false, { { VG_MECH_TRACEPOINT, NULL, WRITE_PROGS } } },
	{ VG_EV_FILE_WRITE, "bytes written to a watched file (sys_exit_pwritev2)", true,
	  { { VG_MECH_TRACEPOINT, NULL, PWRITEV2_PROGS } } },
	{ VG_EV_FILE_READ, "bytes read from a watched file, per process and second (sys_exit_read/pread64/readv/"
			   "preadv)", false,
	  { { VG_MECH_TRACEPOINT, NULL,
	      { VG_PROG(vg_file_read_sys_exit_read), VG_PROG(vg_file_read_sys_exit_pread64),
		VG_PROG(vg_file_read_sys_exit_readv), VG_PROG(vg_file_read_sys_exit_preadv) } } } },
	{ VG_EV_FILE_READ, "bytes read from a watched file (sys_exit_preadv2)", true,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_file_read_sys_exit_preadv2) } } } },
	{ VG_EV_RENAME, "rename (sys_exit_rename/renameat/renameat2)", false,
	  { { VG_MECH_TRACEPOINT, NULL,
	      { VG_PROG(vg_file_rename_sys_exit_rename), VG_PROG(vg_file_rename_sys_exit_renameat),
		VG_PROG(vg_file_rename_sys_exit_renameat2) } } } },
	{ VG_EV_LINK, "hard and symbolic links (sys_exit_link/linkat/symlink/symlinkat)", false,
	  { { VG_MECH_TRACEPOINT, NULL,
	      { VG_PROG(vg_file_link_sys_exit_link), VG_PROG(vg_file_link_sys_exit_linkat),
		VG_PROG(vg_file_link_sys_exit_symlink), VG_PROG(vg_file_link_sys_exit_symlinkat) } } } },
	{ VG_EV_UTIMES, "timestamps set to explicit values (sys_exit_utimensat/utimes)", false,
	  { { VG_MECH_TRACEPOINT, NULL,
	      { VG_PROG(vg_file_utimes_sys_exit_utimensat), VG_PROG(vg_file_utimes_sys_exit_utimes) } } } },
	{ VG_EV_CHMOD, "chmod (sys_exit_chmod/fchmod/fchmodat)", false,
	  { { VG_MECH_TRACEPOINT, NULL,
	      { VG_PROG(vg_file_chmod_sys_exit_chmod), VG_PROG(vg_file_chmod_sys_exit_fchmod),
		VG_PROG(vg_file_chmod_sys_exit_fchmodat) } } } },
	{ VG_EV_CHMOD, "chmod (sys_exit_fchmodat2)", true,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_file_chmod_sys_exit_fchmodat2) } } } },
	{ VG_EV_CHOWN, "chown (sys_exit_chown/lchown/fchown/fchownat)", false,
	  { { VG_MECH_TRACEPOINT, NULL,
	      { VG_PROG(vg_file_chown_sys_exit_chown), VG_PROG(vg_file_chown_sys_exit_lchown),
		VG_PROG(vg_file_chown_sys_exit_fchown), VG_PROG(vg_file_chown_sys_exit_fchownat) } } } },
	{ VG_EV_UNLINK, "unlink (sys_exit_unlink/unlinkat)", false,
	  { { VG_MECH_TRACEPOINT, NULL,
	      { VG_PROG(vg_file_unlink_sys_exit_unlink), VG_PROG(vg_file_unlink_sys_exit_unlinkat) } } } },
	{ VG_EV_RMDIR, "rmdir (sys_exit_rmdir, unlinkat with AT_REMOVEDIR)", false,
	  { { VG_MECH_TRACEPOINT, NULL,
	      { VG_PROG(vg_file_rmdir_sys_exit_rmdir), VG_PROG(vg_file_unlink_sys_exit_unlinkat) } } } },
	{ VG_EV_TRUNCATE, "truncate by path or fd (sys_exit_truncate/ftruncate)", false,
	  { { VG_MECH_TRACEPOINT, NULL,
	      { VG_PROG(vg_file_truncate_sys_exit_truncate), VG_PROG(vg_file_truncate_sys_exit_ftruncate) } } } },
	{ VG_EV_SETXATTR, "security.* attributes set (sys_exit_setxattr/lsetxattr/fsetxattr)", false,
	  { { VG_MECH_TRACEPOINT, NULL,
	      { VG_PROG(vg_file_setxattr_sys_exit_setxattr), VG_PROG(vg_file_setxattr_sys_exit_lsetxattr),
		VG_PROG(vg_file_setxattr_sys_exit_fsetxattr) } } } },
	{ VG_EV_SETXATTR, "security.* attributes set (sys_exit_setxattrat)", true,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_file_setxattr_sys_exit_setxattrat) } } } },
	{ VG_EV_MEMFD, "memfd_create (sys_exit_memfd_create, name from the new fd)", false,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_file_memfd_sys_exit_memfd_create) } } } },
	{ VG_EV_MPROTECT, "mprotect adding PROT_EXEC (sys_enter_mprotect)", false,
	  { { VG_MECH_TRACEPOINT, "find_vma", { VG_PROG(vg_file_mprotect_sys_enter_mprotect_vma) } },
	    { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_file_mprotect_sys_enter_mprotect) } } } },
	{ VG_EV_MPROTECT, "pkey_mprotect adding PROT_EXEC (sys_enter_pkey_mprotect)", true,
	  { { VG_MECH_TRACEPOINT, "find_vma", { VG_PROG(vg_file_mprotect_sys_enter_pkey_mprotect_vma) } },
	    { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_file_mprotect_sys_enter_pkey_mprotect) } } } },
};

const struct vg_hook_table vg_hooks_file = { hooks, sizeof(hooks) / sizeof(hooks[0]) };
