/* decode/shell.c — shell_command: a line typed into an interactive shell. */
#include "decode/decode.h"
#include "shell_event.h"

enum { F_LINE, F_SHELL, F_TRUNC, F_COUNT };

static const struct vg_field fields[F_COUNT] = {
	[F_LINE] = { "shell_command.line", VG_V_STR, "the line as typed, before the shell expands it" },
	[F_SHELL] = { "shell_command.shell", VG_V_STR, "the shell's executable" },
	[F_TRUNC] = { "shell_command.truncated", VG_V_BOOL, "the line was longer than the capture bound (4 KiB)" },
};

static int decode_shell_command(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_shell_command *c = body;

	vg_add_raw_str(ev, &fields[F_LINE], c->line);
	vg_add_path(ev, &fields[F_SHELL], c->shell, true, NULL);
	vg_event_add_bool(ev, &fields[F_TRUNC], (ev->raw->flags & VG_F_ARGV_TRUNC) != 0);
	return 0;
}

static const struct vg_decoder_entry decoders[] = {
	{ VG_EV_SHELL_COMMAND, sizeof(struct vg_shell_command), decode_shell_command },
};

const struct vg_domain vg_domain_shell = {
	"shell", fields, F_COUNT, decoders, sizeof(decoders) / sizeof(decoders[0]),
};
