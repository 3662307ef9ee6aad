/* files.h — the system_files check's parts that need no host state, for its unit test. */
#ifndef VIGIL_INTEGRITY_FILES_H
#define VIGIL_INTEGRITY_FILES_H

#include <stdbool.h>
#include <stdint.h>

/* The 16 bytes of a 32-digit hex MD5 (as dpkg's md5sums lines begin); -1 when malformed. */
int vg_md5_hex(const char *hex, uint8_t out[16]);
/* The MD5 of a file's content (not following a symlink); adds the bytes read to *bytes. */
int vg_md5_file(const char *path, uint8_t out[16], uint64_t *bytes);
/* Whether a dpkg path (usr/bin/ls) is one the check verifies. */
bool vg_verified_path(const char *rel);

#endif
