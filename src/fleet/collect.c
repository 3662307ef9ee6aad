/* collect.c — the JetStream consumer behind `vigil collect` (collect.h). */
#include <nats/nats.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "fleet/collect.h"
#include "fleet/record.h"
#include "output/buf.h"
#include "output/json.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap(double s)
{
	double until = now_s() + s;

	while (!stop && now_s() < until)
		usleep(20000);
}

struct collector {
	const struct vg_collect_opts *o;
	struct vg_fleet_writer *w;
	natsOptions *nopts;
	natsConnection *nc;
	jsCtx *js;
	natsSubscription *sub;
	FILE *stats_to;
	uint64_t fetched, stored, malformed, redelivered, commits, commit_errors, acks;
	double started, first_msg, last_commit; /* busy_s: from the first message to the last commit */
	char last_error[300];
};

int vg_collect_servers(struct vg_collect_opts *o, const char *url)
{
	char list[1024], *tok, *save = NULL;

	if (strncmp(url, "nats://", 7))
		return -1;
	snprintf(list, sizeof(list), "%s", url + 7);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char one[300];

		if (o->nservers == VG_COLLECT_SERVERS || !*tok)
			return -1;
		if (!strncmp(tok, "nats://", 7))
			tok += 7;
		snprintf(one, sizeof(one), "nats://%s%s", tok, strchr(tok, ':') ? "" : ":4222");
		o->servers[o->nservers++] = strdup(one);
	}
	return o->nservers ? 0 : -1;
}

/* An error said once until it changes (a broker down for a minute is one line). */
static void say(struct collector *c, const char *msg)
{
	if (strcmp(c->last_error, msg)) {
		fprintf(stderr, "vigil collect: %s\n", msg);
		snprintf(c->last_error, sizeof(c->last_error), "%s", msg);
	}
}

static void print_stats(struct collector *c, bool final)
{
	struct vg_buf b = { 0 };
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	vg_buf_puts(&b, "{\"kind\":\"collect_stats\",\"ts\":");
	vg_json_time(&b, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
	vg_buf_printf(&b,
		      ",\"final\":%s,\"uptime_s\":%.3f,\"busy_s\":%.3f,\"fetched\":%llu,\"stored\":%llu,\"malformed\":%llu,"
		      "\"redelivered\":%llu,\"commits\":%llu,\"commit_errors\":%llu,\"acks\":%llu,\"writer\":{\"type\":\"%s\"",
		      final ? "true" : "false", now_s() - c->started,
		      c->first_msg ? c->last_commit - c->first_msg : 0.0, (unsigned long long)c->fetched,
		      (unsigned long long)c->stored, (unsigned long long)c->malformed, (unsigned long long)c->redelivered,
		      (unsigned long long)c->commits, (unsigned long long)c->commit_errors, (unsigned long long)c->acks,
		      c->o->writer->name);
	c->o->writer->stats(c->w, &b);
	vg_buf_puts(&b, "}}\n");
	fputs(b.p, c->stats_to);
	fflush(c->stats_to);
	vg_buf_free(&b);
}

static int connect_nats(struct collector *c)
{
	natsStatus st;

	if (natsOptions_Create(&c->nopts) != NATS_OK ||
	    natsOptions_SetServers(c->nopts, (const char **)c->o->servers, c->o->nservers) != NATS_OK) {
		fprintf(stderr, "vigil collect: bad server list: %s\n", nats_GetLastError(NULL));
		return -1;
	}
	natsOptions_SetName(c->nopts, "vigil-collect");
	natsOptions_SetMaxReconnect(c->nopts, -1);
	natsOptions_SetReconnectWait(c->nopts, 500);
	/* no server at start is retried here, so that SIGINT stays possible; once connected,
	 * libnats reconnects to any server of the list by itself */
	while ((st = natsConnection_Connect(&c->nc, c->nopts)) != NATS_OK) {
		say(c, "no NATS server answers yet; retrying");
		nap(1);
		if (stop)
			return -1;
	}
	if (natsConnection_JetStream(&c->js, c->nc, NULL) != NATS_OK) {
		fprintf(stderr, "vigil collect: no JetStream context: %s\n", nats_GetLastError(NULL));
		return -1;
	}
	return 0;
}

/* The stream (created like the agents' sink creates it, when missing) and the durable
 * consumer; retried while a cluster elects its leaders. */
static int subscribe(struct collector *c)
{
	jsStreamInfo *si = NULL;
	jsSubOptions so;
	jsErrCode jerr = 0;
	natsStatus st;
	char msg[300];

	st = js_GetStreamInfo(&si, c->js, c->o->stream, NULL, &jerr);
	if (st == NATS_NOT_FOUND) {
		jsStreamConfig sc;
		char subj[80];
		const char *subjects[] = { subj };

		snprintf(subj, sizeof(subj), "%s", c->o->subject);
		jsStreamConfig_Init(&sc);
		sc.Name = c->o->stream;
		sc.Subjects = subjects;
		sc.SubjectsLen = 1;
		sc.Storage = js_FileStorage;
		sc.Replicas = (int64_t)c->o->replicas;
		sc.Duplicates = 600000000000ll;
		st = js_AddStream(&si, c->js, &sc, NULL, &jerr);
	}
	if (si)
		jsStreamInfo_Destroy(si);
	if (st != NATS_OK) {
		snprintf(msg, sizeof(msg), "stream %s: %s (JetStream error %d); retrying", c->o->stream,
			 natsStatus_GetText(st), (int)jerr);
		say(c, msg);
		return -1;
	}
	jsSubOptions_Init(&so);
	so.Stream = c->o->stream;
	so.Config.Durable = c->o->durable;
	so.Config.AckPolicy = js_AckExplicit;
	so.Config.AckWait = 60000000000ll;
	so.Config.MaxAckPending = 4 * c->o->batch;
	so.Config.DeliverPolicy = js_DeliverAll;
	st = js_PullSubscribe(&c->sub, c->js, c->o->subject, c->o->durable, NULL, &so, &jerr);
	if (st != NATS_OK) {
		snprintf(msg, sizeof(msg), "consumer %s on %s: %s (JetStream error %d); retrying", c->o->durable,
			 c->o->stream, natsStatus_GetText(st), (int)jerr);
		say(c, msg);
		return -1;
	}
	fprintf(stderr, "vigil collect: consuming %s from stream %s as %s into %s %s\n", c->o->subject, c->o->stream,
		c->o->durable, c->o->writer->name, c->o->target);
	c->last_error[0] = 0;
	return 0;
}

/* Commits until it works (or a stop), keeping the batch's messages in progress meanwhile. */
static bool commit(struct collector *c, natsMsgList *list)
{
	char err[400];
	double delay = 0.5;

	for (;;) {
		c->commits++;
		if (c->o->writer->commit(c->w, err, sizeof(err)) == 0) {
			c->last_error[0] = 0;
			c->last_commit = now_s();
			return true;
		}
		c->commit_errors++;
		say(c, err);
		if (stop)
			return false;
		for (int i = 0; i < list->Count; i++)
			if (list->Msgs[i])
				natsMsg_InProgress(list->Msgs[i], NULL);
		nap(delay);
		if (delay < 4)
			delay *= 2;
	}
}

static void handle(struct collector *c, natsMsgList *list)
{
	struct vg_fleet_strings strs;
	int added = 0;

	if (!c->first_msg)
		c->first_msg = now_s();
	for (int i = 0; i < list->Count; i++) {
		natsMsg *m = list->Msgs[i];
		struct vg_fleet_record r;
		jsMsgMetaData *meta = NULL;
		const char *why;

		c->fetched++;
		if (natsMsg_GetMetaData(&meta, m) == NATS_OK) {
			c->redelivered += meta->NumDelivered > 1;
			jsMsgMetaData_Destroy(meta);
		}
		if (!vg_fleet_parse(&r, &strs, natsMsg_GetSubject(m), natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m),
				    &why)) {
			if (!c->malformed++)
				fprintf(stderr, "vigil collect: %s: not a vigil record (%s); terminated, counted as malformed\n",
					natsMsg_GetSubject(m), why);
			natsMsg_Term(m, NULL);
			natsMsg_Destroy(m);
			list->Msgs[i] = NULL;
			continue;
		}
		c->o->writer->add(c->w, &r);
		added++;
	}
	if (!added || !commit(c, list))
		return;
	c->stored += (uint64_t)added;
	for (int i = 0; i < list->Count; i++)
		if (list->Msgs[i] && natsMsg_Ack(list->Msgs[i], NULL) == NATS_OK)
			c->acks++;
}

