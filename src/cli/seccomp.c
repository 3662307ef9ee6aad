/* seccomp.c — `vigil seccomp record|merge|run|verify`: options to src/seccomp and back. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli/cli.h"
#include "seccomp/seccomp.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vigil seccomp COMMAND ...\n"
		"  record (--cgroup PATH | --container ID | --pid PID | -- CMD ARGS...) [-o FILE]\n"
		"         [--duration SECS] [--baseline RUNTIME] [--merge PROFILE]...\n"
		"                every syscall the target and its descendants make, native and 32-bit\n"
		"                apart, as an OCI / Docker seccomp profile (default: stdout);\n"
		"                --baseline adds what the runtime (%s) needs in a section of its own;\n"
		"                --merge adds the recording to earlier profiles\n"
		"  merge PROFILE PROFILE... [-o FILE]\n"
		"                the union: what any of them allows is allowed\n"
		"  run [--log] PROFILE -- CMD ARGS...\n"
		"                runs CMD under the profile (no_new_privs, libseccomp); --log logs what the\n"
		"                profile would deny (SCMP_ACT_LOG) instead of denying it\n"
		"  verify PROFILE [-o FILE] -- CMD ARGS...\n"
		"                a --log trial run of CMD, then every syscall the profile would have\n"
		"                denied (from the kernel's audit records); -o writes them as a profile to\n"
		"                merge. Exit status 1 when there were any\n",
		vg_sc_baseline_names());
}

/* Splits argv at "--": returns the count before it; *cmd is what follows (NULL if none). */
static int split(int argc, char **argv, char ***cmd)
{
	*cmd = NULL;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			*cmd = argv[i + 1] ? &argv[i + 1] : NULL;
			return i;
		}
	return argc;
}

static int read_profile(const char *path, struct vg_sc_profile *p)
{
	char err[1024];

	if (vg_sc_profile_read(path, p, err, sizeof(err)) < 0)
		return vg_cli_error("%s", err);
	return 0;
}

/* Reads each of paths and merges it into p. */
static int merge_into(struct vg_sc_profile *p, char **paths, int n)
{
	char err[1024];

	for (int i = 0; i < n; i++) {
		struct vg_sc_profile q;
		int rc;

		if (read_profile(paths[i], &q) < 0)
			return -1;
		rc = vg_sc_profile_merge(p, &q, paths[i], err, sizeof(err));
		vg_sc_profile_free(&q);
		if (rc < 0)
			return vg_cli_error("%s", err);
	}
	return 0;
}

static int save(struct vg_sc_profile *p, const char *path)
{
	char err[1024];

	vg_sc_profile_finish(p);
	if (vg_sc_profile_save(p, path, err, sizeof(err)) < 0)
		return vg_cli_error("%s", err);
	return 0;
}

static int features(struct vg_features *f)
{
	const char *fatal;

	vg_features_probe(f);
	if ((fatal = vg_features_fatal(f)))
		return vg_cli_error("cannot record: %s", fatal);
	return 0;
}

