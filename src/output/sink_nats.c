/* sink_nats.c — NATS JetStream, at least once, deduplicated by the stream.
 *
 *   nats://HOST:PORT[,HOST:PORT...][;stream=VIGIL;replicas=3;max_in_flight=1024]
 *
 * Subjects: vigil.<host>.event.<type>, vigil.<host>.alert, vigil.<host>.stats (the prefix is
 * an option; the host is the agent's name with '.', '*', '>' and blanks as '_'). Each
 * message carries Nats-Msg-Id = its record id, host_id:boot_id:seq, so a message sent
 * twice (its PubAck was lost, the agent restarted) is stored once within the stream's
 * duplicate window (`duplicates`, 10 min for a stream the sink creates).
 *
 * The sender publishes asynchronously (js_PublishMsgAsync) with at most max_in_flight
 * records on the wire, each kept in the spool until its PubAck; acks advance the spool's
 * ack in sequence order. A publish error, a negative or a missing PubAck (after ack_wait)
 * waits for the rest of the window to settle, then rewinds to the first record without a
 * PubAck and sends again from there, in order. While the connection is down nothing is
 * published: libnats reconnects in the background (to any server of the list) and the
 * records wait in the spool. In a cluster a PubAck means the stream's replicas have it.
 */
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host.h"
#include "output/netsink.h"
#include "output/sink.h"
#include "output/sinkopt.h"
#include "output/stats.h"
#include "rules/rules.h"

#define SERVERS_MAX 16

struct nats_opts {
	char stream[64], prefix[64], user[64], password[128], token[256];
	bool create_stream;
	uint64_t replicas, duplicates_ns, max_in_flight, ack_wait_ns, reconnect_wait_ns;
	struct vg_netsink_opts net;
};

#define STR_OPT(field) offsetof(struct nats_opts, field), sizeof(((struct nats_opts *)0)->field)

static const struct vg_sinkopt nats_options[] = {
	{ "stream", VG_SO_STR, STR_OPT(stream), NULL, "JetStream stream the subjects belong to (default VIGIL)" },
	{ "create_stream", VG_SO_BOOL, offsetof(struct nats_opts, create_stream), 0, NULL,
	  "create the stream (subjects PREFIX.>) when it does not exist (default true)" },
	{ "replicas", VG_SO_UINT, offsetof(struct nats_opts, replicas), 0, NULL,
	  "replicas of a stream it creates (default 1; 3 for a cluster)" },
	{ "duplicates", VG_SO_DURATION, offsetof(struct nats_opts, duplicates_ns), 0, NULL,
	  "duplicate window of a stream it creates (default 10m)" },
	{ "subject_prefix", VG_SO_STR, STR_OPT(prefix), NULL, "first subject token (default vigil)" },
	{ "max_in_flight", VG_SO_UINT, offsetof(struct nats_opts, max_in_flight), 0, NULL,
	  "records published and not acknowledged yet, at most (default 1024)" },
	{ "ack_wait", VG_SO_DURATION, offsetof(struct nats_opts, ack_wait_ns), 0, NULL,
	  "a PubAck missing this long means resend (default 5s)" },
	{ "reconnect_wait", VG_SO_DURATION, offsetof(struct nats_opts, reconnect_wait_ns), 0, NULL,
	  "between reconnect attempts (default 1s)" },
	{ "user", VG_SO_STR, STR_OPT(user), NULL, "user name" },
	{ "password", VG_SO_STR, STR_OPT(password), NULL, "password" },
	{ "token", VG_SO_STR, STR_OPT(token), NULL, "authentication token" },
	VG_NETSINK_OPTIONS(struct nats_opts),
	VG_SINKOPT_END,
};

enum { SENT, ACKED, FAILED };

struct flight {
	uint64_t seq, ts, bytes;
	int state;
};

struct nats_sink {
	struct nats_opts o;
	struct vg_netsink n;
	char *servers[SERVERS_MAX];
	int nservers;
	char host[256];       /* subject token */
	struct vg_buf subject; /* the loop's scratch */

	/* the sender's connection */
	natsOptions *nopts;
	natsConnection *nc;
	jsCtx *js;
	bool stream_ok;

	/* the window, shared with libnats' callback threads */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct flight *ring;
	uint64_t head, count, unresolved, bytes, max_bytes;
	bool rewind;
	atomic_uint_fast64_t duplicates, rewinds;
};

/* ---- the loop's side: subject and record ---- */

