/* text.h — the human-readable output format. */
#ifndef VIGIL_TEXT_H
#define VIGIL_TEXT_H

#include "event.h"
#include "output/buf.h"

void vg_text_header(struct vg_buf *b);
void vg_text_event(struct vg_buf *b, const struct vg_event *ev);

#endif
