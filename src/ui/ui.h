/* ui.h — `vigil ui`: the evidence store in a browser (incident list, incident page with
 * the attack path, events with their context), served by libmicrohttpd from this
 * process, read-only, so it runs next to a live agent (docs/evidence.md, "The web UI").
 *
 * Who may ask: it listens on loopback unless told otherwise; a random token, printed at
 * start, is accepted on every request (?token= once, then a cookie) and required on every
 * request with --token, which listening beyond loopback needs. On loopback without the
 * token the Host header must name the loopback address, so that a web page the browser
 * shows cannot reach the UI by DNS rebinding. */
#ifndef VIGIL_UI_H
#define VIGIL_UI_H

#include <stdbool.h>

#define VG_UI_DEFAULT_LISTEN "127.0.0.1:8787"

struct vg_ui_config {
	const char *store;  /* path of the store */
	const char *listen; /* ADDR:PORT ([V6]:PORT); port 0 picks a free one */
	bool token;         /* every request needs the token (required beyond loopback) */
};

/* Serves until SIGINT or SIGTERM; the exit status (2: a bad --listen, 1: cannot serve). */
int vg_ui_run(const struct vg_ui_config *cfg);

#endif
