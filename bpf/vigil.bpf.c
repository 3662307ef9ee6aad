/* vigil.bpf.c — the one BPF object vigil loads: every domain file, compiled together so
 * that they share the ring buffer, scratch, sequence, drop and interest maps. The loader
 * decides per program whether it loads (autoload), so one failing program never stops
 * the rest. */
#include "proc.bpf.c"
#include "net.bpf.c"
#include "file.bpf.c"
#include "priv.bpf.c"
