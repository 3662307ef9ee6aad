/* clock.h — kernel boot-time stamps to wall-clock time. */
#ifndef VIGIL_CLOCK_H
#define VIGIL_CLOCK_H

#include <stdint.h>

/* Measures CLOCK_REALTIME - CLOCK_BOOTTIME once; call before converting. */
void vg_clock_init(void);
uint64_t vg_boot_to_wall(uint64_t boot_ns);
uint64_t vg_now_boot_ns(void);
/* What a recording replays under: the clock offset and host name of the machine and time
 * it was recorded on (vigil replay). */
uint64_t vg_clock_offset(void);
void vg_clock_replay(uint64_t offset_ns, const char *host);

#endif
