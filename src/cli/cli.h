/* cli.h — the subcommands of the vigil binary and what they share. */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include <stdbool.h>
#include "vigil_event.h"

int vg_cmd_run(int argc, char **argv);
int vg_cmd_probes(int argc, char **argv);
int vg_cmd_replay(int argc, char **argv);
int vg_cmd_seccomp(int argc, char **argv);
int vg_cmd_trace(int argc, char **argv);
int vg_cmd_top(int argc, char **argv);
int vg_cmd_incidents(int argc, char **argv);
int vg_cmd_show(int argc, char **argv);
int vg_cmd_query(int argc, char **argv);
int vg_cmd_ui(int argc, char **argv);

/* Prints "vigil: MESSAGE" on stderr; returns -1. */
int vg_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "exec,connect" -> set[type] = true; "all" selects every event. -1 on an unknown name. */
int vg_parse_event_list(const char *list, bool set[VG_EV__COUNT]);
/* The store at path (NULL: the default path) opened for reading; NULL, said on stderr,
 * when it cannot be. */
struct vg_store *vg_cli_store(const char *path);

#endif
