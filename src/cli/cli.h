/* cli.h — the subcommands of the vigil binary and what they share. */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include <stdbool.h>
#include <stddef.h>
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
int vg_cmd_config_check(int argc, char **argv);
int vg_cmd_config_keys(int argc, char **argv);
int vg_cmd_config_sink_options(int argc, char **argv);
int vg_cmd_collect(int argc, char **argv);
int vg_cmd_ui(int argc, char **argv);
int vg_cmd_unload(int argc, char **argv);

/* Prints "vigil: MESSAGE" on stderr; returns -1. */
int vg_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Option values; each returns -1 after printing what opt takes, 0 with *out set. */
/* A duration (units.h: "30", "30s", "5m"; not inf, nan, hex or more than 1e9 s) in seconds. */
int vg_parse_seconds(const char *opt, const char *s, double *out);
/* A decimal or 0x-hex number from min to max, without sign or space. */
int vg_parse_uint(const char *opt, const char *s, unsigned long long min, unsigned long long max,
		  unsigned long long *out);
/* "exec,connect" -> set[type] = true; "all" selects every event. -1 with err set on an
 * unknown name. */
int vg_parse_event_list(const char *list, bool set[VG_EV__COUNT], char *err, size_t errlen);
/* The store at path (NULL: the default path) opened for reading; NULL, said on stderr,
 * when it cannot be. */
struct vg_store *vg_cli_store(const char *path);

#endif
