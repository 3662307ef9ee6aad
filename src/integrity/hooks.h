/* hooks.h — the kernel_hooks check's judgements, for its unit test. */
#ifndef VIGIL_INTEGRITY_HOOKS_H
#define VIGIL_INTEGRITY_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_kallsyms;

/* What sits at a function's entry (len bytes read at addr): NULL for the ftrace nop
 * (after an optional endbr64), "call" or "jump" (*to: the destination), "breakpoint" for
 * an int3; anything else is "overwritten" on a kernel whose functions begin with the nop
 * (fentry_kernel), NULL otherwise. */
const char *vg_hook_kind(const uint8_t *bytes, size_t len, bool fentry_kernel, uint64_t addr, uint64_t *to);
/* Whether a sys_call_table entry is the address of a syscall function (or sys_ni_syscall);
 * false with why it is not. */
bool vg_table_entry_ok(const struct vg_kallsyms *ks, uint64_t entry, char *why, size_t len);

#endif
