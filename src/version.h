/* version.h — vigil's version, as `vigil_build_info` and the docs show it. */
#ifndef VIGIL_VERSION_H
#define VIGIL_VERSION_H

#define VIGIL_VERSION "0.2.0"

#endif
