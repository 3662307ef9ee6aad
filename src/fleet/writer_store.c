/* writer_store.c — many hosts' records into the SQLite evidence store (src/store/):
 *
 *   vigil collect --nats URL --store PATH[,max-bytes=SIZE,max-age=DURATION,window=DURATION]
 *
 * The store a small fleet needs: one file where `vigil incidents`, `vigil show` and
 * `vigil query` work across hosts. Each record is turned back from the JSON its agent
 * sent into the store's batch records (store/batch.h): its process image, its event with
 * the keys the writer resolves (paths and inode, 5-tuple), its alert with the evidence.
 * Each host boot (host_id:boot_id of the record ids) has its own store writer, so that
 * process, file and flow rows, and the writer's caches, stay per host (two agents on one
 * machine see the same exec_ids); a commit applies each host's batch in a transaction of
 * its own. The writer deduplicates: a record's sequence number is kept per host boot in
 * the same transaction as its rows (the `collected` table), so a message JetStream
 * delivers again, or a commit retried after a partial failure, stores nothing twice.
 * Retention (retention.h, the agent's store's budgets and defaults) runs between commits.
 *
 * What the JSON does not carry is approximated: a process's exec time is the boot time
 * its exec_id names turned into wall time with the offset the host's own exec events
 * show (else the time the process was first seen), its argv its cmdline split at spaces,
 * and it has no login session (incidents scope fleet processes by container and tree).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include "event.h"
#include "fleet/writer.h"
#include "fleet/record.h"
#include "incident/tactics.h"
#include "output/json.h"
#include "proc/proctable.h"
#include "rules/rules.h"
#include "store/batch.h"
#include "store/internal.h"
#include "store/retention.h"
#include "store/runs.h"
#include "store/write.h"

#define RETENTION_EVERY_NS 1000000000ull
/* A host boot that sent nothing for this long gives its writer's caches back (a host
 * rebooted, or gone); a record from it later makes a new one. */
#define IDLE_HOST_NS (10 * 60 * 1000000000ull)

struct host_slot {
	char key[256]; /* host_id:boot_id */
	struct st_writer *w;
	struct st_batch *b;
	int64_t boot_to_wall; /* wall - boot ns, learned from an exec; 0: not yet */
	uint64_t last_record; /* wall ns the collector last had a record of it */
	UT_hash_handle hh;
};

struct vg_fleet_writer {
	struct vg_store *st;
	struct st_run run;
	struct st_retention retention;
	uint64_t next_retention;
	struct host_slot *hosts;
	uint64_t pending, stored, unreadable;
	uint64_t duplicates_retired; /* of the writers of idle hosts, freed */
};

static struct vg_fleet_writer *store_open(const char *target, char *err, size_t errlen)
{
	struct vg_fleet_writer *w = calloc(1, sizeof(*w));
	struct vg_store_spec spec;
	char text[4096];

	if (!w)
		abort();
	snprintf(text, sizeof(text), "%s", target);
	if (vg_store_spec_parse(text, false, &spec, err, errlen) < 0 ||
	    !(w->st = vg_store_open(spec.path, VG_STORE_WRITE, err, errlen))) {
		free(w);
		return NULL;
	}
	if (st_run_begin(w->st, &w->run, err, errlen) < 0) {
		vg_store_close(w->st);
		free(w);
		return NULL;
	}
	w->retention.max_bytes = spec.max_bytes;
	w->retention.max_age_ns = spec.max_age_ns;
	vg_store_meta_set_int(w->st, "incident_window_ns", (int64_t)spec.window_ns);
	w->st->window_ns = spec.window_ns;
	st_batch_init_fields();
	return w;
}

static struct host_slot *slot_of(struct vg_fleet_writer *w, const struct vg_fleet_record *r)
{
	struct st_host host = { r->host_id, r->boot_id, r->host };
	struct host_slot *h;
	char key[256];

