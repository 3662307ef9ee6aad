/* newmount — mounts a tmpfs with the new mount API (fsopen, fsconfig, fsmount, move_mount),
 * clones it with open_tree, then unmounts it: newmount DIR SOURCE. Raw syscall numbers,
 * since older libcs have no wrappers. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NR_open_tree 428
#define NR_move_mount 429
#define NR_fsopen 430
#define NR_fsconfig 431
#define NR_fsmount 432
#define FSCONFIG_SET_STRING_ 1
#define FSCONFIG_CMD_CREATE_ 6
#define MOVE_MOUNT_F_EMPTY_PATH_ 0x4
#define OPEN_TREE_CLONE_ 1

int main(int argc, char **argv)
{
	long fs, mnt, tree;

	if (argc != 3) {
		fprintf(stderr, "usage: newmount DIR SOURCE\n");
		return 2;
	}
	fs = syscall(NR_fsopen, "tmpfs", 0);
	if (fs < 0 || syscall(NR_fsconfig, fs, FSCONFIG_SET_STRING_, "source", argv[2], 0) < 0 ||
	    syscall(NR_fsconfig, fs, FSCONFIG_CMD_CREATE_, NULL, NULL, 0) < 0) {
		perror("fsopen/fsconfig");
		return 1;
	}
	mnt = syscall(NR_fsmount, fs, 0, 0);
	if (mnt < 0 || syscall(NR_move_mount, mnt, "", AT_FDCWD, argv[1], MOVE_MOUNT_F_EMPTY_PATH_) < 0) {
		perror("fsmount/move_mount");
		return 1;
	}
	tree = syscall(NR_open_tree, AT_FDCWD, argv[1], OPEN_TREE_CLONE_);
	if (tree < 0) {
		perror("open_tree");
		return 1;
	}
	close((int)tree);
	close((int)mnt);
	close((int)fs);
	return umount2(argv[1], 0) < 0;
}
