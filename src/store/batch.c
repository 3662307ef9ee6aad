/* batch.c — copying events and alerts into a batch (batch.h), on the agent's thread. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "decode/fields.h"
#include "incident/tactics.h"
#include "output/json.h"
#include "proc/proctable.h"
#include "proc/users.h"
#include "rules/rules.h"
#include "store/batch.h"

static const struct vg_field *f_path, *f_newpath, *f_dev, *f_ino, *f_symlink, *f_flags, *f_exe_dev,
	*f_exe_ino, *f_proto, *f_sip, *f_sport, *f_dip, *f_dport, *f_exit_code, *f_module_path;

void st_batch_init_fields(void)
{
	f_path = vg_field_find("file.path");
	f_newpath = vg_field_find("file.newpath");
	f_dev = vg_field_find("file.dev");
	f_ino = vg_field_find("file.ino");
	f_symlink = vg_field_find("file.symlink");
	f_flags = vg_field_find("file.flags");
	f_exe_dev = vg_field_find("exec.exe_dev");
	f_exe_ino = vg_field_find("exec.exe_ino");
	f_proto = vg_field_find("net.proto");
	f_sip = vg_field_find("net.sip");
	f_sport = vg_field_find("net.sport");
	f_dip = vg_field_find("net.dip");
	f_dport = vg_field_find("net.dport");
	f_exit_code = vg_field_find("exit.code");
	f_module_path = vg_field_find("module.path");
}

struct st_batch *st_batch_new(void)
{
	struct st_batch *b = calloc(1, sizeof(*b));

	if (!b) {
		fputs("vigil: out of memory\n", stderr);
		abort();
	}
	return b;
}

void st_batch_reset(struct st_batch *b)
{
	b->next = NULL;
	b->n = 0;
	vg_buf_reset(&b->text);
	b->records = b->bytes = b->born_ns = 0;
	if (b->procs)
		memset(b->procs, 0, b->proc_slots * sizeof(*b->procs));
	b->nprocs = 0;
}

void st_batch_free(struct st_batch *b)
{
	if (!b)
		return;
	free(b->recs);
	free(b->procs);
	vg_buf_free(&b->text);
	free(b);
}

struct st_rec *st_batch_add(struct st_batch *b, enum st_kind kind)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		b->recs = realloc(b->recs, b->cap * sizeof(*b->recs));
		if (!b->recs) {
			fputs("vigil: out of memory\n", stderr);
			abort();
		}
	}
	memset(&b->recs[b->n], 0, sizeof(b->recs[0]));
	b->recs[b->n].kind = kind;
	b->bytes += sizeof(b->recs[0]);
	return &b->recs[b->n++];
}

struct st_str st_batch_put(struct st_batch *b, const char *p, size_t len)
{
	struct st_str s = { (uint32_t)b->text.len, (uint32_t)len };

	if (!p || !len)
		return (struct st_str){ 0, 0 };
	vg_buf_put(&b->text, p, len);
	vg_buf_putc(&b->text, 0);
	b->bytes += len + 1;
	return s;
}

static struct st_str put_c(struct st_batch *b, const char *s)
{
	return st_batch_put(b, s, s ? strlen(s) : 0);
}

/* The bytes appended to the text buffer since mark, as one string. */
struct st_str st_batch_since(struct st_batch *b, size_t mark)
{
	struct st_str s = { (uint32_t)mark, (uint32_t)(b->text.len - mark) };

	vg_buf_putc(&b->text, 0);
	b->bytes += s.len + 1;
	return s;
}

static const char *const tree_roots[] = {
	"systemd", "init", "sshd", "cron", "crond", "atd", "anacron", "login", "containerd-shim",
	"containerd-shim-runc-v2", "containerd-shim-runc-v1", "conmon", "runc", "crun", "kthreadd",
};

static bool is_root(int pid, const char *comm)
{
	if (pid <= 2)
		return true;
	for (size_t i = 0; i < sizeof(tree_roots) / sizeof(tree_roots[0]); i++)
		if (strcmp(comm, tree_roots[i]) == 0)
			return true;
	return false;
}

const char *st_tree_root(const char *self_exec_id, const struct vg_ancestor *anc, int nanc)
{
	const char *below = self_exec_id;

	for (int i = 0; i < nanc; i++) {
		if (is_root(anc[i].pid, anc[i].comm))
			return below;
		below = anc[i].exec_id;
	}
	return below;
}

/* 32-bit FNV-1a of an exec_id, for the batch's process index. */
static uint32_t hash_id(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static const char *exec_id_of(const struct st_batch *b, uint32_t rec)
{
	const char *s = st_text(b, b->recs[rec].proc.exec_id);

	return s ? s : "";
}

static void index_grow(struct st_batch *b)
{
	uint32_t slots = b->proc_slots ? 2 * b->proc_slots : 256, *old = b->procs, n = b->proc_slots;

	b->procs = calloc(slots, sizeof(*b->procs));
	if (!b->procs) {
		fputs("vigil: out of memory\n", stderr);
		abort();
	}
	b->proc_slots = slots;
	b->bytes += slots * sizeof(*b->procs);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t h;

		if (!old[i])
			continue;
		h = hash_id(exec_id_of(b, old[i] - 1));
		while (b->procs[h & (slots - 1)])
			h++;
		b->procs[h & (slots - 1)] = old[i];
	}
	free(old);
}

