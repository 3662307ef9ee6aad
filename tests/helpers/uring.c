/* uring — one operation through io_uring (raw syscalls, no liburing), the way around the
 * syscall tracepoints: nothing below calls open, connect, rename, unlink or socket.
 *   uring open PATH [FLAGS]      IORING_OP_OPENAT (AT_FDCWD, FLAGS octal, default O_RDONLY)
 *   uring connect IPV4 PORT      IORING_OP_CONNECT on a TCP socket made with socket(2)
 *   uring rename OLD NEW         IORING_OP_RENAMEAT
 *   uring unlink PATH            IORING_OP_UNLINKAT
 *   uring socket FAMILY TYPE PROTO  IORING_OP_SOCKET
 * Prints the completion's result; exits 0 when it is not an error. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ring {
	int fd;
	unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int ring_init(struct ring *r)
{
	struct io_uring_params p = { 0 };
	char *sq, *cq;

	r->fd = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (r->fd < 0)
		return -1;
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned), PROT_READ | PROT_WRITE, MAP_SHARED,
		  r->fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe), PROT_READ | PROT_WRITE,
		  MAP_SHARED, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
		       IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED)
		return -1;
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)(sq + p.sq_off.array);
	r->cq_head = (unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* Submits sqe and waits for its completion; returns the result. */
static int ring_run(struct ring *r, const struct io_uring_sqe *sqe)
{
	unsigned tail = *r->sq_tail, idx = tail & *r->sq_mask, head;
	int res;

	r->sqes[idx] = *sqe;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -1;
	head = *r->cq_head;
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -1;
	res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

int main(int argc, char **argv)
{
	struct io_uring_sqe sqe = { 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct ring r;
	int res;

	if (argc < 3 || ring_init(&r) < 0) {
		fprintf(stderr, "usage: uring open|connect|rename|unlink|socket ARGS (needs io_uring)\n");
		return 2;
	}
	if (strcmp(argv[1], "open") == 0) {
		sqe.opcode = IORING_OP_OPENAT;
		sqe.fd = AT_FDCWD;
		sqe.addr = (unsigned long)argv[2];
		sqe.open_flags = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 8) : O_RDONLY;
		sqe.len = 0644;
	} else if (strcmp(argv[1], "connect") == 0 && argc == 4) {
		sqe.opcode = IORING_OP_CONNECT;
		sqe.fd = socket(AF_INET, SOCK_STREAM, 0);
		sin.sin_port = htons((unsigned short)atoi(argv[3]));
		inet_pton(AF_INET, argv[2], &sin.sin_addr);
		sqe.addr = (unsigned long)&sin;
		sqe.off = sizeof(sin);
	} else if (strcmp(argv[1], "rename") == 0 && argc == 4) {
		sqe.opcode = IORING_OP_RENAMEAT;
		sqe.fd = AT_FDCWD;
		sqe.addr = (unsigned long)argv[2];
		sqe.len = (unsigned)AT_FDCWD;
		sqe.addr2 = (unsigned long)argv[3];
	} else if (strcmp(argv[1], "unlink") == 0) {
		sqe.opcode = IORING_OP_UNLINKAT;
		sqe.fd = AT_FDCWD;
		sqe.addr = (unsigned long)argv[2];
	} else if (strcmp(argv[1], "socket") == 0 && argc == 5) {
		sqe.opcode = IORING_OP_SOCKET;
		sqe.fd = atoi(argv[2]);
		sqe.off = (unsigned)atoi(argv[3]);
		sqe.len = (unsigned)atoi(argv[4]);
	} else {
		fprintf(stderr, "uring: unknown operation %s\n", argv[1]);
		return 2;
	}
	res = ring_run(&r, &sqe);
	printf("%d\n", res);
	return res < 0 && !(sqe.opcode == IORING_OP_CONNECT && res == -115) ? 1 : 0;
}
