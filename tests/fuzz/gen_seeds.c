/* gen_seeds.c — writes the generated part of the fuzz seed corpora and dictionaries into
 * DIR (tests/fuzz/run.sh calls it; the rules corpus is the repository's own rule files):
 *   DIR/decode/   a record of every event type, its body filled with string references into
 *                 path, argv and name data, plus hand-made exec, fork, open and rename records
 *   DIR/json/     byte strings: UTF-8, invalid bytes, backslashes, controls
 *   DIR/options/  option values, good and bad
 *   DIR/rules.dict, DIR/decode.dict  libFuzzer dictionaries: rule keywords, operators,
 *                 every field and event name from the registries (so they cannot drift)
 * Usage: gen_seeds DIR */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "decode/fields.h"
#include "file_event.h"
#include "records.h"
#include "rules/internal.h"

static const char *dir;

static void write_file(const char *sub, const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0755) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void record_file(const char *name, const struct fuzz_record *r)
{
	write_file("decode", name, r, r->h.size);
}

/* Every type: the body (up to 512 bytes, more than any) is vg_str pairs pointing at data. */
static void generic_records(void)
{
	static const struct {
		const char *s;
		size_t len;
	} data[] = { { "leaf/dir/usr/", 13 }, { "sh\0-c\0id\0", 9 }, { "pts0", 4 }, { "memfd:x", 7 } };
	struct fuzz_record r;
	char name[64];

	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		for (unsigned v = 0; v < sizeof(data) / sizeof(data[0]); v++) {
			struct vg_str *s = record_begin(&r, t, 512, FUZZ_PID_BASE + 10 + v, FUZZ_PID_BASE + 1);
			unsigned at = r.h.size;

			record_str(&r, &(struct vg_str){ 0 }, data[v].s, data[v].len);
			for (size_t i = 0; i < 512 / sizeof(*s); i++)
				s[i] = (struct vg_str){ (unsigned short)at, (unsigned short)(r.h.size - at) };
			snprintf(name, sizeof(name), "%s-%u.bin", vg_event_name(t), v);
			record_file(name, &r);
		}
}

static void made_records(void)
{
	struct fuzz_record r;
	struct vg_exec *e = record_begin(&r, VG_EV_EXEC, sizeof(*e), FUZZ_PID_BASE + 2, FUZZ_PID_BASE + 1);
	struct vg_fork *f;
	struct vg_file_open *o;
	struct vg_file_pair *p;

	record_str(&r, &e->exe, "curl/bin/usr/", 13);
	record_str(&r, &e->argv, "curl\0-o\0/tmp/x\0", 16);
	record_str(&r, &e->cwd, "tmp/", 4);
	record_str(&r, &e->env, "LD_PRELOAD=/x.so\0SSH_CONNECTION=1 2 3 4", 40);
	record_str(&r, &e->tty, "pts0", 4);
	record_str(&r, &e->cgroup, "docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope/system.slice/", 91);
	record_str(&r, &e->nodename, "box", 3);
	e->fd[1].kind = VG_FD_SOCKET;
	e->fd[1].remote = (struct vg_sockaddr){ 2, 4444, { 10, 0, 0, 1 } };
	record_file("exec-made.bin", &r);
	f = record_begin(&r, VG_EV_FORK, sizeof(*f), FUZZ_PID_BASE + 2, FUZZ_PID_BASE + 1);
	f->child_pid = f->child_tid = FUZZ_PID_BASE + 3;
	record_file("fork-made.bin", &r);
	o = record_begin(&r, VG_EV_OPEN, sizeof(*o), FUZZ_PID_BASE + 3, FUZZ_PID_BASE + 2);
	r.h.ret = -2;
	record_str(&r, &o->arg.name, "../../etc/./shadow", 18);
	record_str(&r, &o->arg.dir, "b/a/", 4);
	record_file("open-made.bin", &r);
	p = record_begin(&r, VG_EV_RENAME, sizeof(*p), FUZZ_PID_BASE + 3, FUZZ_PID_BASE + 2);
	r.h.flags = VG_F_PATH_TRUNC;
	record_str(&r, &p->from.name, "x", 1);
	record_str(&r, &p->from.dir, "c/b/a/", 6);
	record_str(&r, &p->to.name, "/usr/bin/.x", 11);
	record_file("rename-made.bin", &r);
}

static void strings(void)
{
	static const struct {
		const char *name, *s;
		size_t len;
	} seeds[] = {
		{ "ascii", "plain /usr/bin/id", 17 },   { "utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14 },
		{ "invalid", "\xff\xfe\xc3 \xed\xa0\x80", 7 }, { "backslash", "a\\xff\\\\b\\", 9 },
		{ "controls", "\x01\n\t\r\"\0x", 7 },
	};

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		write_file("json", seeds[i].name, seeds[i].s, seeds[i].len);
}

static void options(void)
{
	static const char seeds[] = "10\n0.5\ninf\nnan\n1e11\n-1\n 5\n0x10\n4096\n1e-400\n10s\n500ms\n2m\n1h\n"
				    "exec,connect\nall\nexec, open ,nope\n";

	write_file("options", "values", seeds, sizeof(seeds) - 1);
}

static void dict_entry(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		fprintf(f, *s == '"' || *s == '\\' || *s < 0x20 ? "\\x%02x" : "%c", (unsigned char)*s);
	fputs("\"\n", f);
}

static void dictionaries(void)
{
	static const char *const words[] = {
		"- rule: ", "- macro: ", "- list: ", "- required_engine_version: ", "  desc: ", "  condition: ",
		"  output: ", "  priority: ", "  tags: ", "  enabled: ", "  exceptions:", "  action: kill",
		"  append: true", "  override:", "  frequency:", "  sequence:", "  items: ", "    count: ",
		"    window: ", "    distinct: ", "    by: ", "    steps:", "    scope: ", "      - name: ",
		"        fields: ", "        comps: ", "        values: ", "      condition: ", "append", "replace",
		"warning", "critical", "info", "debug", "tree", "parent_tree", "process", "session", "host",
		" and ", " or ", "not ", "(", ")", ",", " = ", " != ", " < ", " <= ", " > ", " >= ", " in ",
		" contains ", " icontains ", " startswith ", " endswith ", " glob ", " regex ", " pmatch ",
		" exists", "val(", "$1.", "%proc.name", "%%", "10s", "500ms", "&a ", "*a", "[", "]", "{", "}",
		"|\n", ">\n", "'", "\"", "10.0.0.0/8", "::1", "true", "false", "(a+)+$", "*", "?", "[!a]",
	};
	FILE *f;
	char path[4096];
	const struct vg_field *ef;

	snprintf(path, sizeof(path), "%s/rules.dict", dir);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		dict_entry(f, words[i]);
	for (size_t i = 0; i < hdr_nfields; i++)
		dict_entry(f, hdr_fields[i].name);
	for (size_t i = 0; (ef = vg_field_at(i)); i++)
		dict_entry(f, ef->name);
	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		dict_entry(f, vg_event_name(t));
	fclose(f);
	snprintf(path, sizeof(path), "%s/decode.dict", dir);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	for (const char *const *s = (const char *const[]){ "/", "//", "./", "../", "memfd:", "pts",
							   "LD_PRELOAD=", "SSH_CONNECTION=", "docker-", ".scope/", NULL }; *s; s++)
		dict_entry(f, *s);
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds DIR\n");
		return 2;
	}
	dir = argv[1];
	if (mkdir(dir, 0755) && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	generic_records();
	made_records();
	strings();
	options();
	dictionaries();
	return 0;
}
