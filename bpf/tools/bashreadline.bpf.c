/* bashreadline.bpf.c — commands typed into interactive bash, from a uretprobe on
 * readline() (as libbpf-tools' bashreadline; user space finds readline in bash or its
 * libreadline). The sensor's shell_command event is the same capture (shell.bpf.c). */
#include "lib/tool_ring.h"
#include "tools/bashreadline.h"

#define VG_LINE_MAX 4096

SEC("uretprobe")
int BPF_KRETPROBE(vg_tool_bashreadline_readline_uretprobe, const char *line)
{
	char first = 0;

	if (!line || bpf_probe_read_user(&first, 1, line) < 0 || !first || !vg_tool_wanted())
		return 0;
	VG_TOOL_BEGIN(h, b, 0, struct vg_bashreadline);
	if (vg_put_user_str(h, &b->line, line, VG_LINE_MAX) == VG_LINE_MAX - 1)
		h->flags |= VG_F_ARGV_TRUNC;
	return vg_tool_submit(h);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
