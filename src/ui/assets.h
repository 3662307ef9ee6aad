/* assets.h — the web UI's stylesheet and script (src/ui/assets/), compiled into the
 * binary: the Makefile turns each file into a C array (xxd -i) and this table
 * (gen/ui_assets.c). The UI serves them under /assets/, `vigil show --format html` puts
 * them inline; there is no other copy. */
#ifndef VIGIL_UI_ASSETS_H
#define VIGIL_UI_ASSETS_H

struct vg_asset {
	const char *name; /* its file name: "vigil.css" */
	const unsigned char *data;
	unsigned int len;
};

extern const struct vg_asset vg_assets[]; /* ends with an entry whose name is NULL */

/* The asset of that file name, or NULL. */
const struct vg_asset *vg_asset_find(const char *name);
/* Its Content-Type, from its extension. */
const char *vg_asset_type(const struct vg_asset *a);

#endif
