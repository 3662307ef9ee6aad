/* file.c — the YAML config file (libyaml's document API, for the marks): a mapping of
 * option keys to a value or a list of values, in the shape of falco.yaml.
 *
 *   profile: default
 *   rules_file: [/etc/vigil/rules]       # or rules:
 *   stats_interval: 30s
 *   allow_exe: [/usr/sbin/backup-agent]
 *   sinks:
 *     - file:/var/log/vigil/events.json;keep=10
 *     - url: nats://10.0.0.1:4222,10.0.0.2:4222
 *       replicas: 3
 *
 * A sink given as a map is its url plus its options, each checked against the sink type's
 * option table at its own line. Every error is printed as FILE:LINE:COL: message. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>
#include "config/internal.h"

struct reader {
	const char *path; /* kept by the options */
	yaml_document_t doc;
	struct vg_run_opts *o;
	int errors;
};

static struct vg_srcpos pos_of(const struct reader *r, const yaml_node_t *n)
{
	return (struct vg_srcpos){ r->path, (int)n->start_mark.line + 1, (int)n->start_mark.column + 1 };
}

static void error_at(struct reader *r, const yaml_node_t *n, const char *fmt, const char *arg)
{
	struct vg_srcpos p = pos_of(r, n);

	fprintf(stderr, "%s:%d:%d: ", p.file, p.line, p.col);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	r->errors++;
}

static const char *scalar(struct reader *r, const yaml_node_t *n)
{
	return vg_run_opts_keep(r->o, (const char *)n->data.scalar.value, n->data.scalar.length);
}

/* A plain empty scalar (`key:` or `key: null`) says "no value". */
static bool is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!n->data.scalar.length || !strcmp(v, "null") || !strcmp(v, "~"));
}

static void add(struct reader *r, int id, const char *v, const yaml_node_t *n)
{
	if (vg_run_opts_add(r->o, id, v, pos_of(r, n)) < 0)
		error_at(r, n, "too many values (at most %s)", "64");
}

/* {url: URL, key: value, ...} -> "URL;key=value;..." checked key by key. */
static void sink_map(struct reader *r, yaml_node_t *map)
{
	char spec[2048], err[300];
	const char *url = NULL;
	size_t len;
	int before = r->errors;

	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&r->doc, p->key), *v = yaml_document_get_node(&r->doc, p->value);

		if (k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, "url") &&
		    v->type == YAML_SCALAR_NODE)
			url = (const char *)v->data.scalar.value;
	}
	if (!url) {
		error_at(r, map, "a sink given as a map needs %s", "url:");
		return;
	}
	if (vg_sinks_check(url, err, sizeof(err)) < 0) {
		error_at(r, map, "sinks: %s", err);
		return;
	}
	len = (size_t)snprintf(spec, sizeof(spec), "%s", url);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&r->doc, p->key), *v = yaml_document_get_node(&r->doc, p->value);
		char one[2048];

		if (k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE) {
			error_at(r, k, "sink options are key: value pairs%s", "");
			continue;
		}
		if (!strcmp((const char *)k->data.scalar.value, "url"))
			continue;
		snprintf(one, sizeof(one), "%s;%s=%s", url, k->data.scalar.value, v->data.scalar.value);
		if (vg_sinks_check(one, err, sizeof(err)) < 0) {
			error_at(r, k, "sinks: %s", err);
			continue;
		}
		len += (size_t)snprintf(spec + len, len < sizeof(spec) ? sizeof(spec) - len : 0, ";%s=%s",
					k->data.scalar.value, v->data.scalar.value);
	}
	if (len >= sizeof(spec))
		error_at(r, map, "sink spec too long%s", "");
	else if (r->errors == before)
		add(r, VG_OPTION_SINK, vg_run_opts_keep(r->o, spec, len), map);
}

static void value(struct reader *r, int id, const char *key, yaml_node_t *v)
{
	switch (v->type) {
	case YAML_SCALAR_NODE:
		if (!is_null(v))
			add(r, id, scalar(r, v), v);
		break;
	case YAML_SEQUENCE_NODE:
		if (!vg_option_is_list(id)) {
			error_at(r, v, "'%s' takes one value, not a list", key);
			break;
		}
		for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(&r->doc, *it);

			if (e->type == YAML_SCALAR_NODE && !is_null(e))
				add(r, id, scalar(r, e), e);
			else if (e->type == YAML_MAPPING_NODE && id == VG_OPTION_SINK)
				sink_map(r, e);
			else
				error_at(r, e, "'%s' items must be single values", key);
		}
		break;
	case YAML_MAPPING_NODE:
		if (id == VG_OPTION_SINK)
			sink_map(r, v);
		else
			error_at(r, v, "'%s' takes a value, not a map", key);
		break;
	default:
		error_at(r, v, "'%s' has no value", key);
	}
}

int vg_config_read(const char *path, struct vg_run_opts *o)
{
	struct reader r = { .o = o };
	yaml_parser_t parser;
	yaml_node_t *root;
	int seen[VG_OPTION__COUNT] = { 0 };
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "%s: cannot read the config file: %s\n", path, strerror(errno));
		return 1;
	}
	r.path = vg_run_opts_keep(o, path, strlen(path));
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &r.doc)) {
		fprintf(stderr, "%s:%zu:%zu: %s%s%s\n", path, parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			parser.problem ? parser.problem : "invalid YAML", parser.context ? " " : "",
			parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		fclose(f);
		return 1;
	}
	root = yaml_document_get_root_node(&r.doc);
	if (root && root->type != YAML_MAPPING_NODE && !(root->type == YAML_SCALAR_NODE && is_null(root)))
		error_at(&r, root, "the config file is a map of option: value%s", "");
	else if (root && root->type == YAML_MAPPING_NODE)
		for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(&r.doc, p->key), *v = yaml_document_get_node(&r.doc, p->value);
			const char *key = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : NULL;
			int id = key ? vg_option_by_key(key) : -1;

			if (!key) {
				error_at(&r, k, "option names are plain words%s", "");
			} else if (id < 0 || id == VG_OPTION_CONFIG) {
				error_at(&r, k, id < 0 ? "unknown option '%s' (see `vigil run --help`)"
						       : "'%s' is only a command-line option", key);
			} else if (seen[id]) {
				error_at(&r, k, "'%s' is given twice", key);
			} else {
				seen[id] = 1;
				value(&r, id, key, v);
			}
		}
	yaml_document_delete(&r.doc);
	yaml_parser_delete(&parser);
	fclose(f);
	return r.errors;
}
