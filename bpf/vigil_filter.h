/* vigil_filter.h — kernel filters derived from the rules: which events the kernel may drop
 * before it builds a record, because no rule can match them. Shared by the BPF side
 * (bpf/lib/filter.h applies it), the rule engine (src/rules/filter.c derives it from the
 * compiled rules) and the loader (src/loader/filter.c hashes it into the map).
 *
 * An event of a filtered type passes when its class (what the kernel knows at once: the
 * call failed, a write open, a set-id mode, a socket as the creator's stdio) is one the
 * type passes whatever else, or when one of its facts matches an atom for that class:
 * the path (exact, below a directory, a directory component, the file name, how a name
 * starts or ends), the process name, the destination port or address, an executable
 * that ran recently, the way a file was opened, or that it is one of the agent's own. The atoms over-approximate every rule's condition: the kernel may
 * pass too much, never too little. A path the kernel cannot judge exactly (cut, or with
 * "..") always passes.
 *
 * Atoms live in one Bloom filter keyed by (atom kind, path slot, value, event type,
 * class): one or two bit tests per candidate and no map lookup, and a false positive
 * only lets an event through. Values are hashed the same way on both sides (below):
 * names by 8-byte little-endian words, paths root first by joining component hashes. */
#ifndef VIGIL_FILTER_H
#define VIGIL_FILTER_H

#include "vigil_event.h"

/* Class bits: an event's class is a number 0..15 made of these. */
#define VG_FC_FAIL  1u /* the call failed (evt.ret < 0) */
#define VG_FC_WRITE 2u /* open/create: opened for writing (O_WRONLY or O_RDWR) */
#define VG_FC_SETID 4u /* create: the new file has a set-user-ID or set-group-ID bit */
#define VG_FC_SOCK  8u /* create: the creator's fd 0 or 1 is an inet socket */
#define VG_FC_COUNT 16
#define VG_FC_ALL   0xffffu

/* What the kernel can judge for an event type: class bits, and the facts atoms test. */
#define VG_FD_FAIL    VG_FC_FAIL
#define VG_FD_WRITE   VG_FC_WRITE
#define VG_FD_SETID   VG_FC_SETID
#define VG_FD_SOCK    VG_FC_SOCK
#define VG_FD_PATH    (1u << 4) /* file.path */
#define VG_FD_NEWPATH (1u << 5) /* file.newpath */
#define VG_FD_COMM    (1u << 6) /* proc.name: the current thread's name, as the header carries it */
#define VG_FD_DPORT   (1u << 7) /* net.dport */
#define VG_FD_DADDR   (1u << 8) /* net.dip */
#define VG_FD_EXE     (1u << 9) /* file.path is an executable that ran (sequence captures) */
#define VG_FD_CALL    (1u << 10) /* file.call: the way the file was opened (enum vg_open_call) */
#define VG_FD_AGENT   (1u << 11) /* evt.at_agent: one of the agent's files, opened for writing */

/* X(TYPE, facts): the event types the kernel filters and what it judges for each. unlink,
 * rmdir and rename report successful calls only; create_file only exists for them. */
#define VG_FILTERED_EVENTS(X)                                                                   \
	X(OPEN, VG_FD_FAIL | VG_FD_WRITE | VG_FD_PATH | VG_FD_COMM | VG_FD_CALL | VG_FD_AGENT)  \
	X(CREATE, VG_FD_WRITE | VG_FD_SETID | VG_FD_SOCK | VG_FD_PATH | VG_FD_COMM | VG_FD_CALL) \
	X(UNLINK, VG_FD_PATH | VG_FD_COMM | VG_FD_EXE)                                         \
	X(RMDIR, VG_FD_PATH | VG_FD_COMM | VG_FD_EXE)                                          \
	X(RENAME, VG_FD_PATH | VG_FD_NEWPATH | VG_FD_COMM | VG_FD_EXE)                         \
	X(CONNECT, VG_FD_FAIL | VG_FD_COMM | VG_FD_DPORT | VG_FD_DADDR)

/* Path slots: which path of the event an atom looks at. */
#define VG_SLOT_PATH    0
#define VG_SLOT_NEWPATH 1

/* X(NAME, "description"): the kinds of atoms. START and END values are at most
 * VG_FILTER_PART bytes (a longer text is cut to them, which only passes more). */
#define VG_ATOM_KINDS(X)                                                      \
	X(EXACT, "path")                                                      \
	X(PREFIX, "path or below")                                            \
	X(PARTIAL, "below a directory, a name starting with")                 \
	X(DIR, "directory component")                                         \
	X(START, "component starting with")                                   \
	X(LEAF, "file name")                                                  \
	X(END, "file name ending with")                                       \
	X(COMM, "process name")                                               \
	X(COMM_START, "process name starting with")                           \
	X(DPORT, "destination port")                                          \
	X(DADDR, "destination address")                                       \
	X(EXE, "an executable that ran")                                      \
	X(CALL, "opened by")                                                  \
	X(AGENT, "aimed at the agent")

enum vg_atom_kind {
#define VG_ATOM_ENUM(e, desc) VG_ATOM_##e,
	VG_ATOM_KINDS(VG_ATOM_ENUM)
#undef VG_ATOM_ENUM
	VG_ATOM__COUNT
};
_Static_assert(VG_ATOM__COUNT <= 16, "struct vg_filter_type.kinds: a bit per atom kind");