int vg_collect_run(const struct vg_collect_opts *o)
{
	struct collector c = { .o = o, .started = now_s() };
	struct sigaction sa = { .sa_handler = on_signal };
	char err[300];
	double last_msg, next_stats;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	c.stats_to = o->writer == &vg_fleet_jsonl && !strcmp(o->target, "-") ? stderr : stdout;
	c.w = o->writer->open(o->target, err, sizeof(err));
	if (!c.w) {
		fprintf(stderr, "vigil collect: %s\n", err);
		return 1;
	}
	if (connect_nats(&c) < 0) {
		o->writer->close(c.w);
		return stop ? 0 : 1;
	}
	while (!stop && subscribe(&c) < 0)
		nap(1);
	last_msg = now_s();
	next_stats = now_s() + o->stats_interval;
	while (!stop && c.sub) {
		natsMsgList list = { 0 };
		jsErrCode jerr = 0;
		natsStatus st = natsSubscription_Fetch(&list, c.sub, o->batch, 500, &jerr);
		double t = now_s();

		if (st == NATS_OK) {
			handle(&c, &list);
			last_msg = t;
		} else if (st != NATS_TIMEOUT) {
			snprintf(err, sizeof(err), "fetch: %s (JetStream error %d); retrying", natsStatus_GetText(st), (int)jerr);
			say(&c, err);
			nap(0.5);
		}
		natsMsgList_Destroy(&list);
		if (o->duration > 0 && t - c.started >= o->duration)
			break;
		if (o->idle > 0 && t - last_msg >= o->idle)
			break;
		if (o->stats_interval > 0 && t >= next_stats) {
			print_stats(&c, false);
			next_stats = t + o->stats_interval;
		}
	}
	if (c.nc)
		natsConnection_FlushTimeout(c.nc, 2000); /* the last acks */
	print_stats(&c, true);
	if (c.sub)
		natsSubscription_Destroy(c.sub);
	if (c.js)
		jsCtx_Destroy(c.js);
	if (c.nc) {
		natsConnection_Close(c.nc);
		natsConnection_Destroy(c.nc);
	}
	natsOptions_Destroy(c.nopts);
	o->writer->close(c.w);
	return 0;
}