	snprintf(key, sizeof(key), "%s:%s", r->host_id, r->boot_id);
	HASH_FIND_STR(w->hosts, key, h);
	if (h)
		return h;
	if (!(h = calloc(1, sizeof(*h))))
		abort();
	snprintf(h->key, sizeof(h->key), "%s", key);
	h->w = st_writer_new(w->st, w->run.id, &host);
	h->b = st_batch_new();
	if (!h->w)
		abort();
	HASH_ADD_STR(w->hosts, key, h);
	return h;
}

/* ---- JSON members ---------------------------------------------------------------- */

static const char *str_at(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s && *s ? s : NULL;
}

static int64_t int_at(json_t *obj, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(obj, key));
}

static struct st_str put_s(struct st_batch *b, const char *s)
{
	return st_batch_put(b, s, s ? strlen(s) : 0);
}

/* The boot ns an exec_id ("BOOTNS-PID") names, 0 if none. */
static uint64_t exec_id_boot_ns(const char *exec_id)
{
	return exec_id ? strtoull(exec_id, NULL, 10) : 0;
}

/* argv as a JSON array, from the cmdline its words joined with spaces. */
static struct st_str argv_of(struct st_batch *b, const char *cmdline)
{
	size_t mark = b->text.len;
	bool first = true;

	vg_buf_putc(&b->text, '[');
	for (const char *p = cmdline ? cmdline : ""; *p;) {
		size_t n = strcspn(p, " ");

		if (n) {
			if (!first)
				vg_buf_putc(&b->text, ',');
			vg_json_str(&b->text, p, n);
			first = false;
		}
		p += n + (p[n] == ' ');
	}
	vg_buf_putc(&b->text, ']');
	return st_batch_since(b, mark);
}

/* The process image of an event (its "proc" and "container" members) in the batch. */
static uint32_t proc_of(struct host_slot *h, json_t *ev, uint64_t ts, bool exec_ok)
{
	json_t *p = json_object_get(ev, "proc"), *anc = json_object_get(p, "ancestors"), *c, *a;
	const char *exec_id = str_at(p, "exec_id");
	struct vg_ancestor chain[VG_ANCESTORS];
	struct st_batch *b = h->b;
	char made[VG_EXEC_ID_LEN];
	uint64_t boot;
	struct st_proc *r;
	size_t mark, i;
	uint32_t idx;
	bool fresh;
	int n = 0;

	if (!exec_id) { /* a process known only by pid: named the way a fork names it */
		snprintf(made, sizeof(made), "0-%lld", (long long)int_at(p, "pid"));
		exec_id = made;
	}
	boot = exec_id_boot_ns(exec_id);
	if (exec_ok && boot && ts > boot)
		h->boot_to_wall = (int64_t)(ts - boot);
	idx = st_batch_proc(b, exec_id, &fresh);
	if (!fresh)
		return idx;
	r = &b->recs[idx].proc;
	r->kind = exec_ok ? 'e' : 'f';
	r->parent_exec_id = put_s(b, str_at(p, "parent_exec_id"));
	r->pid = (int32_t)int_at(p, "pid");
	r->ppid = (int32_t)int_at(p, "ppid");
	r->pgid = (int32_t)int_at(p, "pgid");
	r->sid = (int32_t)int_at(p, "sid");
	r->uid = (uint32_t)int_at(p, "uid");
	r->euid = (uint32_t)int_at(p, "euid");
	r->gid = (uint32_t)int_at(p, "gid");
	r->auid = (uint32_t)int_at(p, "auid");
	r->user = put_s(b, str_at(p, "user"));
	r->comm = put_s(b, str_at(p, "comm"));
	r->exe = put_s(b, str_at(p, "exe"));
	r->argv = argv_of(b, str_at(p, "cmdline"));
	r->cwd = put_s(b, str_at(p, "cwd"));
	r->tty = put_s(b, str_at(p, "tty"));
	c = json_object_get(ev, "container");
	r->container = json_is_true(json_object_get(c, "in_host")) ? (struct st_str){ 0, 0 } : put_s(b, str_at(c, "id"));
	r->ssh = put_s(b, str_at(p, "ssh_connection"));
	r->ld_preload = put_s(b, str_at(p, "ld_preload"));
	mark = b->text.len;
	vg_buf_putc(&b->text, '[');
	json_array_foreach(anc, i, a) {
		if (n == VG_ANCESTORS)
			break;
		chain[n].pid = (int)int_at(a, "pid");
		snprintf(chain[n].comm, sizeof(chain[n].comm), "%s", str_at(a, "comm") ? str_at(a, "comm") : "");
		snprintf(chain[n].exec_id, sizeof(chain[n].exec_id), "%s", str_at(a, "exec_id") ? str_at(a, "exec_id") : "");
		chain[n].exe = NULL;
		if (n)
			vg_buf_putc(&b->text, ',');
		vg_json_cstr(&b->text, chain[n].exec_id);
		n++;
	}
	vg_buf_putc(&b->text, ']');
	r->ancestry = st_batch_since(b, mark);
	r->tree = put_s(b, st_tree_root(exec_id, chain, n));
	r->exec_time = r->started = boot && h->boot_to_wall ? boot + (uint64_t)h->boot_to_wall : ts;
	return idx;
}

