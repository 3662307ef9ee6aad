/* sink.c — the registry of sink types and the set of sinks an agent runs (sink.h). */
#include <stdio.h>
#include <string.h>
#include "output/buf.h"
#include "output/json.h"
#include "output/sink.h"
#include "output/sinkopt.h"

/* Every sink type vigil has; `--sink SCHEME:ARG` picks one by scheme. */
static const struct vg_sink_type *const types[] = {
	&vg_sink_json,
	&vg_sink_text,
	&vg_sink_store,
	&vg_sink_console,
	&vg_sink_file,
	&vg_sink_syslog,
	&vg_sink_http,
	&vg_sink_https,
	&vg_sink_nats,
	&vg_sink_prometheus,
};

#define NTYPES (sizeof(types) / sizeof(types[0]))

static const struct vg_sink_type *type_of(const char *spec, const char **arg)
{
	for (size_t i = 0; i < NTYPES; i++) {
		size_t n = strlen(types[i]->scheme);

		if (strncmp(spec, types[i]->scheme, n) == 0 && (spec[n] == ':' || spec[n] == 0)) {
			*arg = spec[n] ? spec + n + 1 : "";
			return types[i];
		}
	}
	return NULL;
}

int vg_sinks_add(struct vg_sinks *set, const char *spec, const bool printed[VG_EV__COUNT],
		 const bool available[VG_EV__COUNT], char *err, size_t errlen)
{
	struct vg_sink *s;
	const char *arg;
	const struct vg_sink_type *t = type_of(spec, &arg);

	if (!t) {
		snprintf(err, errlen, "unknown sink '%s' (see `vigil run --help` for the kinds)", spec);
		return -1;
	}
	if (set->n == VG_SINKS_MAX) {
		snprintf(err, errlen, "at most %d sinks", VG_SINKS_MAX);
		return -1;
	}
	s = &set->sink[set->n];
	memset(s, 0, sizeof(*s));
	s->type = t;
	snprintf(s->spec, sizeof(s->spec), "%s", spec);
	memcpy(s->events, printed, sizeof(s->events));
	memcpy(s->available, available, sizeof(s->available));
	if (t->open(s, arg, err, errlen) < 0)
		return -1;
	set->n++;
	return 0;
}

void vg_sinks_event(struct vg_sinks *set, const struct vg_event *ev)
{
	for (int i = 0; i < set->n; i++) {
		struct vg_sink *s = &set->sink[i];

		if (s->events[ev->type]) {
			s->accepted++;
			s->type->event(s, ev);
		}
	}
}

void vg_sinks_alert(struct vg_sinks *set, const struct vg_alert *a, const struct vg_verdict *v)
{
	for (int i = 0; i < set->n; i++) {
		set->sink[i].accepted++;
		set->sink[i].type->alert(&set->sink[i], a, v);
	}
}

void vg_sinks_stats(struct vg_sinks *set, const struct vg_counters *c, const struct vg_stats_extra *x)
{
	for (int i = 0; i < set->n; i++) {
		set->sink[i].accepted++;
		set->sink[i].type->stats(&set->sink[i], c, x);
	}
}

void vg_sinks_metrics(struct vg_sinks *set, const struct vg_metrics *m)
{
	for (int i = 0; i < set->n; i++)
		if (set->sink[i].type->metrics) {
			set->sink[i].accepted++;
			set->sink[i].type->metrics(&set->sink[i], m);
		}
}

void vg_sinks_flush(struct vg_sinks *set, uint64_t now_ns)
{
	for (int i = 0; i < set->n; i++)
		set->sink[i].type->flush(&set->sink[i], now_ns);
}

void vg_sinks_reopen(struct vg_sinks *set)
{
	for (int i = 0; i < set->n; i++)
		if (set->sink[i].type->reopen)
			set->sink[i].type->reopen(&set->sink[i]);
}

void vg_sinks_drain(struct vg_sinks *set)
{
	for (int i = 0; i < set->n; i++)
		if (set->sink[i].type->drain)
			set->sink[i].type->drain(&set->sink[i]);
}

