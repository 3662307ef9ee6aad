/* probes.c — `vigil probes`: the kernel facts (features.c), the mechanism that enforces
 * deny rules here (src/enforce) and, per event, the mechanism the loader really ends up
 * with here: it loads and attaches every event's hooks, as `vigil run --profile sandbox`
 * would, and reports the outcome; and which host integrity checks (src/integrity) run here,
 * with what they cover, or why they cannot. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "enforce/enforce.h"
#include "event.h"
#include "integrity/integrity.h"
#include "loader/features.h"
#include "loader/loader.h"
#include "output/json.h"

int vg_cmd_probes(int argc, char **argv)
{
	static const struct option longopts[] = { { "format", required_argument, NULL, 'f' },
						  { "catalog", no_argument, NULL, 'c' },
						  { "help", no_argument, NULL, 'h' },
						  { NULL, 0, NULL, 0 } };
	static struct vg_loader loader;
	struct vg_features f;
	struct vg_integrity_status ist[VG_CHECK__COUNT];
	struct vg_integrity_opts io = { .interval = 0 };
	bool json = false, want[VG_EV__COUNT], loaded = false;
	char err[256] = "", desc[1024], deny[1024];
	struct vg_buf b = { 0 };
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "text") == 0)) {
			json = strcmp(optarg, "json") == 0;
			continue;
		}
		if (c == 'c') {
			vg_loader_catalog_markdown(stdout);
			return 0;
		}
		fputs("usage: vigil probes [--format text|json] | --catalog\n"
		      "  --catalog   every event's hooks and mechanisms as a Markdown table (no kernel needed)\n",
		      c == 'h' ? stdout : stderr);
		return c == 'h' ? 0 : 2;
	}
	vg_features_probe(&f);
	if (!vg_features_fatal(&f)) {
		for (unsigned t = 0; t < VG_EV__COUNT; t++)
			want[t] = true;
		struct vg_kconfig kc = { .ring_size = 1u << 16, .sandbox = true };

		loaded = vg_loader_start(&loader, want, &kc, &f, err, sizeof(err)) == 0;
		if (loaded)
			vg_loader_attach_types(&loader, want);
	} else {
		snprintf(err, sizeof(err), "%s", vg_features_fatal(&f));
	}
	vg_enforce_describe(&f, deny, sizeof(deny));
	vg_integrity_probe(&io, ist);
	if (json) {
		vg_features_print(stdout, &f, true);
		vg_buf_puts(&b, "{\"deny\":");
		vg_json_cstr(&b, deny);
		vg_buf_puts(&b, ",\"events\":[");
	} else {
		vg_features_print(stdout, &f, false);
		printf("%-14s%s\n", "deny", deny);
		printf("\n%-22s %5s  %-8s %s\n", "EVENT", "ID", "PROFILE", "MECHANISM");
	}
	for (unsigned t = 0; t < VG_EV__COUNT; t++) {
		bool ok = loaded && vg_loader_event_ok(&loader, t);

		if (loaded)
			vg_loader_describe(&loader, t, desc, sizeof(desc));
		else
			snprintf(desc, sizeof(desc), "unavailable: %s", err);
		if (!json) {
			printf("%-22s %5u  %-8s %s%s\n", vg_event_name(t), vg_event_id(t),
			       vg_event_profile(t) == 1 ? "default" : "sandbox", ok ? "" : "NO: ", desc);
			continue;
		}
		vg_buf_printf(&b, "%s{\"event\":\"%s\",\"id\":%u,\"profile\":\"%s\",\"available\":%s,\"mechanism\":",
			      t ? "," : "", vg_event_name(t), vg_event_id(t),
			      vg_event_profile(t) == 1 ? "default" : "sandbox", ok ? "true" : "false");
		vg_json_cstr(&b, desc);
		vg_buf_putc(&b, '}');
	}
	if (json) {
		vg_buf_puts(&b, "],\"integrity\":[");
	} else {
		printf("\n%-18s %-4s %s\n", "INTEGRITY CHECK", "RUNS", "COVERS, OR WHY NOT");
	}
	for (unsigned c = 0; c < VG_CHECK__COUNT; c++) {
		if (!json) {
			printf("%-18s %-4s %s\n", ist[c].name, ist[c].available ? "yes" : "NO", ist[c].why);
			continue;
		}
		vg_buf_printf(&b, "%s{\"check\":\"%s\",\"available\":%s,\"why\":", c ? "," : "", ist[c].name,
			      ist[c].available ? "true" : "false");
		vg_json_cstr(&b, ist[c].why);
		vg_buf_putc(&b, '}');
	}
	if (json) {
		vg_buf_puts(&b, "]}\n");
		fputs(b.p, stdout);
	}
	vg_buf_free(&b);
	vg_loader_free(&loader);
	return 0;
}
