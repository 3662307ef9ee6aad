/* lib/fdinfo.h — what a file descriptor points at: an inet socket with its endpoints, a
 * pipe, a tty, or a file with its path (struct vg_fdinfo). Exec records it for stdin and
 * stdout, which is how a reverse shell shows. */
#ifndef VIGIL_LIB_FDINFO_H
#define VIGIL_LIB_FDINFO_H

#include "lib/path.h"

/* char devices are ttys only on the tty majors (tty, console/ptmx, pts) */
static __always_inline bool vg_tty_major(__u32 major)
{
	return major == 4 || major == 5 || (major >= 136 && major <= 143);
}

static __always_inline void vg_put_fdinfo(struct vg_hdr *h, struct vg_fdinfo *fi, struct file *any)
{
	struct file *f = VG_CAST(file, any);
	struct inode *inode;
	__u32 mode;

	if (!any)
		return;
	inode = f->f_inode;
	mode = inode->i_mode & VG_S_IFMT;
	fi->ino = inode->i_ino;
	if (mode == VG_S_IFSOCK) {
		struct socket *sock = VG_CAST(socket, f->private_data);
		struct sock *sk = sock->sk;
		__u16 family = sk->__sk_common.skc_family;

		fi->kind = VG_FD_SOCKET;
		fi->sock_family = family;
		if (family == VG_AF_INET || family == VG_AF_INET6)
			vg_sock_endpoints(sk, &fi->local, &fi->remote, &fi->proto);
	} else if (mode == VG_S_IFIFO) {
		fi->kind = VG_FD_PIPE;
	} else {
		if (mode == VG_S_IFCHR)
			fi->kind = vg_tty_major(inode->i_rdev >> 20) ? VG_FD_TTY : VG_FD_FILE;
		else
			fi->kind = mode == VG_S_IFREG ? VG_FD_FILE : VG_FD_OTHER;
		vg_put_dentry(h, &fi->path, f->f_path.dentry, f->f_path.mnt);
	}
}

#endif
