/* byhandle — opens PATH by its file handle, the way around path-based hooks and rules:
 * name_to_handle_at(PATH), then open_by_handle_at() on a descriptor of PATH's directory
 * (any file of the same mount serves). Reads one byte; exits 0 when the open succeeded. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct file_handle *h = malloc(sizeof(*h) + MAX_HANDLE_SZ);
	char dir[4096], c;
	int mount_id, mount_fd, fd;

	if (argc != 2 || !h)
		return 2;
	h->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, argv[1], h, &mount_id, 0) < 0) {
		perror("name_to_handle_at");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	if ((mount_fd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) < 0) {
		perror("open directory");
		return 1;
	}
	if ((fd = open_by_handle_at(mount_fd, h, O_RDONLY)) < 0) {
		perror("open_by_handle_at");
		return 1;
	}
	printf("%d %zd\n", fd, read(fd, &c, 1));
	return 0;
}
