/* bpfload — creates a BPF array map and loads a two-instruction socket filter, both named
 * NAME (at most 15 characters). Prints the program fd.
 *   bpfload NAME            then exits (the program goes with it)
 *   bpfload NAME hold       keeps the program until stdin closes (its owner is this process)
 *   bpfload NAME pin PATH   pins it in bpffs at PATH and exits (no process holds it) */
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int main(int argc, char **argv)
{
	struct bpf_insn prog[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	long map, fd;

	if (argc < 2 || (argc > 2 && strcmp(argv[2], "hold") && strcmp(argv[2], "pin")) ||
	    (argc > 2 && !strcmp(argv[2], "pin") && argc != 4))
		return 2;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 8;
	attr.max_entries = 7;
	strncpy(attr.map_name, argv[1], sizeof(attr.map_name) - 1);
	map = sys_bpf(BPF_MAP_CREATE, &attr);
	if (map < 0) {
		perror("map create");
		return 1;
	}
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (unsigned long)prog;
	attr.insn_cnt = 2;
	attr.license = (unsigned long)"GPL";
	strncpy(attr.prog_name, argv[1], sizeof(attr.prog_name) - 1);
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0) {
		perror("prog load");
		return 1;
	}
	printf("%ld\n", fd);
	fflush(stdout);
	if (argc > 2 && strcmp(argv[2], "pin") == 0) {
		memset(&attr, 0, sizeof(attr));
		attr.pathname = (unsigned long)argv[3];
		attr.bpf_fd = (unsigned)fd;
		if (sys_bpf(BPF_OBJ_PIN, &attr) < 0) {
			perror("pin");
			return 1;
		}
	} else if (argc > 2) {
		char c;

		while (read(0, &c, 1) > 0)
			;
	}
	return 0;
}