static void put(struct nats_sink *s, uint64_t ts, const char *kind, const char *type, const struct vg_buf *rec)
{
	vg_buf_reset(&s->subject);
	vg_buf_printf(&s->subject, "%s.%s.%s%s%s", s->o.prefix, s->host, kind, type ? "." : "", type ? type : "");
	vg_netsink_put(&s->n, ts, s->subject.p, s->subject.len, rec->p, rec->len);
}

static void nats_event(struct vg_sink *sk, const struct vg_event *ev)
{
	struct nats_sink *s = sk->priv;

	put(s, ev->ts_ns, "event", vg_event_name(ev->type), vg_netsink_event_json(&s->n, ev));
}

static void nats_alert(struct vg_sink *sk, const struct vg_alert *a, const struct vg_verdict *v)
{
	struct nats_sink *s = sk->priv;

	put(s, a->ev->ts_ns, "alert", NULL, vg_netsink_alert_json(&s->n, a, v));
}

static void nats_stats(struct vg_sink *sk, const struct vg_counters *c, const struct vg_stats_extra *x)
{
	struct nats_sink *s = sk->priv;

	put(s, x->wall_ns, "stats", NULL, vg_netsink_stats_json(&s->n, c, x));
}

/* ---- callbacks (libnats threads) ---- */

static struct flight *find(struct nats_sink *s, uint64_t seq)
{
	uint64_t lo = 0, hi = s->count, cap = s->o.max_in_flight;

