/* int80 — ia32 syscalls (int $0x80) from a 64-bit program, the classic way around the
 * syscalls:* tracepoints.
 *   int80 calls PATH        getpid (ia32 20) and open(PATH, O_CREAT) (ia32 5)
 *   int80 exec-root PROG    drop to uid 1000 keeping saved uid 0 (native setresuid), regain
 *                           root with an ia32 setresuid (208), then exec PROG
 *   int80 setid-root        the same regain, then a native setuid(0)
 *   int80 child-setid-root  drop natively, fork; the child (no record of its own) regains
 *                           root with the ia32 call and calls setuid(0); prints its pid
 * Pointers passed through int $0x80 are 32-bit, so strings live in MAP_32BIT memory. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static long int80(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

static int drop_keeping_saved_root(void)
{
	if (setresuid(1000, 1000, 0) < 0) {
		perror("setresuid");
		return -1;
	}
	return 0;
}

static int untracked_root(void)
{
	if (int80(208, 0, 0, 0) != 0) { /* ia32 setresuid32(0, 0, 0) */
		fprintf(stderr, "int80 setresuid failed\n");
		return -1;
	}
	return 0;
}

static int regain_root(void)
{
	return drop_keeping_saved_root() < 0 ? -1 : untracked_root();
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "calls") == 0) {
		char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		long fd;

		if (low == MAP_FAILED)
			return 1;
		snprintf(low, 4096, "%s", argv[2]);
		printf("%ld\n", int80(20, 0, 0, 0)); /* ia32 getpid */
		fd = int80(5, (long)low, 0100 | 01, 0600); /* ia32 open(path, O_CREAT|O_WRONLY) */
		if (fd < 0)
			return 2;
		close((int)fd);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "exec-root") == 0) {
		if (regain_root() < 0)
			return 1;
		execl(argv[2], argv[2], (char *)NULL);
		perror("exec");
		return 1;
	}
	if (argc == 2 && strcmp(argv[1], "setid-root") == 0)
		return regain_root() < 0 || setuid(0) < 0;
	if (argc == 2 && strcmp(argv[1], "child-setid-root") == 0) {
		int status;
		pid_t pid;

		if (drop_keeping_saved_root() < 0)
			return 1;
		pid = fork();
		if (pid == 0)
			_exit(untracked_root() < 0 || setuid(0) < 0);
		printf("%d\n", pid);
		return pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status);
	}
	fprintf(stderr, "usage: int80 calls PATH | exec-root PROG | setid-root | child-setid-root\n");
	return 2;
}
