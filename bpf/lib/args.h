/* lib/args.h — a syscall's arguments, read at sys_exit from the registers its entry saved.
 *
 * The kernel keeps the user registers of the syscall in task_pt_regs for the whole call
 * and does not change the argument registers (only ax, for the result), so an exit hook
 * sees the same six arguments the entry hook would: one program per call instead of an
 * entry program plus a per-thread map. bpf_task_pt_regs gives a BTF pointer, so these are
 * plain loads. What an argument points at is user memory, read at exit; a program stashes
 * at entry only what is gone by exit (the caller's credentials before set*uid, ...). */
#ifndef VIGIL_LIB_ARGS_H
#define VIGIL_LIB_ARGS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* libbpf's bpf_tracing.h (1.1) stops at the fifth syscall argument; the sixth is r9 on
 * x86-64, the only target the Makefile builds. */
#ifndef PT_REGS_PARM6_SYSCALL
#define PT_REGS_PARM6_SYSCALL(x) ((x)->r9)
#endif

/* thread_info.status: the task is in a 32-bit (ia32) syscall, whose number and arguments
 * follow the ia32 table, not the x86-64 one. */
#define VG_TS_COMPAT 0x0002

struct vg_sysargs {
	unsigned long a[6];
};

static __always_inline void vg_syscall_args(struct vg_sysargs *s)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	s->a[0] = PT_REGS_PARM1_SYSCALL(regs);
	s->a[1] = PT_REGS_PARM2_SYSCALL(regs);
	s->a[2] = PT_REGS_PARM3_SYSCALL(regs);
	s->a[3] = PT_REGS_PARM4_SYSCALL(regs);
	s->a[4] = PT_REGS_PARM5_SYSCALL(regs);
	s->a[5] = PT_REGS_PARM6_SYSCALL(regs);
}

/* The number of the current syscall (orig_ax: ax holds the result by exit). */
static __always_inline long vg_syscall_nr(void)
{
	return ((struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf()))->orig_ax;
}

static __always_inline bool vg_syscall_compat(void)
{
	return (bpf_get_current_task_btf()->thread_info.status & VG_TS_COMPAT) != 0;
}

#endif
