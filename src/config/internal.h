/* internal.h — what the option table (options.c) and the config file reader (file.c)
 * share. */
#ifndef VIGIL_CONFIG_INTERNAL_H
#define VIGIL_CONFIG_INTERNAL_H

#include "config/options.h"

/* Reads the YAML file into o's raw values; prints each error as FILE:LINE:COL: message and
 * returns their number. */
int vg_config_read(const char *path, struct vg_run_opts *o);

/* A copy of s[0..n) that o owns. */
const char *vg_run_opts_keep(struct vg_run_opts *o, const char *s, size_t n);
/* The option a config key names (aliases included), or -1. */
int vg_option_by_key(const char *key);
bool vg_option_is_list(int id);
/* Adds a value (a scalar option's replaces the one before); -1 when a list is full. */
int vg_run_opts_add(struct vg_run_opts *o, int id, const char *v, struct vg_srcpos pos);
/* "FILE:LINE:COL: key: msg" or "vigil: --flag: msg" on stderr. */
void vg_srcpos_error(const struct vg_srcpos *pos, int id, const char *msg);

#endif