#define VG_FILTER_PART       8  /* bytes of a START/END/PARTIAL text the kernel compares */
#define VG_FILTER_COMM       15 /* a process name's bytes (TASK_COMM_LEN - 1) */
#define VG_FILTER_ADDR_LENS  4  /* distinct prefix lengths per address family */
#define VG_FILTER_BLOOM_BITS (1u << 19)
#define VG_FILTER_BLOOM_WORDS (VG_FILTER_BLOOM_BITS / 64)
#define VG_FILTER_EXES       16384 /* executables remembered for EXE atoms */
/* Rows of the per-type table: a power of two, so that the kernel bounds an index by a mask */
#define VG_FILTER_TYPES      64
_Static_assert(VG_FILTER_TYPES >= VG_EV__COUNT && (VG_FILTER_TYPES & (VG_FILTER_TYPES - 1)) == 0,
	       "VG_FILTER_TYPES: a power of two that holds every event type");

/* The lengths are per type and slot, so that a path is tested only for the lengths some
 * atom of its own type and slot has. */
struct vg_filter_type {
	__u16 any;   /* classes that pass whatever their facts */
	__u16 atoms; /* classes some atom can pass: the others are dropped at once */
	__u16 kinds; /* bit per VG_ATOM_* that the type's atoms use */
	__u16 comm_lens;    /* bit L-1: COMM_START atoms of L bytes */
	__u8 start_lens[2]; /* per VG_SLOT_*, bit L-1: START or PARTIAL atoms of L bytes */
	__u8 end_lens[2];   /* per VG_SLOT_*, bit L-1: END atoms of L bytes */
	__u8 on;     /* 0: every event of the type passes */
	__u8 slots;  /* bit per VG_SLOT_* that some atom looks at */
	__u8 pad[2];
};

/* The map value the kernel reads (user space writes a whole new one per rule load). */
struct vg_filter {
	__u64 exe_window_ns;   /* how long an executable counts for EXE atoms */
	__u8 addr_lens[2][VG_FILTER_ADDR_LENS]; /* [0] IPv4, [1] IPv6 prefix lengths; 0xff: none */
	struct vg_filter_type type[VG_FILTER_TYPES];
	__u64 bloom[VG_FILTER_BLOOM_WORDS];
};

/* What the kernel writes: since when executables are not all remembered (the map was full,
 * or an executable's path could not be hashed): EXE atoms then pass everything until
 * exe_window_ns after it. */
struct vg_filter_state {
	__u64 exe_lost_ns;
};

/* ---- hashing: one definition for both sides ---------------------------------------- */

static inline __u64 vg_fh_mix(__u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* A name (path component, process name, the first or last bytes of one) of len bytes:
 * start with vg_fh_name_start, feed each 8-byte little-endian word (the last one padded
 * with zero bytes), end with vg_fh_name_end. */
static inline __u64 vg_fh_name_start(__u32 len)
{
	return 0x6a09e667f3bcc908ull ^ len;
}

static inline __u64 vg_fh_name_word(__u64 h, __u64 w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

static inline __u64 vg_fh_name_end(__u64 h)
{
	return vg_fh_mix(h);
}

/* A name of at most 8 bytes, given as one padded word. */
static inline __u64 vg_fh_short(__u64 w, __u32 len)
{
	return vg_fh_name_end(vg_fh_name_word(vg_fh_name_start(len), w));
}

/* Paths hash root first: the root is VG_FH_ROOT, and each component joins its name's hash
 * onto its directory's. */
#define VG_FH_ROOT 0x243f6a8885a308d3ull

static inline __u64 vg_fh_join(__u64 dir, __u64 name)
{
	return vg_fh_mix((dir + 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull ^ name);
}

static inline __u64 vg_fh_port(__u32 port)
{
	return vg_fh_mix(0x5851f42d4c957f2dull ^ port);
}

/* A way of opening a file (enum vg_open_call, file.call). */
static inline __u64 vg_fh_call(__u32 call)
{
	return vg_fh_mix(0x14057b7ef767814full ^ call);
}

/* An address prefix of bits bits (the address already masked), as 2 words (IPv4 in the
 * first 4 bytes of a). */
static inline __u64 vg_fh_addr(__u64 a0, __u64 a1, __u32 family, __u32 bits)
{
	return vg_fh_join(vg_fh_join(vg_fh_mix(family << 8 | bits), a0), a1);
}

/* The first bits bits (0..64) of a word that holds 8 address bytes in network order,
 * loaded little-endian. */
static inline __u64 vg_fh_prefix_mask(__u32 bits)
{
	return __builtin_bswap64(bits >= 64 ? ~0ull : ~(~0ull >> bits));
}

/* The Bloom key of an atom value for one event type and class: the value salted with what
 * it is for. A judge that tests many values for one (kind, slot, type, class) computes the
 * salt once. */
static inline __u64 vg_fh_salt(__u32 kind, __u32 slot, __u32 type, __u32 cls)
{
	return vg_fh_mix((__u64)kind << 24 | (__u64)slot << 16 | (__u64)type << 8 | cls);
}

static inline __u64 vg_fh_salted(__u64 value, __u64 salt)
{
	return vg_fh_mix(value + salt);
}

static inline __u64 vg_fh_key(__u64 value, __u32 kind, __u32 slot, __u32 type, __u32 cls)
{
	return vg_fh_salted(value, vg_fh_salt(kind, slot, type, cls));
}

/* The two bits of a key. */
static inline __u32 vg_fh_bit1(__u64 key)
{
	return (__u32)key & (VG_FILTER_BLOOM_BITS - 1);
}

static inline __u32 vg_fh_bit2(__u64 key)
{
	return (__u32)(key >> 32) & (VG_FILTER_BLOOM_BITS - 1);
}

/* Little-endian bytes as a word, the rest zero (the last word of a name). */
static inline __u64 vg_fh_mask(__u32 len)
{
	return len >= 8 ? ~0ull : (1ull << (8 * len)) - 1;
}

#endif
