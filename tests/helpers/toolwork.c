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
 *   tcp PORT SEND RECV     connects to 127.0.0.1:PORT, writes SEND bytes, reads RECV bytes, closes
 *   serve PORT RECV SEND   accepts one connection on 127.0.0.1:PORT, reads RECV bytes, writes SEND
 *   unix PATH              connects to the unix stream socket PATH, closes
 *   sysv                   a SysV message queue (msgget, msgsnd, msgrcv, msgctl), semaphore
 *                          (semget, semop, semctl) and shared memory (shmget, shmat, shmdt,
 *                          shmctl): 4, 3 and 4 calls, each object removed
 *   out N                  writes N bytes to stdout
 *   csleep MS              sleeps with clock_nanosleep(CLOCK_MONOTONIC, relative)
 *   alloc MB               touches MB mebibytes (the OOM test's victim)
 *   sleep MS               sleeps with the nanosleep syscall (glibc's nanosleep() is clock_nanosleep) */
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
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/un.h>
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

/* n bytes to fd, or die */
static void send_all(int fd, long n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n < (long)sizeof(buf) ? (size_t)n : sizeof(buf));

		if (w <= 0)
			die("write");
		n -= w;
	}
}

static void recv_all(int fd, long n)
{
	while (n > 0) {
		ssize_t r = read(fd, buf, n < (long)sizeof(buf) ? (size_t)n : sizeof(buf));

		if (r <= 0)
			die("read");
		n -= r;
	}
}

static struct sockaddr_in loopback(const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)num(port)) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static void sysv(void)
{
	struct { long type; char text[8]; } msg = { 1, "vigil" };
	struct sembuf op = { 0, 1, 0 };
	int q = msgget(IPC_PRIVATE, 0600), sem, shm;
	void *mem;

	if (q < 0 || msgsnd(q, &msg, sizeof(msg.text), 0) < 0 || msgrcv(q, &msg, sizeof(msg.text), 0, 0) < 0 ||
	    msgctl(q, IPC_RMID, NULL) < 0)
		die("msg");
	if ((sem = semget(IPC_PRIVATE, 1, 0600)) < 0 || semop(sem, &op, 1) < 0 || semctl(sem, 0, IPC_RMID) < 0)
		die("sem");
	if ((shm = shmget(IPC_PRIVATE, 4096, 0600)) < 0 || (mem = shmat(shm, NULL, 0)) == (void *)-1 || shmdt(mem) < 0 ||
	    shmctl(shm, IPC_RMID, NULL) < 0)
		die("shm");
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
	if (strcmp(cmd, "connect") == 0 || strcmp(cmd, "tcp") == 0) {
		struct sockaddr_in a = loopback(argv[1]);
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("connect");
		send_all(fd, num(argv[2]));
		if (cmd[0] == 't')
			recv_all(fd, num(argv[3]));
		close(fd);
		return cmd[0] == 't' ? 4 : 3;
	}
	if (strcmp(cmd, "serve") == 0) {
		struct sockaddr_in a = loopback(argv[1]);
		int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0), c;

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0 ||
		    (c = accept(fd, NULL, NULL)) < 0)
			die("serve");
		recv_all(c, num(argv[2]));
		send_all(c, num(argv[3]));
		close(c);
		close(fd);
		return 4;
	}
	if (strcmp(cmd, "unix") == 0) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(a.sun_path, sizeof(a.sun_path), "%s", argv[1]);
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("unix connect");
		close(fd);
		return 2;
	}
	if (strcmp(cmd, "sysv") == 0) {
		sysv();
		return 1;
	}
	if (strcmp(cmd, "out") == 0) {
		send_all(STDOUT_FILENO, num(argv[1]));
		return 2;
	}
	if (strcmp(cmd, "csleep") == 0) {
		struct timespec ts = { num(argv[1]) / 1000, num(argv[1]) % 1000 * 1000000 };

		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
		return 2;
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

		syscall(SYS_nanosleep, &ts, NULL);
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
