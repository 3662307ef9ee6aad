/* util.c — small readers the checks share. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "integrity/internal.h"

int vg_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return -1;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

bool vg_proc_identity(uint32_t pid, char *comm, size_t comm_len, char *exe, size_t exe_len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	if (vg_read_line(path, comm, comm_len) < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	n = readlink(path, exe, exe_len - 1);
	exe[n > 0 ? n : 0] = 0;
	return true;
}
