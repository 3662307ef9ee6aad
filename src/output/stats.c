/* stats.c — counters as JSON, and the loss warning a person sees on stderr. */
#include "event.h"
#include "enforce/enforce.h"
#include "integrity/integrity.h"
#include "reader/uevent.h"
#include "output/json.h"
#include "output/sink.h"
#include "output/stats.h"

enum drop_kind { LOSSES, SUPPRESSIONS, FILTERED };

static enum drop_kind kind_of(unsigned reason)
{
	return VG_DROP_IS_LOSS(reason) ? LOSSES : reason == VG_DROP_FILTERED ? FILTERED : SUPPRESSIONS;
}

/* {"exec":{"ring_full":3},...} for the reasons of one kind. */
static void drops_object(struct vg_buf *b, const struct vg_counters *c, enum drop_kind kind)
{
	bool first_type = true;

	vg_buf_putc(b, '{');
	for (unsigned t = 0; t < VG_EV__COUNT; t++) {
		bool first_reason = true;

		for (unsigned d = 0; d < VG_DROP__COUNT; d++) {
			if (!c->drops[t][d] || kind_of(d) != kind)
				continue;
			if (first_reason)
				vg_buf_printf(b, "%s\"%s\":{", first_type ? "" : ",", vg_event_name(t));
			vg_buf_printf(b, "%s\"%s\":%llu", first_reason ? "" : ",", vg_drop_name(d),
				      (unsigned long long)c->drops[t][d]);
			first_reason = first_type = false;
		}
		if (!first_reason)
			vg_buf_putc(b, '}');
	}
	vg_buf_putc(b, '}');
}

void vg_json_stats(struct vg_buf *b, const struct vg_counters *c, const struct vg_stats_extra *x)
{
	bool first = true;

	vg_buf_puts(b, "{\"kind\":\"stats\",\"ts\":");
	vg_json_time(b, x->wall_ns);
	vg_buf_printf(b, ",\"final\":%s,\"uptime_s\":%.3f,\"events\":%llu,\"sourced\":%llu,\"received\":{",
		      x->final ? "true" : "false", x->uptime_s, (unsigned long long)c->received_total,
		      (unsigned long long)c->sourced);
	for (unsigned t = 0; t < VG_EV__COUNT; t++) {
		if (!c->received[t])
			continue;
		vg_buf_printf(b, "%s\"%s\":%llu", first ? "" : ",", vg_event_name(t), (unsigned long long)c->received[t]);
		first = false;
	}
	vg_buf_printf(b, "},\"lost\":%llu,\"drops\":", (unsigned long long)c->lost);
	drops_object(b, c, LOSSES);
	vg_buf_printf(b, ",\"suppressed\":%llu,\"suppressions\":", (unsigned long long)c->suppressed);
	drops_object(b, c, SUPPRESSIONS);
	vg_buf_printf(b, ",\"filtered\":%llu,\"filtered_by\":", (unsigned long long)c->filtered);
	drops_object(b, c, FILTERED);
	vg_buf_printf(b,
		      ",\"kernel_seq\":%llu,\"seq_gap\":%lld,\"malformed\":%llu,\"alerts\":%llu,"
		      "\"alerts_suppressed\":%llu,\"regex_limits\":%llu,\"proctable\":{\"entries\":%u,\"evictions\":%llu},"
		      "\"ring_size\":%zu",
		      (unsigned long long)c->kernel_seq, (long long)c->seq_gap, (unsigned long long)c->malformed,
		      (unsigned long long)x->alerts, (unsigned long long)x->alerts_suppressed,
		      (unsigned long long)x->regex_limits, x->proc_entries,
		      (unsigned long long)x->proc_evictions, x->ring_size);
	if (x->rss_kb)
		vg_buf_printf(b, ",\"rss_kb\":%llu", (unsigned long long)x->rss_kb);
	if (x->restart && x->restart->happened) {
		vg_buf_puts(b, ",\"restart\":{\"at\":");
		vg_json_time(b, x->restart->at_wall_ns);
		vg_buf_printf(b, ",\"down_s\":%.3f,\"lost_during\":%llu,\"previous_pid\":%u}", x->restart->seconds,
			      (unsigned long long)x->restart->lost, x->restart->previous_pid);
	}
	if (x->stops && x->stops->count)
		vg_buf_printf(b, ",\"stopped\":{\"count\":%u,\"seconds\":%.3f,\"lost_during\":%llu}", x->stops->count,
			      x->stops->seconds, (unsigned long long)x->stops->lost);
	if (x->sinks)
		vg_sinks_counters_json(x->sinks, b);
	if (x->deny) {
		vg_buf_printf(b, ",\"deny\":{\"mechanism\":\"%s\",\"mode\":\"%s\",\"timeout_ms\":%u", x->deny->mechanism,
			      x->deny->audit ? "audit" : "enforce", x->deny->timeout_ms);
#define VG_ENFORCE_JSON(name) vg_buf_printf(b, ",\"" #name "\":%llu", (unsigned long long)x->deny->name);
		VG_ENFORCE_COUNTERS(VG_ENFORCE_JSON)
#undef VG_ENFORCE_JSON
		vg_buf_putc(b, '}');
	}
	if (x->integrity) {
		vg_buf_printf(b, ",\"integrity\":{\"passes\":%llu,\"findings\":%llu,\"dropped\":%llu,\"cpu_ms\":{",
			      (unsigned long long)x->integrity->passes, (unsigned long long)x->integrity->findings,
			      (unsigned long long)x->integrity->dropped);
		for (unsigned i = 0; i < x->integrity->nchecks; i++)
			vg_buf_printf(b, "%s\"%s\":%.1f", i ? "," : "", x->integrity->checks[i].name,
				      x->integrity->checks[i].cpu_ms);
		vg_buf_puts(b, "}}");
	}
	if (x->uevent)
		vg_buf_printf(b, ",\"uevents\":{\"received\":%llu,\"usb_device_events\":%llu,\"overflows\":%llu,\"foreign\":%llu}",
			      (unsigned long long)x->uevent->received, (unsigned long long)x->uevent->usb,
			      (unsigned long long)x->uevent->overflows, (unsigned long long)x->uevent->foreign);
	vg_buf_putc(b, '}');
}

bool vg_loss_warning(struct vg_buf *b, const struct vg_counters *now, const struct vg_counters *before)
{
	bool first = true;

	if (now->lost <= before->lost)
		return false;
	vg_buf_printf(b, "vigil: lost %llu events since the last report (",
		      (unsigned long long)(now->lost - before->lost));
	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		for (unsigned d = 0; d < VG_DROP__COUNT; d++) {
			uint64_t n = now->drops[t][d] - before->drops[t][d];

			if (!n || !VG_DROP_IS_LOSS(d))
				continue;
			vg_buf_printf(b, "%s%s: %s=%llu", first ? "" : ", ", vg_event_name(t), vg_drop_name(d),
				      (unsigned long long)n);
			first = false;
		}
	vg_buf_puts(b, ")\n");
	return true;
}
