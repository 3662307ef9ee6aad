/* html.h — text from events made safe for HTML and SVG (the attack-path page, the UI).
 *
 * Everything an event carries may come from an attacker (argv, file names, comm, DNS
 * names): it is written first as vigil's text format writes it (vg_text_str: control
 * characters as \n, \t, \xNN, bytes that are not UTF-8 as \xNN, a backslash doubled), so
 * it can never fake a line, then with & < > " ' as entities, so it is text in an element
 * or a quoted attribute and never markup. */
#ifndef VIGIL_HTML_H
#define VIGIL_HTML_H

#include <stddef.h>
#include "output/buf.h"

void vg_html_str(struct vg_buf *b, const char *s, size_t len);
void vg_html_cstr(struct vg_buf *b, const char *s); /* NULL writes nothing */
/* A JSON text inside <script type="application/json">: < > & and the line separators as
 * \uXXXX escapes (only JSON strings can hold them), so no "</script>" or "<!--" ends
 * or changes the element. */
void vg_html_json(struct vg_buf *b, const char *json, size_t len);
/* A JSON text indented for people (two spaces a level), HTML-escaped, for a <pre>. */
void vg_html_json_pretty(struct vg_buf *b, const char *json, size_t len);

#endif
