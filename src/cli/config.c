/* config.c — `vigil config check [FILE]`: the config file (default /etc/vigil/vigil.yaml)
 * with every error as FILE:LINE:COL: message, and the rules it names compiled; `vigil config
 * keys` and `vigil config sink-options SCHEME`: the option tables as Markdown, for the docs. */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "config/options.h"
#include "output/sink.h"
#include "rules/rules.h"

static int check(const char *path)
{
	struct vg_run_opts o;
	struct vg_rules_errors errs = { 0 };
	struct vg_ruleset *rs = NULL;
	int errors = vg_run_opts_check_file(path, &o);

	if (!errors && o.out.n_rules) {
		rs = vg_rules_load(o.out.rules, o.out.n_rules, NULL, &errs);
		for (int i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		errors += rs ? errs.n : errs.n ? errs.n : 1;
		vg_rules_errors_free(&errs);
	}
	if (!errors)
		printf("%s: ok (%d sinks, %d rule paths%s%s)\n", path, o.out.n_sinks, o.out.n_rules, rs ? ", " : "",
		       rs ? "rules compile" : "");
	else
		fprintf(stderr, "%s: %d error%s\n", path, errors, errors == 1 ? "" : "s");
	vg_ruleset_free(rs);
	vg_run_opts_free(&o);
	return errors ? 1 : 0;
}

int vg_cmd_config_keys(int argc, char **argv)
{
	vg_run_opts_markdown(stdout);
	return 0;
}

int vg_cmd_config_sink_options(int argc, char **argv)
{
	if (argc != 2)
		return vg_cli_error("usage: vigil config sink-options SCHEME|network"), 2;
	if (vg_sinks_options_markdown(stdout, argv[1]) < 0)
		return vg_cli_error("no sink '%s'", argv[1]), 2;
	return 0;
}

int vg_cmd_config_check(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: vigil config check [FILE]   check a config file (default " VG_CONFIG_DEFAULT ")");
		return 0;
	}
	if (argc > 2) {
		fputs("usage: vigil config check [FILE]\n", stderr);
		return 2;
	}
	return check(argc == 2 ? argv[1] : VG_CONFIG_DEFAULT);
}
