/* vigil.bpf.c — the sensor: the one BPF object `vigil run` loads. Every domain file is
 * compiled into it so that they share the ring buffer, scratch, sequence, drop and
 * interest maps (bpf/lib/maps.h). The loader decides per program whether it loads
 * (autoload), so one failing program never stops the rest. */
#include "sensor/proc.bpf.c"
#include "sensor/net.bpf.c"
#include "sensor/file.bpf.c"
#include "sensor/priv.bpf.c"
#include "sensor/uring.bpf.c"
#include "sensor/shell.bpf.c"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
