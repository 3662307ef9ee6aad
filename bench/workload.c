/*
 * workload: the timed loops that bench/run.sh measures with and without an agent.
 *
 *   workload getppid N            N getppid() calls               -> ns per call
 *   workload exec N [RATE]        N fork + exec of /bin/true      -> execs per second
 *   workload files N DIR [RATE]   N create/write/rename/unlink    -> file cycles per second
 *   workload connect N            N loopback connect + accept     -> connections per second
 *
 * RATE (operations per second) paces the loop for the capacity steps; without it the loop runs
 * flat out. Each run prints one JSON line: {"workload", "count", "seconds", "rate", "ns_per_op"}.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Sleeps until operation `done` is due when the loop is paced at `rate` per second. */
static void pace(double start, long done, double rate)
{
	double due, ahead;

	if (rate <= 0)
		return;
	due = start + done / rate;
	ahead = due - now_seconds();
	if (ahead > 0) {
		struct timespec ts = { (time_t)ahead, (long)((ahead - (time_t)ahead) * 1e9) };
		nanosleep(&ts, NULL);
	}
}

static void report(const char *name, long count, double seconds)
{
	printf("{\"workload\":\"%s\",\"count\":%ld,\"seconds\":%.6f,\"rate\":%.1f,\"ns_per_op\":%.1f}\n",
	       name, count, seconds, count / seconds, seconds * 1e9 / count);
}

static void run_getppid(long n)
{
	double start = now_seconds();

	/* The raw syscall: libc must not be able to answer from a cache. */
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	report("getppid", n, now_seconds() - start);
}

static void run_exec(long n, double rate)
{
	double start = now_seconds();

	for (long i = 0; i < n; i++) {
		pid_t pid;
		int status;

		pace(start, i, rate);
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0)
			die("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "workload: /bin/true failed (status %d)\n", status);
			exit(1);
		}
	}
	report("exec", n, now_seconds() - start);
}

static void run_files(long n, const char *dir, double rate)
{
	static const char payload[64] = "vigil bench payload\n";
	char created[4096], renamed[4096];
	double start = now_seconds();

	snprintf(created, sizeof(created), "%s/bench.tmp", dir);
	snprintf(renamed, sizeof(renamed), "%s/bench.done", dir);
	for (long i = 0; i < n; i++) {
		int fd;

		pace(start, i, rate);
		fd = open(created, O_CREAT | O_EXCL | O_WRONLY, 0600);
		if (fd < 0)
			die("open");
		if (write(fd, payload, sizeof(payload)) != sizeof(payload))
			die("write");
		close(fd);
		if (rename(created, renamed) < 0)
			die("rename");
		if (unlink(renamed) < 0)
			die("unlink");
	}
	report("files", n, now_seconds() - start);
}

/*
 * One process plays both ends: on loopback the handshake completes inside connect(), so accept()
 * returns at once. SO_LINGER 0 resets the client side on close, so no TIME_WAIT sockets pile up
 * and exhaust ephemeral ports across repeated runs.
 */
static void run_connect(long n)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	socklen_t len = sizeof(addr);
	int listener = socket(AF_INET, SOCK_STREAM, 0);
	double start;

	if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(listener, 128) < 0 || getsockname(listener, (struct sockaddr *)&addr, &len) < 0)
		die("listen on loopback");
	start = now_seconds();
	for (long i = 0; i < n; i++) {
		int client = socket(AF_INET, SOCK_STREAM, 0), server;

		if (client < 0)
			die("socket");
		if (connect(client, (struct sockaddr *)&addr, sizeof(addr)) < 0)
			die("connect");
		server = accept(listener, NULL, NULL);
		if (server < 0)
			die("accept");
		setsockopt(client, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
		close(client);
		close(server);
	}
	report("connect", n, now_seconds() - start);
	close(listener);
}

static void usage(void)
{
	fprintf(stderr, "usage: workload getppid N | exec N [RATE] | files N DIR [RATE] | connect N\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long n;

	if (argc < 3)
		usage();
	n = atol(argv[2]);
	if (n <= 0)
		usage();
	if (!strcmp(argv[1], "getppid"))
		run_getppid(n);
	else if (!strcmp(argv[1], "exec"))
		run_exec(n, argc > 3 ? atof(argv[3]) : 0);
	else if (!strcmp(argv[1], "files") && argc > 3)
		run_files(n, argv[3], argc > 4 ? atof(argv[4]) : 0);
	else if (!strcmp(argv[1], "connect"))
		run_connect(n);
	else
		usage();
	return 0;
}
