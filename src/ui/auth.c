/* auth.c — who may ask the UI (ui.h): the token, and the Host header on loopback. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "ui/internal.h"

void vg_ui_token_new(char out[VG_UI_TOKEN_LEN + 1])
{
	unsigned char raw[VG_UI_TOKEN_LEN / 2];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

		if (n < 0) {
			perror("vigil: getrandom");
			abort(); /* no token is no UI: never a guessable one */
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

/* Compares in time that does not depend on where they differ. */
static bool is_token(const struct vg_ui *ui, const char *s)
{
	unsigned char diff = 0;

	if (!s || strlen(s) != VG_UI_TOKEN_LEN)
		return false;
	for (int i = 0; i < VG_UI_TOKEN_LEN; i++)
		diff |= (unsigned char)(s[i] ^ ui->token[i]);
	return diff == 0;
}

bool vg_ui_allowed(const struct vg_ui_request *rq, bool *set_cookie)
{
	const struct vg_ui *ui = rq->ui;
	const char *host;

	*set_cookie = false;
	if (is_token(ui, MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "token"))) {
		*set_cookie = true;
		return true;
	}
	if (is_token(ui, MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, ui->cookie)))
		return true;
	if (ui->token_required)
		return false;
	host = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	for (int i = 0; host && i < ui->nhosts; i++)
		if (strcmp(host, ui->hosts[i]) == 0)
			return true;
	return false;
}
