/* toolwork — known amounts of work for the `vigil trace` and `vigil top` tests: each
 * command does exactly what it says, so a tool's numbers can be checked.
 *   toolwork [-w] COMMAND ARGS... [COMMAND ARGS...]
 * -w waits for a line on stdin first (so that a tool can be started with -p on our pid).
 *   getppid N              N raw getppid() calls
 *   write PATH N SIZE      creates PATH, N write()s of SIZE bytes
 *   read PATH N SIZE       N read()s of SIZE bytes from PATH (from the start each time)
 *   stat PATH N            N stat() calls
 *   open PATH N            N open()+close() (PATH may not exist)
 *   sync PATH N            N fsync() and N fdatasync() of PATH, then one syncfs() (use tmpfs)
 *   setuid                 setuid(0), setresuid(0, 0, 0), setfsuid(0), in that order
 *   rawsock N              N raw IPv4 sockets (a CAP_NET_RAW check each)
 *   fork N                 N children that exit at once, each waited for
 *   threads N              N threads started at toolwork_thread, each joined
 *   connect PORT N         connects to 127.0.0.1:PORT, writes N bytes, closes
 *   alloc MB               touches MB mebibytes (the OOM test's victim)
 *   sleep MS               sleeps */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 20];

static long num(const char *s)
{
	return strtol(s, NULL, 10);
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

void *toolwork_thread(void *arg)
{
	return arg;
}

static int command(char **argv)
{
	const char *cmd = argv[0];

	if (strcmp(cmd, "getppid") == 0) {
		for (long i = num(argv[1]); i > 0; i--)
			syscall(SYS_getppid);
		return 2;
	}
	if (strcmp(cmd, "write") == 0 || strcmp(cmd, "read") == 0) {
		bool w = cmd[0] == 'w';
		long n = num(argv[2]), size = num(argv[3]);
		int fd = open(argv[1], w ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY, 0600);

		if (fd < 0 || size > (long)sizeof(buf))
			die(argv[1]);
		for (long i = 0; i < n; i++)
			if ((w ? write(fd, buf, size) : pread(fd, buf, size, 0)) != size)
				die(cmd);
		close(fd);
		return 4;
	}
	if (strcmp(cmd, "stat") == 0 || strcmp(cmd, "open") == 0) {
		struct stat st;

		for (long i = num(argv[2]); i > 0; i--) {
			if (cmd[0] == 's') {
				stat(argv[1], &st);
			} else {
				int fd = open(argv[1], O_RDONLY);

				if (fd >= 0)
					close(fd);
			}
		}
		return 3;
	}
	if (strcmp(cmd, "sync") == 0) {
		int fd = open(argv[1], O_WRONLY | O_CREAT, 0600);

		if (fd < 0)
			die(argv[1]);
		for (long i = num(argv[2]); i > 0; i--) {
			fsync(fd);
			fdatasync(fd);
		}
		syncfs(fd);
		close(fd);
		return 3;
	}
	if (strcmp(cmd, "setuid") == 0) {
		if (setuid(0) || setresuid(0, 0, 0))
			die("setuid");
		setfsuid(0);
		return 1;
	}
	if (strcmp(cmd, "rawsock") == 0) {
		for (long i = num(argv[1]); i > 0; i--) {
			int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);

			if (fd < 0)
				die("socket");
			close(fd);
		}
		return 2;
	}
	if (strcmp(cmd, "fork") == 0) {
		for (long i = num(argv[1]); i > 0; i--) {
			pid_t pid = fork();

			if (pid == 0)
				_exit(0);
			if (pid < 0)
				die("fork");
			waitpid(pid, NULL, 0);
		}
		return 2;
	}
	if (strcmp(cmd, "threads") == 0) {
		for (long i = num(argv[1]); i > 0; i--) {
			pthread_t t;

			if (pthread_create(&t, NULL, toolwork_thread, NULL))
				die("pthread_create");
			pthread_join(t, NULL);
		}
		return 2;
	}
	if (strcmp(cmd, "connect") == 0) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)num(argv[1])) };
		long n = num(argv[2]);
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("connect");
		while (n > 0) {
			ssize_t w = write(fd, buf, n < (long)sizeof(buf) ? (size_t)n : sizeof(buf));

			if (w <= 0)
				die("write");
			n -= w;
		}
		close(fd);
		return 3;
	}
	if (strcmp(cmd, "alloc") == 0) {
		size_t size = (size_t)num(argv[1]) << 20;
		volatile char *p = malloc(size); /* volatile: the stores must happen */

		for (size_t i = 0; p && i < size; i += 4096)
			p[i] = 1;
		return 2;
	}
	if (strcmp(cmd, "sleep") == 0) {
		struct timespec ts = { num(argv[1]) / 1000, num(argv[1]) % 1000 * 1000000 };

		nanosleep(&ts, NULL);
		return 2;
	}
	fprintf(stderr, "toolwork: unknown command %s\n", cmd);
	exit(2);
}

int main(int argc, char **argv)
{
	int i = 1;

	if (i < argc && strcmp(argv[i], "-w") == 0) {
		char line[16];

		if (!fgets(line, sizeof(line), stdin))
			return 1;
		i++;
	}
	while (i < argc)
		i += command(argv + i);
	return 0;
}
