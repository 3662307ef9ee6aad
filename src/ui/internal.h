/* internal.h — what the files of src/ui/ share: the server's state, a request, a reply,
 * and the handlers the router calls (one file per page). */
#ifndef VIGIL_UI_INTERNAL_H
#define VIGIL_UI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "incident/render.h"
#include "output/buf.h"
#include "store/store.h"

#define VG_UI_TOKEN_LEN 32 /* hex characters: 128 random bits */

struct MHD_Connection;

struct vg_ui {
	struct vg_store *st;       /* used by the server's one thread only */
	char token[VG_UI_TOKEN_LEN + 1];
	char cookie[32];           /* "vigil_token_PORT": cookies are per host, not per port */
	bool token_required;
	char hosts[4][64];         /* Host headers accepted on loopback without the token */
	int nhosts;
};

struct vg_ui_request {
	struct vg_ui *ui;
	struct MHD_Connection *conn;
	const char *path;
	int64_t id;        /* the number in the path (/incident/ID, /event/ID) */
	const char *rest;  /* what follows it ("", "/node/p41", "/graph.svg") */
};

struct vg_ui_reply {
	int status;
	const char *type; /* Content-Type */
	struct vg_buf body;
};

/* A query argument (?all=1), or NULL. */
const char *vg_ui_arg(const struct vg_ui_request *rq, const char *name);
/* An HTML page saying what went wrong (escaped), with status. */
void vg_ui_fail(struct vg_ui_reply *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The page options every UI page uses: assets from /assets/, links back to the list. */
extern const struct vg_html_opts vg_ui_page_opts;

/* auth.c */
void vg_ui_token_new(char out[VG_UI_TOKEN_LEN + 1]);
/* The request may be served; when it carried the token in its address, *set_cookie is
 * true (the reply sets the cookie, so the browser's next requests carry it). */
bool vg_ui_allowed(const struct vg_ui_request *rq, bool *set_cookie);

/* the pages */
void vg_ui_page_list(const struct vg_ui_request *rq, struct vg_ui_reply *r);     /* / */
void vg_ui_page_incident(const struct vg_ui_request *rq, struct vg_ui_reply *r); /* /incident/ID[/graph.svg|...] */
void vg_ui_page_node(const struct vg_ui_request *rq, struct vg_ui_reply *r);     /* /incident/ID/node/NODE */
void vg_ui_page_event(const struct vg_ui_request *rq, struct vg_ui_reply *r);    /* /event/ID */

#endif