uint32_t st_batch_proc(struct st_batch *b, const char *exec_id, bool *fresh)
{
	struct st_str id;
	uint32_t h, idx;

	if (2 * (b->nprocs + 1) > b->proc_slots)
		index_grow(b);
	h = hash_id(exec_id);
	for (;; h++) {
		uint32_t slot = b->procs[h & (b->proc_slots - 1)];

		if (!slot)
			break;
		if (strcmp(exec_id_of(b, slot - 1), exec_id) == 0) {
			*fresh = false;
			return slot - 1;
		}
	}
	idx = b->n;
	b->procs[h & (b->proc_slots - 1)] = idx + 1;
	b->nprocs++;
	id = put_c(b, exec_id);
	st_batch_add(b, ST_PROC)->proc.exec_id = id;
	*fresh = true;
	return idx;
}

/* The session a process belongs to, named like an exec_id by its leader's start time and
 * pid (an exec in the leader does not change it). Needs the live table; NULL without. */
static const char *session_of(const struct vg_event *ev, char *out, size_t outlen)
{
	const struct vg_proc *leader;

	if (ev->proc->sid <= 1 || !ev->pt)
		return NULL;
	leader = ev->proc->sid == ev->proc->pid ? ev->proc : vg_proctable_get(ev->pt, ev->proc->sid);
	if (!leader)
		return NULL;
	snprintf(out, outlen, "%llu-%d", (unsigned long long)leader->start_time, (int)ev->proc->sid);
	return out;
}

static void put_json_list(struct st_batch *b, const char *p, size_t len)
{
	size_t start = 0;

	vg_buf_putc(&b->text, '[');
	for (size_t i = 0; i <= len; i++) {
		if (i < len && p[i])
			continue;
		if (i == len && start == len)
			break;
		if (start)
			vg_buf_putc(&b->text, ',');
		vg_json_str(&b->text, p + start, i - start);
		start = i + 1;
	}
	vg_buf_putc(&b->text, ']');
}

/* The index of ev's process image in the batch, copied on first use. */
static uint32_t proc_of(struct st_batch *b, const struct vg_event *ev)
{
	const struct vg_proc *p = ev->proc;
	struct vg_ancestor anc[VG_ANCESTORS];
	char session[48], made[VG_EXEC_ID_LEN];
	const char *exec_id = p->exec_id;
	struct st_proc *r;
	uint32_t idx;
	size_t mark;
	bool fresh;
	int n;

	/* a process the table only knows by pid (it was gone from /proc when first seen):
	 * named the way a fork names it, by its start time and pid */
	if (!exec_id[0]) {
		snprintf(made, sizeof(made), "%llu-%d", (unsigned long long)ev->raw->start_time, p->pid);
		exec_id = made;
	}
	idx = st_batch_proc(b, exec_id, &fresh);
	if (!fresh)
		return idx;
	r = &b->recs[idx].proc;
	r->kind = ev->type == VG_EV_EXEC && ev->raw->ret == 0 ? 'e' : p->from_proc ? 'p' : 'f';
	r->parent_exec_id = put_c(b, p->parent_exec_id);
	r->session = put_c(b, session_of(ev, session, sizeof(session)));
	r->pid = p->pid;
	r->ppid = p->ppid;
	r->pgid = p->pgid;
	r->sid = p->sid;
	r->uid = p->uid;
	r->euid = p->euid;
	r->gid = p->gid;
	r->auid = p->auid;
	r->user = put_c(b, vg_user_name(p->euid));
	r->comm = put_c(b, p->comm);
	r->exe = put_c(b, p->exe);
	mark = b->text.len;
	put_json_list(b, p->argv, p->argv_len);
	r->argv = st_batch_since(b, mark);
	r->cwd = put_c(b, p->cwd);
	r->tty = put_c(b, p->tty);
	r->container = put_c(b, p->container.id);
	r->ssh = put_c(b, p->ssh_connection);
	r->ld_preload = put_c(b, p->ld_preload);
	n = vg_event_ancestors(ev, anc, VG_ANCESTORS);
	r->tree = put_c(b, st_tree_root(exec_id, anc, n));
	mark = b->text.len;
	vg_buf_putc(&b->text, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			vg_buf_putc(&b->text, ',');
		vg_json_cstr(&b->text, anc[i].exec_id);
	}
	vg_buf_putc(&b->text, ']');
	r->ancestry = st_batch_since(b, mark);
	r->started = vg_boot_to_wall(p->start_time);
	r->exec_time = vg_boot_to_wall(p->exec_time);
	return idx;
}

