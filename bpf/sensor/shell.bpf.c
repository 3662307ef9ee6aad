/* shell.bpf.c — shell_command: every line read by an interactive bash, from a uretprobe on
 * its readline() (what an intruder typed is the best evidence there is). The loader finds
 * the function in bash or in the libreadline it links (src/loader/uprobe.c). The line is
 * read from the returned buffer before bash parses or expands it, so it is exactly what was
 * typed, even for commands that never exec anything (builtins, redirections, history). */
#include "lib/store.h"
#include "lib/path.h"
#include "shell_event.h"

SEC("uretprobe")
int BPF_KRETPROBE(vg_shell_command_readline_uretprobe, const char *line)
{
	struct task_struct *task;
	char first = 0;

	/* NULL is end of input; an empty line is no command */
	if (!line || bpf_probe_read_user(&first, 1, line) < 0 || !first)
		return 0;
	VG_BEGIN(h, c, VG_EV_SHELL_COMMAND, struct vg_shell_command);
	task = bpf_get_current_task_btf();
	if (vg_put_user_str(h, &c->line, line, VG_SHELL_LINE_MAX) == VG_SHELL_LINE_MAX - 1)
		h->flags |= VG_F_ARGV_TRUNC;
	vg_put_file_path(h, &c->shell, task->mm->exe_file);
	return vg_submit(h);
}