static int cmd_record(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cgroup", required_argument, NULL, 'g' },   { "container", required_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, 'p' },      { "output", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 'd' }, { "baseline", required_argument, NULL, 'b' },
		{ "merge", required_argument, NULL, 'm' },    { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vg_sc_record_opts o = { 0 };
	const char *out = "-", *baseline = NULL;
	char *merges[64], why[1024];
	unsigned long long num;
	struct vg_sc_profile p;
	struct vg_features f;
	int n = split(argc, argv, &o.target.argv), nmerge = 0, targets, c, status;

	optind = 1;
	while ((c = getopt_long(n, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'g': o.target.cgroup = optarg; break;
		case 'c': o.target.container = optarg; break;
		case 'p':
			if (vg_parse_uint("--pid", optarg, 1, INT32_MAX, &num) < 0)
				return 2;
			o.target.pid = (pid_t)num;
			break;
		case 'o': out = optarg; break;
		case 'd':
			if (vg_parse_seconds("--duration", optarg, &o.duration) < 0)
				return 2;
			break;
		case 'b': baseline = optarg; break;
		case 'm':
			if (nmerge == 64)
				return vg_cli_error("at most 64 --merge profiles"), 2;
			merges[nmerge++] = optarg;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	targets = !!o.target.cgroup + !!o.target.container + !!o.target.pid + !!o.target.argv;
	if (targets != 1 || optind < n)
		return vg_cli_error("record takes one target: --cgroup PATH, --container ID, --pid PID or -- CMD ARGS..."),
		       usage(stderr), 2;
	if (features(&f) < 0)
		return 1;
	vg_sc_profile_init(&p);
	if (vg_sc_record(&o, &f, &p, &status, why, sizeof(why)) < 0) {
		vg_sc_profile_free(&p);
		return vg_cli_error("%s", why), 1;
	}
	if (o.target.argv && status != 0)
		fprintf(stderr, "vigil: %s exited with status %d%s\n", o.target.argv[0],
			WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
			" (the profile has what it did until then)");
	if (merge_into(&p, merges, nmerge) < 0 ||
	    (baseline && vg_sc_baseline_add(&p, baseline, why, sizeof(why)) < 0 && vg_cli_error("%s", why)) ||
	    save(&p, out) < 0) {
		vg_sc_profile_free(&p);
		return 1;
	}
	vg_sc_profile_free(&p);
	return 0;
}

static int cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = { { "output", required_argument, NULL, 'o' },
						  { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	const char *out = "-";
	struct vg_sc_profile p;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		if (c == 'o') {
			out = optarg;
			continue;
		}
		usage(c == 'h' ? stdout : stderr);
		return c == 'h' ? 0 : 2;
	}
	if (argc - optind < 2)
		return vg_cli_error("merge takes two profiles or more"), 2;
	if (read_profile(argv[optind], &p) < 0)
		return 1;
	rc = merge_into(&p, argv + optind + 1, argc - optind - 1) < 0 || save(&p, out) < 0;
	vg_sc_profile_free(&p);
	return rc;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = { { "log", no_argument, NULL, 'l' },
						  { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	char **cmd, path[4096], err[1024];
	int n = split(argc, argv, &cmd), c, unknown;
	struct vg_sc_profile p;
	bool log = false;

	optind = 1;
	while ((c = getopt_long(n, argv, "h", longopts, NULL)) != -1) {
		if (c == 'l') {
			log = true;
			continue;
		}
		usage(c == 'h' ? stdout : stderr);
		return c == 'h' ? 0 : 2;
	}
	if (n - optind != 1 || !cmd)
		return vg_cli_error("usage: vigil seccomp run [--log] PROFILE -- CMD ARGS..."), 2;
	if (read_profile(argv[optind], &p) < 0)
		return 2;
	if (!vg_sc_resolve(cmd[0], path, sizeof(path)))
		return vg_cli_error("%s: command not found", cmd[0]), 127;
	if (vg_sc_apply(&p, log, &unknown, err, sizeof(err)) < 0)
		return vg_cli_error("%s", err), 2;
	execv(path, cmd); /* the profile may deny what comes after: keep it short */
	return 126;
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = { { "output", required_argument, NULL, 'o' },
						  { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	char **cmd, why[1024];
	int n = split(argc, argv, &cmd), c, rc, status;
	struct vg_sc_profile p, denied;
	const char *out = NULL;
	struct vg_features f;

	optind = 1;
	while ((c = getopt_long(n, argv, "o:h", longopts, NULL)) != -1) {
		if (c == 'o') {
			out = optarg;
			continue;
		}
		usage(c == 'h' ? stdout : stderr);
		return c == 'h' ? 0 : 2;
	}
	if (n - optind != 1 || !cmd)
		return vg_cli_error("usage: vigil seccomp verify PROFILE [-o FILE] -- CMD ARGS..."), 2;
	if (read_profile(argv[optind], &p) < 0 || features(&f) < 0)
		return 2;
	vg_sc_profile_init(&denied);
	rc = vg_sc_verify(&p, cmd, &f, &denied, &status, why, sizeof(why));
	if (rc < 0)
		vg_cli_error("%s", why);
	else if (status >= 0)
		fprintf(stderr, "vigil: %s exited with status %d\n", cmd[0],
			WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	if (rc > 0 && out && save(&denied, out) < 0)
		rc = -1;
	vg_sc_profile_free(&p);
	vg_sc_profile_free(&denied);
	return rc < 0 ? 2 : rc;
}

int vg_cmd_seccomp(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = { { "record", cmd_record }, { "merge", cmd_merge }, { "run", cmd_run }, { "verify", cmd_verify } };

	for (size_t i = 0; argc > 1 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	usage(argc > 1 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
	return argc > 1 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
}