static void ip_text(const struct vg_value *v, char *out, size_t outlen)
{
	out[0] = 0;
	if (v->type == VG_V_IP)
		inet_ntop(v->ip.family == 6 ? AF_INET6 : AF_INET, v->ip.addr, out, (socklen_t)outlen);
}

static struct st_str str_of(struct st_batch *b, const struct vg_value *v)
{
	return v->type == VG_V_STR ? st_batch_put(b, v->str.ptr, v->str.len) : (struct st_str){ 0, 0 };
}

/* The keys the writer resolves, from one pass over the event's fields. */
static void take_keys(struct st_batch *b, struct st_event *e, const struct vg_event *ev)
{
	bool exec = ev->type == VG_EV_EXEC;

	for (int i = 0; i < ev->nfields; i++) {
		const struct vg_field *f = ev->fields[i].field;
		const struct vg_value *v = &ev->fields[i].v;

		if (f == f_path || f == f_module_path)
			e->path = str_of(b, v);
		else if (f == f_newpath)
			e->newpath = str_of(b, v);
		else if (f == (exec ? f_exe_dev : f_dev))
			e->dev = (uint64_t)v->i;
		else if (f == (exec ? f_exe_ino : f_ino))
			e->ino = (uint64_t)v->i;
		else if (f == f_symlink)
			e->symlink = v->b;
		else if (f == f_flags)
			e->write_open = ev->type == VG_EV_OPEN && (v->i & 3) != 0; /* O_WRONLY, O_RDWR */
		else if (f == f_exit_code)
			e->exit_code = (int32_t)v->i;
		else if (f == f_sip || f == f_dip) {
			ip_text(v, f == f_sip ? e->sip : e->dip, sizeof(e->sip));
			e->has_flow = true;
		} else if (f == f_sport)
			e->sport = (int32_t)v->i;
		else if (f == f_dport)
			e->dport = (int32_t)v->i;
		else if (f == f_proto && v->type == VG_V_STR)
			snprintf(e->proto, sizeof(e->proto), "%.*s", (int)v->str.len, v->str.ptr);
	}
	if (exec && ev->raw->ret == 0)
		e->path = put_c(b, ev->proc->exe);
}

static void fill_event(struct st_batch *b, struct st_event *e, const struct vg_event *ev)
{
	size_t mark;

	e->ts = ev->ts_ns;
	e->seq = ev->raw->seq;
	e->cpu = ev->raw->cpu;
	e->ret = ev->raw->ret;
	e->type = ev->type;
	mark = b->text.len;
	vg_json_fields(&b->text, ev->fields, ev->nfields);
	if (b->text.len == mark)
		vg_buf_puts(&b->text, "{}");
	else {
		b->text.p[mark] = '{'; /* vg_json_fields opens with a comma */
		vg_buf_putc(&b->text, '}');
	}
	e->fields = st_batch_since(b, mark);
	take_keys(b, e, ev);
}

void st_batch_event(struct st_batch *b, const struct vg_event *ev)
{
	uint32_t proc = proc_of(b, ev);
	struct st_rec *r = st_batch_add(b, ST_EVENT);

	r->ev.proc = proc;
	fill_event(b, &r->ev, ev);
	b->records++;
}

void st_batch_alert(struct st_batch *b, const struct vg_alert *a, bool killed, bool denied)
{
	uint32_t proc;
	struct st_alert *r;
	size_t mark;

	for (int i = 0; i < a->nevidence; i++) {
		uint32_t p = proc_of(b, a->evidence[i]);
		struct st_rec *e = st_batch_add(b, ST_EVIDENCE);

		e->ev.proc = p;
		fill_event(b, &e->ev, a->evidence[i]);
	}
	proc = proc_of(b, a->ev);
	r = &st_batch_add(b, ST_ALERT)->alert;
	r->ts = a->ev->ts_ns;
	r->rule = put_c(b, a->rule);
	r->priority = a->priority;
	r->tactics = vg_tactic_mask(a->tags, a->ntags);
	mark = b->text.len;
	vg_buf_putc(&b->text, '[');
	for (int i = 0; i < a->ntags; i++) {
		if (i)
			vg_buf_putc(&b->text, ',');
		vg_json_cstr(&b->text, a->tags[i]);
	}
	vg_buf_putc(&b->text, ']');
	r->tags = st_batch_since(b, mark);
	r->desc = put_c(b, a->desc);
	r->output = put_c(b, a->output);
	r->action = a->action;
	r->killed = killed;
	r->denied = denied;
	r->proc = proc;
	r->nevidence = (uint32_t)a->nevidence;
	b->records++;
}

void st_batch_stats(struct st_batch *b, const char *json, size_t len)
{
	struct st_rec *r = st_batch_add(b, ST_STATS);

	r->stats = st_batch_put(b, json, len);
	b->records++;
}
