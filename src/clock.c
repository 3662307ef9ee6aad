/* clock.c — boot-time to wall-clock conversion. BPF stamps events with CLOCK_BOOTTIME
 * (monotonic across suspend, same clock as task start_boottime); the offset to the wall
 * clock is sampled once, the tightest of a few reads. */
#include <stdio.h>
#include <time.h>
#include "clock.h"
#include "host.h"

static uint64_t offset_ns;

static uint64_t ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void vg_clock_init(void)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 5; i++) {
		uint64_t b0 = ns(CLOCK_BOOTTIME), r = ns(CLOCK_REALTIME), b1 = ns(CLOCK_BOOTTIME);

		if (b1 - b0 < best) {
			best = b1 - b0;
			offset_ns = r - (b0 + (b1 - b0) / 2);
		}
	}
}

uint64_t vg_boot_to_wall(uint64_t boot_ns)
{
	return boot_ns + offset_ns;
}

uint64_t vg_now_boot_ns(void)
{
	return ns(CLOCK_BOOTTIME);
}

uint64_t vg_clock_offset(void)
{
	return offset_ns;
}

void vg_clock_replay(uint64_t offset, const char *host_name)
{
	offset_ns = offset;
	vg_host_set(host_name, NULL);
}