	while (lo < hi) { /* the window holds increasing seqs */
		uint64_t mid = (lo + hi) / 2;
		struct flight *f = &s->ring[(s->head + mid) % cap];

		if (f->seq == seq)
			return f;
		if (f->seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void on_puback(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *arg)
{
	struct nats_sink *s = arg;
	const char *id = NULL, *colon;
	struct flight *f;

	if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK && (colon = strrchr(id, ':'))) {
		pthread_mutex_lock(&s->mu);
		f = find(s, strtoull(colon + 1, NULL, 10));
		if (f && f->state == SENT) {
			f->state = pa ? ACKED : FAILED;
			s->unresolved--;
			if (!pa)
				s->rewind = true;
			else if (pa->Duplicate)
				atomic_fetch_add(&s->duplicates, 1);
			pthread_cond_signal(&s->cv);
		}
		pthread_mutex_unlock(&s->mu);
		if (pae)
			vg_netsink_fail(&s->n, "publish failed: %s%s%s", natsStatus_GetText(pae->Err),
					pae->ErrText ? ": " : "", pae->ErrText ? pae->ErrText : "");
	}
	natsMsg_Destroy(msg);
}

static void on_connection(natsConnection *nc, void *arg)
{
	struct nats_sink *s = arg;
	bool up = natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED;

	atomic_store(&s->n.connected, up);
	if (!up && !atomic_load(&s->n.stopping))
		vg_netsink_fail(&s->n, "disconnected from %s", s->n.name);
	pthread_mutex_lock(&s->mu);
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *arg)
{
	vg_netsink_fail(&((struct nats_sink *)arg)->n, "%s", natsStatus_GetText(err));
}

/* ---- the sender thread ---- */

static int start_connection(struct nats_sink *s)
{
	jsOptions jo;
	natsStatus st;

	if (natsOptions_Create(&s->nopts) != NATS_OK ||
	    natsOptions_SetServers(s->nopts, (const char **)s->servers, s->nservers) != NATS_OK) {
		vg_netsink_fail(&s->n, "bad server list: %s", nats_GetLastError(NULL));
		return -1;
	}
	natsOptions_SetName(s->nopts, "vigil");
	natsOptions_SetMaxReconnect(s->nopts, -1);
	natsOptions_SetReconnectWait(s->nopts, (int64_t)(s->o.reconnect_wait_ns / 1000000));
	natsOptions_SetRetryOnFailedConnect(s->nopts, true, on_connection, s);
	natsOptions_SetDisconnectedCB(s->nopts, on_connection, s);
	natsOptions_SetReconnectedCB(s->nopts, on_connection, s);
	natsOptions_SetErrorHandler(s->nopts, on_async_error, s);
	if (s->o.user[0])
		natsOptions_SetUserInfo(s->nopts, s->o.user, s->o.password);
	if (s->o.token[0])
		natsOptions_SetToken(s->nopts, s->o.token);
	st = natsConnection_Connect(&s->nc, s->nopts);
	if (st != NATS_OK && st != NATS_NOT_YET_CONNECTED) {
		vg_netsink_fail(&s->n, "cannot connect: %s", natsStatus_GetText(st));
		return -1;
	}
	atomic_store(&s->n.connected, st == NATS_OK);
	if (st != NATS_OK)
		vg_netsink_fail(&s->n, "no server answers yet (%s)", s->n.name);
	jsOptions_Init(&jo);
	jo.PublishAsync.AckHandler = on_puback;
	jo.PublishAsync.AckHandlerClosure = s;
	jo.PublishAsync.MaxPending = (int64_t)s->o.max_in_flight + 16;
	if (natsConnection_JetStream(&s->js, s->nc, &jo) != NATS_OK) {
		vg_netsink_fail(&s->n, "no JetStream context: %s", nats_GetLastError(NULL));
		return -1;
	}
	return 0;
}

/* The stream must exist before publishing (a subject no stream binds has no responders). */
static int ensure_stream(struct nats_sink *s)
{
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	natsStatus st = js_GetStreamInfo(&si, s->js, s->o.stream, NULL, &jerr);

	if (st == NATS_NOT_FOUND && s->o.create_stream) {
		jsStreamConfig sc;
		char subj[80];
		const char *subjects[] = { subj };

		snprintf(subj, sizeof(subj), "%s.>", s->o.prefix);
		jsStreamConfig_Init(&sc);
		sc.Name = s->o.stream;
		sc.Subjects = subjects;
		sc.SubjectsLen = 1;
		sc.Storage = js_FileStorage;
		sc.Replicas = (int64_t)s->o.replicas;
		sc.Duplicates = (int64_t)s->o.duplicates_ns;
		st = js_AddStream(&si, s->js, &sc, NULL, &jerr);
		if (st == NATS_OK)
			fprintf(stderr, "vigil: sink %s: created stream %s (%s, %llu replicas)\n", s->n.name, s->o.stream,
				subj, (unsigned long long)s->o.replicas);
	}
	if (si)
		jsStreamInfo_Destroy(si);
	if (st == NATS_OK)
		return 0;
	vg_netsink_fail(&s->n, "stream %s: %s (JetStream error %d)", s->o.stream, natsStatus_GetText(st), (int)jerr);
	return -1;
}

static void wait_window(struct nats_sink *s, int ms)
{
	struct timespec ts;
	uint64_t until = vg_netsink_mono_ns() + (uint64_t)ms * 1000000ull;

	ts.tv_sec = (time_t)(until / 1000000000ull);
	ts.tv_nsec = (long)(until % 1000000000ull);
	pthread_mutex_lock(&s->mu);
	pthread_cond_timedwait(&s->cv, &s->mu, &ts);
	pthread_mutex_unlock(&s->mu);
}

/* Delivered records leave the window in sequence order; the spool's ack follows. */
static void settle(struct nats_sink *s)
{
	uint64_t done = 0, cap = s->o.max_in_flight, below, oldest = 0;

	pthread_mutex_lock(&s->mu);
	while (s->count && s->ring[s->head].state == ACKED) {
		s->bytes -= s->ring[s->head].bytes;
		s->head = (s->head + 1) % cap;
		s->count--;
		done++;
	}
	below = s->count ? s->ring[s->head].seq : UINT64_MAX;
	if (s->count)
		oldest = s->ring[s->head].ts;
	pthread_mutex_unlock(&s->mu);
	if (done) {
		atomic_fetch_add(&s->n.delivered, done);
		vg_netsink_recovered(&s->n);
	}
	vg_spool_ack(s->n.spool, below, oldest);
}

/* After a failure, once nothing is outstanding: resend from the first record without a
 * PubAck. Returns false while the window has not settled. */
static bool rewind_window(struct nats_sink *s)
{
	uint64_t from;

	pthread_mutex_lock(&s->mu);
	if (s->unresolved) {
		pthread_mutex_unlock(&s->mu);
		return false;
	}
	from = s->count ? s->ring[s->head].seq : 0;
	s->count = s->bytes = 0;
	s->rewind = false;
	pthread_mutex_unlock(&s->mu);
	if (from)
		vg_spool_rewind(s->n.spool, from);
	atomic_fetch_add(&s->rewinds, 1);
	return true;
}

static bool publish(struct nats_sink *s, const struct vg_spool_rec *r)
{
	char subject[256], id[VG_SPOOL_ID_LEN];
	natsMsg *m = NULL;
	jsPubOptions po;
	natsStatus st;
	struct flight *f;

	snprintf(subject, sizeof(subject), "%.*s", (int)r->key_len, r->key);
	vg_spool_format_id(id, r->host_id, r->boot_id, r->seq);
	if (natsMsg_Create(&m, subject, NULL, r->data, (int)r->len) != NATS_OK)
		return false;
	jsPubOptions_Init(&po);
	po.MsgId = id;
	po.MaxWait = (int64_t)(s->o.ack_wait_ns / 1000000);
	pthread_mutex_lock(&s->mu); /* in the window before the PubAck can come */
	f = &s->ring[(s->head + s->count) % s->o.max_in_flight];
	*f = (struct flight){ .seq = r->seq, .ts = r->ts_ns, .bytes = r->len, .state = SENT };
	s->count++;
	s->unresolved++;
	s->bytes += r->len;
	pthread_mutex_unlock(&s->mu);
	st = js_PublishMsgAsync(s->js, &m, &po);
	natsMsg_Destroy(m); /* NULL when libnats took it */
	if (st == NATS_OK)
		return true;
	pthread_mutex_lock(&s->mu);
	f->state = FAILED;
	s->unresolved--;
	s->rewind = true;
	pthread_mutex_unlock(&s->mu);
	vg_netsink_fail(&s->n, "publish: %s", natsStatus_GetText(st));
	return false;
}

static void *sender(void *arg)
{
	struct nats_sink *s = arg;
	unsigned attempt = 0;

	while (start_connection(s) < 0) {
		if (s->js)
			jsCtx_Destroy(s->js);
		natsConnection_Destroy(s->nc);
		natsOptions_Destroy(s->nopts);
		s->js = NULL, s->nc = NULL, s->nopts = NULL;
		if (!vg_netsink_running(&s->n))
			return NULL;
		vg_netsink_backoff(&s->n, attempt++);
	}
	while (vg_netsink_running(&s->n)) {
		struct vg_spool_rec r;
		bool room, sent = false, rewind;

		settle(s);
		vg_netsink_maintain(&s->n);
		pthread_mutex_lock(&s->mu);
		rewind = s->rewind;
		pthread_mutex_unlock(&s->mu);
		if (rewind) {
			/* JetStream-level failures (no stream yet, a leader election) retry within 2 s */
			if (rewind_window(s))
				vg_netsink_backoff(&s->n, attempt < 3 ? attempt++ : attempt);
			else
				wait_window(s, 50);
			continue;
		}
		if (!atomic_load(&s->n.connected) || natsConnection_Status(s->nc) != NATS_CONN_STATUS_CONNECTED) {
			s->stream_ok = false;
			attempt = 0; /* a server that comes back gets tried at once */
			wait_window(s, 200);
			continue;
		}
		if (!s->stream_ok && !(s->stream_ok = ensure_stream(s) == 0)) {
			vg_netsink_backoff(&s->n, attempt < 3 ? attempt++ : attempt);
			continue;
		}
		for (;;) {
			pthread_mutex_lock(&s->mu);
			room = s->count < s->o.max_in_flight && s->bytes < s->max_bytes && !s->rewind;
			pthread_mutex_unlock(&s->mu);
			if (!room || vg_spool_read(s->n.spool, &r) != 1)
				break;
			if (!publish(s, &r))
				break;
			sent = true;
		}
		if (sent) {
			attempt = 0;
			wait_window(s, 5);
		} else if (room) {
			pthread_mutex_lock(&s->mu);
			room = s->count == 0;
			pthread_mutex_unlock(&s->mu);
			if (room)
				vg_spool_wait(s->n.spool, 200); /* idle: wait for records */
			else
				wait_window(s, 50); /* waiting for PubAcks */
		} else {
			wait_window(s, 50);
		}
	}
	settle(s);
	if (s->js)
		jsCtx_Destroy(s->js);
	if (s->nc) {
		natsConnection_Close(s->nc);
		natsConnection_Destroy(s->nc);
	}
	natsOptions_Destroy(s->nopts);
	return NULL;
}

/* ---- open, counters, close ---- */

static int parse_servers(struct nats_sink *s, const char *target, char *err, size_t errlen)
{
	char list[1024], *tok, *save = NULL;

	if (strncmp(target, "//", 2) || !target[2]) {
		snprintf(err, errlen, "expected nats://HOST:PORT[,HOST:PORT...]");
		return -1;
	}
	snprintf(list, sizeof(list), "%s", target + 2);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char url[300];

		if (s->nservers == SERVERS_MAX) {
			snprintf(err, errlen, "at most %d servers", SERVERS_MAX);
			return -1;
		}
		if (!strncmp(tok, "nats://", 7))
			tok += 7;
		snprintf(url, sizeof(url), "nats://%s%s", tok, strchr(tok, ':') ? "" : ":4222");
		s->servers[s->nservers++] = strdup(url);
	}
	return 0;
}

static void free_sink(struct nats_sink *s)
{
	for (int i = 0; i < s->nservers; i++)
		free(s->servers[i]);
	free(s->ring);
	vg_buf_free(&s->subject);
	free(s);
}

static int nats_open(struct vg_sink *sk, const char *arg, char *err, size_t errlen)
{
	struct nats_sink *s = calloc(1, sizeof(*s));
	char target[1024];
	size_t k = 0;

	if (!s)
		abort();
	s->o = (struct nats_opts){ .create_stream = true, .replicas = 1, .duplicates_ns = 600000000000ull,
				   .max_in_flight = 1024, .ack_wait_ns = 5000000000ull,
				   .reconnect_wait_ns = 1000000000ull };
	snprintf(s->o.stream, sizeof(s->o.stream), "VIGIL");
	snprintf(s->o.prefix, sizeof(s->o.prefix), "vigil");
	vg_netsink_defaults(&s->o.net);
	if (vg_sinkopt_parse(nats_options, &s->o, arg, target, sizeof(target), err, errlen) < 0 ||
	    parse_servers(s, target, err, errlen) < 0)
		goto fail;
	if (!s->o.max_in_flight)
		s->o.max_in_flight = 1;
	/* a subject token cannot hold '.', '*', '>' or blanks */
	for (const char *p = vg_host_name(); *p && k < sizeof(s->host) - 1; p++)
		s->host[k++] = *p == '.' || *p == '*' || *p == '>' || *p <= ' ' || *p == 127 ? '_' : *p;
	if (!k)
		s->host[k++] = '_';
	s->ring = calloc(s->o.max_in_flight, sizeof(*s->ring));
	if (!s->ring)
		abort();
	/* in flight at most a quarter of the spool, so that evictions always have room */
	s->max_bytes = s->o.net.spool_max / 4;
	pthread_mutex_init(&s->mu, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&s->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	s->n.o = s->o.net;
	if (vg_netsink_open(&s->n, "nats", target + 2, err, errlen) < 0)
		goto fail_sync;
	snprintf(s->n.name, sizeof(s->n.name), "nats:%s", target);
	if (vg_netsink_start(&s->n, sender, s, err, errlen) < 0) {
		vg_netsink_close(&s->n);
		goto fail_sync;
	}
	sk->priv = s;
	return 0;
fail_sync:
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
fail:
	free_sink(s);
	return -1;
}

static void nats_flush(struct vg_sink *sk, uint64_t now_ns)
{
	vg_netsink_flush(&((struct nats_sink *)sk->priv)->n);
}

static void nats_counters(const struct vg_sink *sk, struct vg_sink_counters *c)
{
	vg_netsink_counters(&((struct nats_sink *)sk->priv)->n, c);
}

static void nats_detail(const struct vg_sink *sk, struct vg_buf *b)
{
	struct nats_sink *s = sk->priv;
	uint64_t in_flight;

	vg_netsink_detail(&s->n, b);
	pthread_mutex_lock(&s->mu);
	in_flight = s->count;
	pthread_mutex_unlock(&s->mu);
	vg_buf_printf(b, ",\"in_flight\":%llu,\"duplicates\":%llu,\"resends\":%llu", (unsigned long long)in_flight,
		      (unsigned long long)atomic_load(&s->duplicates), (unsigned long long)atomic_load(&s->rewinds));
}

static void nats_close(struct vg_sink *sk)
{
	struct nats_sink *s = sk->priv;

	vg_netsink_close(&s->n);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free_sink(s);
}

const struct vg_sink_type vg_sink_nats = {
	.scheme = "nats",
	.usage = "nats://H:P,.. NATS JetStream, at least once, Nats-Msg-Id host_id:boot_id:seq",
	.options = nats_options,
	.open = nats_open,
	.event = nats_event,
	.alert = nats_alert,
	.stats = nats_stats,
	.flush = nats_flush,
	.counters = nats_counters,
	.detail = nats_detail,
	.close = nats_close,
};