void vg_sinks_close(struct vg_sinks *set)
{
	for (int i = 0; i < set->n; i++)
		set->sink[i].type->close(&set->sink[i]);
	set->n = 0;
}

void vg_sinks_interest(const struct vg_sinks *set, bool out[VG_EV__COUNT])
{
	for (int i = 0; i < set->n; i++)
		for (unsigned t = 0; t < VG_EV__COUNT; t++)
			out[t] |= set->sink[i].events[t];
}

void vg_sink_counters(const struct vg_sink *s, struct vg_sink_counters *c)
{
	memset(c, 0, sizeof(*c));
	s->type->counters(s, c);
	c->accepted = s->accepted;
}

void vg_sinks_counters_json(const struct vg_sinks *set, struct vg_buf *b)
{
	vg_buf_puts(b, ",\"sinks\":{");
	for (int i = 0; i < set->n; i++) {
		const struct vg_sink *s = &set->sink[i];
		struct vg_sink_counters c;

		vg_sink_counters(s, &c);
		if (i)
			vg_buf_putc(b, ',');
		vg_json_cstr(b, s->spec);
		vg_buf_printf(b, ":{\"accepted\":%llu,\"delivered\":%llu,\"queued\":%llu,\"lost\":%llu,\"errors\":%llu",
			      (unsigned long long)c.accepted, (unsigned long long)c.delivered,
			      (unsigned long long)c.queued, (unsigned long long)c.lost, (unsigned long long)c.errors);
		if (s->type->detail)
			s->type->detail(s, b);
		vg_buf_putc(b, '}');
	}
	vg_buf_putc(b, '}');
}

/* An option another type's table has too, with the same meaning (the spool options). */
static bool shared(size_t type, const struct vg_sinkopt *o)
{
	for (size_t i = 0; i < NTYPES; i++) {
		const struct vg_sinkopt *other = types[i]->options != types[type]->options
							 ? vg_sinkopt_find(types[i]->options, o->key)
							 : NULL;

		if (other && !strcmp(other->doc, o->doc))
			return true;
	}
	return false;
}

void vg_sinks_usage(FILE *f)
{
	const struct vg_sinkopt *common = NULL;
	size_t common_type = 0;

	for (size_t i = 0; i < NTYPES; i++) {
		size_t same = i;

		fprintf(f, "                         %s\n", types[i]->usage);
		while (same-- > 0 && types[same]->options != types[i]->options)
			;
		if (same < i && types[i]->options) {
			fprintf(f, "                           the same options as %s\n", types[same]->scheme);
			continue;
		}
		for (const struct vg_sinkopt *o = types[i]->options; o && o->key; o++) {
			if (!shared(i, o))
				vg_sinkopt_usage(o, f, 27);
			else if (!common)
				common = types[i]->options, common_type = i;
		}
	}
	if (!common)
		return;
	fputs("                         every network sink (syslog, http, https, nats) also takes:\n", f);
	for (const struct vg_sinkopt *o = common; o->key; o++)
		if (shared(common_type, o))
			vg_sinkopt_usage(o, f, 27);
}

int vg_sinks_options_markdown(FILE *f, const char *scheme)
{
	bool network = !strcmp(scheme, "network");

	for (size_t i = 0; i < NTYPES; i++) {
		bool any = false;

		if (!network && strcmp(types[i]->scheme, scheme))
			continue;
		for (const struct vg_sinkopt *o = types[i]->options; o && o->key; o++) {
			if (shared(i, o) != network)
				continue;
			if (!any)
				fputs("| option | |\n|---|---|\n", f);
			any = true;
			vg_sinkopt_markdown(o, f);
		}
		if (!network && !any)
			fputs("(no options)\n", f);
		if (!network || any)
			return 0;
	}
	return -1;
}

int vg_sinks_check(const char *spec, char *err, size_t errlen)
{
	const char *arg;
	const struct vg_sink_type *t = type_of(spec, &arg);

	if (!t) {
		snprintf(err, errlen, "unknown sink '%s' (see `vigil run --help` for the kinds)", spec);
		return -1;
	}
	return vg_sinkopt_check(t->options, arg, err, errlen);
}