/* Members every event has; the rest are its own fields. */
static bool common_member(const char *key)
{
	static const char *const common[] = { "record_id", "kind", "ts", "seq", "cpu", "event", "id", "host",
					      "tid", "ret", "proc", "container", "compat32", "killed" };

	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (!strcmp(key, common[i]))
			return true;
	return false;
}

static const char *member_str(json_t *ev, const char *obj, const char *key)
{
	return str_at(json_object_get(ev, obj), key);
}

static void ip_into(char *out, size_t len, const char *ip)
{
	snprintf(out, len, "%s", ip ? ip : "");
}

/* The event ev into rec (ST_EVENT or ST_EVIDENCE): false when it is not an event this
 * build knows. */
static bool fill_event(struct host_slot *h, struct st_event *e, json_t *ev)
{
	struct st_batch *b = h->b;
	const char *type = str_at(ev, "event"), *key;
	json_t *net = json_object_get(ev, "net"), *file = json_object_get(ev, "file"), *v;
	uint64_t ts;
	size_t mark;
	int t;

	if (!type || (t = vg_event_by_name(type)) < 0 || !str_at(ev, "ts") || !vg_fleet_parse_time(str_at(ev, "ts"), &ts))
		return false;
	e->type = (uint16_t)t;
	e->ts = ts;
	e->seq = (uint64_t)int_at(ev, "seq");
	e->cpu = (uint32_t)int_at(ev, "cpu");
	e->ret = (int32_t)int_at(ev, "ret");
	e->proc = proc_of(h, ev, ts, t == VG_EV_EXEC && e->ret == 0);
	mark = b->text.len;
	vg_buf_putc(&b->text, '{');
	json_object_foreach(ev, key, v) {
		char *text;

		if (common_member(key))
			continue;
		if (!(text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)))
			continue;
		if (b->text.len > mark + 1)
			vg_buf_putc(&b->text, ',');
		vg_json_cstr(&b->text, key);
		vg_buf_putc(&b->text, ':');
		vg_buf_puts(&b->text, text);
		free(text);
	}
	vg_buf_putc(&b->text, '}');
	e->fields = st_batch_since(b, mark);
	if (t == VG_EV_EXEC) {
		json_t *x = json_object_get(ev, "exec");

		e->path = e->ret == 0 ? put_s(b, member_str(ev, "proc", "exe")) : put_s(b, str_at(file, "path"));
		e->dev = (uint64_t)int_at(x, "exe_dev");
		e->ino = (uint64_t)int_at(x, "exe_ino");
	} else {
		const char *path = str_at(file, "path");

		e->path = put_s(b, path ? path : member_str(ev, "module", "path"));
		e->newpath = put_s(b, str_at(file, "newpath"));
		e->dev = (uint64_t)int_at(file, "dev");
		e->ino = (uint64_t)int_at(file, "ino");
		e->symlink = json_is_true(json_object_get(file, "symlink"));
		e->write_open = t == VG_EV_OPEN && (int_at(file, "flags") & 3) != 0; /* O_WRONLY, O_RDWR */
	}
	e->exit_code = (int32_t)int_at(json_object_get(ev, "exit"), "code");
	if (net && (str_at(net, "sip") || str_at(net, "dip"))) {
		e->has_flow = true;
		snprintf(e->proto, sizeof(e->proto), "%s", str_at(net, "proto") ? str_at(net, "proto") : "");
		ip_into(e->sip, sizeof(e->sip), str_at(net, "sip"));
		ip_into(e->dip, sizeof(e->dip), str_at(net, "dip"));
		e->sport = (int32_t)int_at(net, "sport");
		e->dport = (int32_t)int_at(net, "dport");
	}
	return true;
}

