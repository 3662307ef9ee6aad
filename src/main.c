/* main.c — the vigil command: a table of subcommands, each a function of src/cli/ (or of
 * the module that owns it). Adding one is one row. */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "rules/rules.h"

struct command {
	const char *name;
	const char *sub;  /* second word ("rules check"), or NULL */
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "run", NULL, vg_cmd_run, "load the sensors and stream events (root)" },
	{ "unload", NULL, vg_cmd_unload, "remove the sensors a run left pinned (root)" },
	{ "probes", NULL, vg_cmd_probes, "kernel facts and the mechanism each event uses here" },
	{ "replay", NULL, vg_cmd_replay, "a recording (run --record FILE) through the pipeline, with its throughput" },
	{ "rules", "check", vg_rules_cmd_check, "FILE|DIR...: compile rules, errors as file:line:col" },
	{ "rules", "list", vg_rules_cmd_list, "[--rules PATH]: the loaded rules" },
	{ "rules", "fields", vg_rules_cmd_fields, "every field a rule may use" },
	{ "rules", "filter", vg_rules_cmd_filter, "[--all] [--rules PATH]: what the kernel filters for the rules" },
	{ "seccomp", NULL, vg_cmd_seccomp, "record | merge | run | verify: seccomp profiles from observed behaviour" },
	{ "trace", NULL, vg_cmd_trace, "TOOL [options]: execsnoop, opensnoop, tcplife, ... (--list) (root)" },
	{ "top", NULL, vg_cmd_top, "live view of processes and containers (root)" },
	{ "incidents", NULL, vg_cmd_incidents, "incidents of a store (run --store), highest score first" },
	{ "show", NULL, vg_cmd_show, "ID: one incident, its timeline and attack path (--format text|json|dot|svg|html)" },
	{ "query", NULL, vg_cmd_query, "tree | file | flow | session | persistence | events | stats of a store" },
	{ "config", "check", vg_cmd_config_check, "[FILE]: the config file (default /etc/vigil/vigil.yaml)" },
	{ "config", "keys", vg_cmd_config_keys, "every key of the config file (Markdown, for the docs)" },
	{ "config", "sink-options", vg_cmd_config_sink_options, "SCHEME|network: a sink's options (Markdown)" },
	{ "collect", NULL, vg_cmd_collect, "many hosts' records from NATS JetStream into ClickHouse or JSON lines" },
	{ "ui", NULL, vg_cmd_ui, "the store in a browser: incidents, attack paths, events (--listen, --token)" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fputs("usage: vigil COMMAND [options]\n", f);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "%s%s%s", commands[i].name, commands[i].sub ? " " : "",
			 commands[i].sub ? commands[i].sub : "");
		fprintf(f, "  %-14s %s\n", name, commands[i].help);
	}
	fputs("Run `vigil COMMAND --help` for a command's options.\n", f);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; argc >= 2 && i < NCOMMANDS; i++) {
		const struct command *c = &commands[i];

		if (strcmp(argv[1], c->name) != 0)
			continue;
		if (!c->sub)
			return c->fn(argc - 1, argv + 1);
		if (argc > 2 && strcmp(argv[2], c->sub) == 0)
			return c->fn(argc - 2, argv + 2);
	}
	if (argc >= 2)
		fprintf(stderr, "vigil: unknown command '%s%s%s'\n", argv[1], argc > 2 ? " " : "", argc > 2 ? argv[2] : "");
	usage(stderr);
	return 2;
}
