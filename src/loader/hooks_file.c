/* hooks_file.c — hooks of the file events (bpf/sensor/file.bpf.c). Syscalls that older kernels
 * lack (openat2 5.6, pwritev2 4.6, fchmodat2 6.6, pkey_mprotect 4.9) are optional
 * components, so the event still works there from the older calls. */
#include "loader/hooks.h"
#include "vigil_event.h"

static const struct vg_hook hooks[] = {
	{ VG_EV_CREATE, "created file (sys_exit_open/openat/creat, FMODE_CREATED on the new fd)", false,
	  { { "tracepoint", { "vg_file_create_open", "vg_file_create_openat", "vg_file_create_creat" } } } },
	{ VG_EV_CREATE, "created file (sys_exit_openat2)", true,
	  { { "tracepoint", { "vg_file_create_openat2" } } } },
	{ VG_EV_OPEN, "open (sys_exit_open/openat/creat, path from the new fd)", false,
	  { { "tracepoint", { "vg_file_open_open", "vg_file_open_openat", "vg_file_open_creat" } } } },
	{ VG_EV_OPEN, "open (sys_exit_openat2)", true,
	  { { "tracepoint", { "vg_file_open_openat2" } } } },
	{ VG_EV_WRITE, "write to a watched file (sys_exit_write/pwrite64/writev/pwritev)", false,
	  { { "tracepoint", { "vg_file_write_write", "vg_file_write_pwrite64", "vg_file_write_writev",
			      "vg_file_write_pwritev" } } } },
	{ VG_EV_WRITE, "write to a watched file (sys_exit_pwritev2)", true,
	  { { "tracepoint", { "vg_file_write_pwritev2" } } } },
	{ VG_EV_RENAME, "rename (sys_exit_rename/renameat/renameat2)", false,
	  { { "tracepoint", { "vg_file_rename_rename", "vg_file_rename_renameat", "vg_file_rename_renameat2" } } } },
	{ VG_EV_LINK, "hard and symbolic links (sys_exit_link/linkat/symlink/symlinkat)", false,
	  { { "tracepoint", { "vg_file_link_link", "vg_file_link_linkat", "vg_file_link_symlink",
			      "vg_file_link_symlinkat" } } } },
	{ VG_EV_UTIMES, "timestamps set to explicit values (sys_exit_utimensat/utimes)", false,
	  { { "tracepoint", { "vg_file_utimes_utimensat", "vg_file_utimes_utimes" } } } },
	{ VG_EV_CHMOD, "chmod (sys_exit_chmod/fchmod/fchmodat)", false,
	  { { "tracepoint", { "vg_file_chmod_chmod", "vg_file_chmod_fchmod", "vg_file_chmod_fchmodat" } } } },
	{ VG_EV_CHMOD, "chmod (sys_exit_fchmodat2)", true,
	  { { "tracepoint", { "vg_file_chmod_fchmodat2" } } } },
	{ VG_EV_CHOWN, "chown (sys_exit_chown/lchown/fchown/fchownat)", false,
	  { { "tracepoint", { "vg_file_chown_chown", "vg_file_chown_lchown", "vg_file_chown_fchown",
			      "vg_file_chown_fchownat" } } } },
	{ VG_EV_UNLINK, "unlink (sys_exit_unlink/unlinkat)", false,
	  { { "tracepoint", { "vg_file_unlink_unlink", "vg_file_unlink_unlinkat" } } } },
	{ VG_EV_RMDIR, "rmdir (sys_exit_rmdir, unlinkat with AT_REMOVEDIR)", false,
	  { { "tracepoint", { "vg_file_rmdir_rmdir", "vg_file_rmdir_unlinkat" } } } },
	{ VG_EV_MEMFD, "memfd_create (sys_exit_memfd_create, name from the new fd)", false,
	  { { "tracepoint", { "vg_file_memfd_create" } } } },
	{ VG_EV_MPROTECT, "mprotect adding PROT_EXEC (sys_enter_mprotect)", false,
	  { { "tracepoint+find_vma", { "vg_file_mprotect_vma" } }, { "tracepoint", { "vg_file_mprotect_novma" } } } },
	{ VG_EV_MPROTECT, "pkey_mprotect adding PROT_EXEC (sys_enter_pkey_mprotect)", true,
	  { { "tracepoint+find_vma", { "vg_file_pkey_mprotect_vma" } },
	    { "tracepoint", { "vg_file_pkey_mprotect_novma" } } } },
};

const struct vg_hook_table vg_hooks_file = { hooks, sizeof(hooks) / sizeof(hooks[0]) };