static bool add_alert(struct host_slot *h, json_t *al, uint64_t seq)
{
	struct st_batch *b = h->b;
	json_t *evidence = json_object_get(al, "events"), *ev, *tags = json_object_get(al, "tags"), *tag;
	const char *rule = str_at(al, "rule"), *exec_id = str_at(al, "exec_id"), *tag_list[64];
	int prio = str_at(al, "priority") ? vg_priority_parse(str_at(al, "priority")) : -1;
	int action = str_at(al, "action") ? vg_action_parse(str_at(al, "action")) : VG_ACTION_ALERT;
	uint32_t nevidence = 0, proc = UINT32_MAX;
	struct st_alert *a;
	struct st_rec *r;
	size_t i, mark;
	int ntags = 0;
	uint64_t ts;

	if (!rule || prio < 0 || action < 0 || !vg_fleet_parse_time(str_at(al, "ts") ? str_at(al, "ts") : "", &ts))
		return false;
	json_array_foreach(evidence, i, ev) {
		struct st_event e = { 0 };

		if (!fill_event(h, &e, ev))
			continue;
		r = st_batch_add(b, ST_EVIDENCE);
		r->ev = e;
		nevidence++;
		if (exec_id && !strcmp(member_str(ev, "proc", "exec_id") ? member_str(ev, "proc", "exec_id") : "", exec_id))
			proc = e.proc;
	}
	if (proc == UINT32_MAX && nevidence)
		proc = b->recs[b->n - 1].ev.proc;
	if (proc == UINT32_MAX)
		return false; /* no process to file it on */
	r = st_batch_add(b, ST_ALERT);
	r->record_seq = seq;
	a = &r->alert;
	a->ts = ts;
	a->rule = put_s(b, rule);
	a->priority = prio;
	mark = b->text.len;
	vg_buf_putc(&b->text, '[');
	json_array_foreach(tags, i, tag) {
		if (!json_is_string(tag))
			continue;
		if (ntags < (int)(sizeof(tag_list) / sizeof(tag_list[0])))
			tag_list[ntags++] = json_string_value(tag);
		if (b->text.len > mark + 1)
			vg_buf_putc(&b->text, ',');
		vg_json_cstr(&b->text, json_string_value(tag));
	}
	vg_buf_putc(&b->text, ']');
	a->tags = st_batch_since(b, mark);
	a->tactics = vg_tactic_mask(tag_list, ntags);
	a->desc = put_s(b, str_at(al, "desc"));
	a->output = put_s(b, str_at(al, "output"));
	a->action = action;
	a->killed = json_is_true(json_object_get(al, "killed"));
	a->denied = json_is_true(json_object_get(al, "denied"));
	a->proc = proc;
	a->nevidence = nevidence;
	b->records++;
	return true;
}

