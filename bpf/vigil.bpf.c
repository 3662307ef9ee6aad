/* vigil.bpf.c — the one BPF object vigil loads: every domain file, compiled together so
 * that they share the ring buffer, scratch, sequence, drop and interest maps. The loader
 * decides per program whether it loads (autoload), so one failing program never stops
 * the rest. */
#include "sensor/proc.bpf.c"
#include "sensor/net.bpf.c"
#include "sensor/file.bpf.c"
#include "sensor/priv.bpf.c"
