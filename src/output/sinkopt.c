/* sinkopt.c — parsing "TARGET;key=value;..." against a sink's option table (sinkopt.h). */
#include <stdlib.h>
#include <string.h>
#include "output/sinkopt.h"
#include "units.h"

static const char *kind_name(const struct vg_sinkopt *o)
{
	switch (o->kind) {
	case VG_SO_STR: return "TEXT";
	case VG_SO_SIZE: return "SIZE";
	case VG_SO_DURATION: return "TIME";
	case VG_SO_UINT: return "N";
	case VG_SO_BOOL: return "BOOL";
	case VG_SO_ENUM: return "CHOICE";
	}
	return "?";
}

static int set(const struct vg_sinkopt *o, void *dst, const char *v, char *err, size_t errlen)
{
	char *p = dst ? (char *)dst + o->offset : NULL;
	uint64_t u;
	char *end;

	switch (o->kind) {
	case VG_SO_STR:
		if (strlen(v) >= o->len)
			break;
		if (p)
			snprintf(p, o->len, "%s", v);
		return 0;
	case VG_SO_SIZE:
		if (!vg_parse_size(v, &u))
			break;
		if (p)
			*(uint64_t *)p = u;
		return 0;
	case VG_SO_DURATION:
		if (!vg_parse_duration_ns(v, &u))
			break;
		if (p)
			*(uint64_t *)p = u;
		return 0;
	case VG_SO_UINT:
		u = strtoull(v, &end, 10);
		if (!*v || *end || *v == '-')
			break;
		if (p)
			*(uint64_t *)p = u;
		return 0;
	case VG_SO_BOOL: {
		bool on = !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1");
		bool off = !strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0");

		if (!on && !off)
			break;
		if (p)
			*(bool *)p = on;
		return 0;
	}
	case VG_SO_ENUM:
		for (int i = 0; o->choices[i]; i++)
			if (!strcmp(o->choices[i], v)) {
				if (p)
					*(int *)p = i;
				return 0;
			}
		break;
	}
	if (o->kind == VG_SO_ENUM) {
		size_t n = (size_t)snprintf(err, errlen, "option %s must be one of", o->key);

		for (int i = 0; o->choices[i] && n < errlen; i++)
			n += (size_t)snprintf(err + n, errlen - n, "%s%s", i ? ", " : " ", o->choices[i]);
		return -1;
	}
	snprintf(err, errlen, "option %s takes %s%s, not '%s'", o->key,
		 o->kind == VG_SO_STR ? "text shorter than " : kind_name(o),
		 o->kind == VG_SO_STR ? "its limit" : "", v);
	return -1;
}

static int parse(const struct vg_sinkopt *tab, void *dst, const char *arg, char *target, size_t tlen, char *err,
		 size_t errlen)
{
	const char *semi = strchr(arg, ';');
	size_t n = semi ? (size_t)(semi - arg) : strlen(arg);
	char buf[1024], *tok, *save = NULL;

	if (target) {
		if (n >= tlen) {
			snprintf(err, errlen, "'%.*s' is too long (at most %zu bytes)", (int)n, arg, tlen - 1);
			return -1;
		}
		memcpy(target, arg, n);
		target[n] = 0;
	}
	if (!semi)
		return 0;
	if (strlen(semi + 1) >= sizeof(buf)) {
		snprintf(err, errlen, "options too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", semi + 1);
	for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(tok, '=');
		const struct vg_sinkopt *o = tab;

		if (!eq) {
			snprintf(err, errlen, "option '%s' needs a value (key=value)", tok);
			return -1;
		}
		*eq = 0;
		while (o && o->key && strcmp(o->key, tok))
			o++;
		if (!o || !o->key) {
			size_t k = (size_t)snprintf(err, errlen, "unknown option '%s'", tok);

			for (o = tab; o && o->key && k < errlen; o++)
				k += (size_t)snprintf(err + k, errlen - k, "%s%s", o == tab ? " (known: " : ", ", o->key);
			if (tab && tab->key && k < errlen)
				snprintf(err + k, errlen - k, ")");
			return -1;
		}
		if (set(o, dst, eq + 1, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int vg_sinkopt_parse(const struct vg_sinkopt *tab, void *dst, const char *arg, char *target, size_t tlen,
		     char *err, size_t errlen)
{
	return parse(tab, dst, arg, target, tlen, err, errlen);
}

int vg_sinkopt_check(const struct vg_sinkopt *tab, const char *arg, char *err, size_t errlen)
{
	return parse(tab, NULL, arg, NULL, 0, err, errlen);
}

const struct vg_sinkopt *vg_sinkopt_find(const struct vg_sinkopt *tab, const char *key)
{
	for (const struct vg_sinkopt *o = tab; o && o->key; o++)
		if (!strcmp(o->key, key))
			return o;
	return NULL;
}

void vg_sinkopt_usage(const struct vg_sinkopt *o, FILE *f, int indent)
{
	char key[64];

	snprintf(key, sizeof(key), ";%s=%s", o->key, kind_name(o));
	fprintf(f, "%*s%-24s %s\n", indent, "", key, o->doc);
}

void vg_sinkopt_markdown(const struct vg_sinkopt *o, FILE *f)
{
	fprintf(f, "| `%s=%s` | ", o->key, kind_name(o));
	if (o->kind == VG_SO_ENUM)
		for (int i = 0; o->choices[i]; i++)
			fprintf(f, "%s%s", i ? ", " : "one of: ", o->choices[i]);
	fprintf(f, "%s%s |\n", o->kind == VG_SO_ENUM ? "; " : "", o->doc);
}