static int store_add(struct vg_fleet_writer *w, const struct vg_fleet_record *r)
{
	struct host_slot *h = slot_of(w, r);
	json_t *root = json_loadb(r->json, r->len, 0, NULL);
	bool ok = false;

	h->last_record = vg_store_now_ns();
	if (root && !strcmp(r->kind, "event")) {
		struct st_event e = { 0 };

		if ((ok = fill_event(h, &e, root))) {
			struct st_rec *rec = st_batch_add(h->b, ST_EVENT);

			rec->ev = e;
			rec->record_seq = r->seq;
			h->b->records++;
		}
	} else if (root && !strcmp(r->kind, "alert")) {
		ok = add_alert(h, root, r->seq);
	} else if (root) {
		struct st_rec *rec = st_batch_add(h->b, ST_STATS);

		rec->stats = st_batch_put(h->b, r->json, r->len);
		rec->record_seq = r->seq;
		h->b->records++;
		ok = true;
	}
	json_decref(root);
	if (!ok) {
		if (!w->unreadable++)
			fprintf(stderr, "vigil collect: record %s (%s) is not one this build can store (an event type it "
					"does not know, an alert without rule, priority or process); skipped, counted as "
					"unreadable\n", r->record_id, r->kind);
		return -1;
	}
	w->pending++;
	return 0;
}

/* Each host's batch in its own transaction; a host whose batch is stored is not written
 * again on a retry (and would change nothing if it were: the sequence numbers are kept). */
static int store_commit(struct vg_fleet_writer *w, char *err, size_t errlen)
{
	struct host_slot *h, *tmp;

	HASH_ITER(hh, w->hosts, h, tmp) {
		if (!h->b->n)
			continue;
		if (st_writer_apply(h->w, (const struct st_batch *const[]){ h->b }, 1) < 0) {
			snprintf(err, errlen, "store %s: a batch of host %s failed: %s", vg_store_path(w->st), h->key,
				 sqlite3_errmsg(vg_store_db(w->st)));
			return -1;
		}
		w->run.counts->accepted += h->b->records;
		st_batch_reset(h->b);
	}
	HASH_ITER(hh, w->hosts, h, tmp)
		if (vg_store_now_ns() > h->last_record + IDLE_HOST_NS) {
			w->duplicates_retired += st_writer_duplicates(h->w);
			HASH_DEL(w->hosts, h);
			st_writer_free(h->w);
			st_batch_free(h->b);
			free(h);
		}
	w->stored += w->pending;
	w->pending = 0;
	if (vg_store_now_ns() >= w->next_retention) {
		if (st_retention_run(w->st, &w->retention, vg_store_now_ns()))
			HASH_ITER(hh, w->hosts, h, tmp)
				st_writer_forget(h->w);
		w->next_retention = vg_store_now_ns() + RETENTION_EVERY_NS;
	}
	return 0;
}

static void store_stats(struct vg_fleet_writer *w, struct vg_buf *b)
{
	uint64_t dup = w->duplicates_retired;
	struct host_slot *h, *tmp;

	HASH_ITER(hh, w->hosts, h, tmp)
		dup += st_writer_duplicates(h->w);
	vg_buf_printf(b, ",\"records\":%llu,\"duplicates\":%llu,\"unreadable\":%llu,\"hosts\":%u,"
		      "\"retention\":{\"events_by_age\":%llu,\"events_by_size\":%llu,\"incidents_by_age\":%llu}",
		      (unsigned long long)w->stored, (unsigned long long)dup, (unsigned long long)w->unreadable,
		      HASH_COUNT(w->hosts), (unsigned long long)w->retention.events_by_age,
		      (unsigned long long)w->retention.events_by_size, (unsigned long long)w->retention.incidents_by_age);
}

static void store_close(struct vg_fleet_writer *w)
{
	struct host_slot *h, *tmp;

	HASH_ITER(hh, w->hosts, h, tmp) {
		HASH_DEL(w->hosts, h);
		st_writer_free(h->w);
		st_batch_free(h->b);
		free(h);
	}
	st_run_end(w->st, &w->run);
	vg_store_close(w->st);
	free(w);
}

const struct vg_fleet_writer_type vg_fleet_store = {
	.name = "store",
	.open = store_open,
	.add = store_add,
	.commit = store_commit,
	.stats = store_stats,
	.close = store_close,
};
