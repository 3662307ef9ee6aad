# vigil build: BPF objects (clang -target bpf, CO-RE) -> skeleton -> one user-space binary.
# `make run` and `make test` install what is missing first (scripts/deps.sh).

BUILD     ?= build
CLANG     ?= clang
BPFTOOL   ?= bpftool
CC        ?= cc
ARCH      := x86
SANITIZE  ?=
STORE     ?= /var/lib/vigil/vigil.db

OPT       ?= -O2 -g
CFLAGS    := $(OPT) -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation -I$(BUILD) -Ibpf -Isrc $(SANITIZE)
LDLIBS    := -lbpf -lelf -lz -lyaml -lpcre2-8 -lseccomp -ljansson -lsqlite3 -lcrypto -lpthread -lm
LDFLAGS   := $(SANITIZE)

# Every bpf/*.bpf.c and bpf/tools/*.bpf.c is one BPF object with its own skeleton,
# build/NAME.skel.h (struct NAME_bpf); bpf/sensor/ and bpf/lib/ hold what objects include.
BPF_OBJS  := $(wildcard bpf/*.bpf.c bpf/tools/*.bpf.c)
BPF_DEPS  := $(wildcard bpf/*.h bpf/*/*.h bpf/sensor/*.bpf.c)
SKELS     := $(patsubst %.bpf.c,$(BUILD)/%.skel.h,$(notdir $(BPF_OBJS)))
SRCS      := $(sort $(wildcard src/*.c src/*/*.c))
OBJS      := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))
LIB_OBJS  := $(filter-out $(BUILD)/obj/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
HELPERS   := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(wildcard tests/helpers/*.c))
# bench programs linked against vigil's objects (bench/run.sh builds the standalone ones)
BENCH_BINS := $(BUILD)/bench/store_bench

# libFuzzer harnesses (tests/fuzz/fuzz_*.c) over the modules that take untrusted input,
# built with clang and ASan/UBSan into FUZZ_BUILD; `make fuzz` runs each for FUZZ_S seconds.
FUZZ_BUILD ?= build-fuzz
FUZZ_S     ?= 300
FUZZ_FLAGS := -O1 -g -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	      -Ibpf -Isrc -Itests/fuzz -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SRCS  := $(sort $(wildcard src/rules/*.c src/decode/*.c src/proc/*.c src/output/*.c src/store/*.c src/incident/*.c) \
	      src/cli/common.c \
	      src/event.c src/catalog.c src/clock.c)
FUZZ_OBJS  := $(patsubst src/%.c,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_SRCS))
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c)) $(FUZZ_BUILD)/gen_seeds

.PHONY: all deps run test unit e2e asan bench bench-smoke docs clean fuzz fuzz-build
# kept between builds: otherwise make deletes them as intermediates and rebuilds every
# BPF object whenever one C file changes
.SECONDARY: $(SKELS) $(SKELS:.skel.h=.bpf.o)

all: $(BUILD)/vigil

deps:
	@scripts/deps.sh

$(BUILD)/vmlinux.h:
	@mkdir -p $(BUILD)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

# The x86-64 syscall table, number -> name, as an X-macro list (the syscount tool's names),
# from the kernel's own uapi header.
UNISTD    ?= /usr/include/x86_64-linux-gnu/asm/unistd_64.h
$(BUILD)/syscall_names.h: $(UNISTD)
	@mkdir -p $(BUILD)
	awk '$$1 == "#define" && $$2 ~ /^__NR_/ && $$3 ~ /^[0-9]+$$/ { sub(/^__NR_/, "", $$2); \
		printf "X(%s, \"%s\")\n", $$3, $$2 }' $< > $@

vpath %.bpf.c bpf bpf/tools

# objects and skeletons are made by pattern rules: keep them, or every make rebuilds them
.SECONDARY:

$(BUILD)/%.bpf.o: %.bpf.c $(BPF_DEPS) $(BUILD)/vmlinux.h
	$(CLANG) -g -O2 -target bpf -mcpu=v3 -Wall -Werror -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf -c $< -o $@
	llvm-strip -g $@ 2>/dev/null || true

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BUILD)/obj/%.o: src/%.c $(SKELS) $(BUILD)/syscall_names.h $(wildcard src/*.h src/*/*.h bpf/*.h bpf/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/vigil: $(OBJS)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB_OBJS) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(filter %.c %.o,$^) $(LDLIBS) -lcmocka $(LDFLAGS) -o $@

$(BUILD)/bench/%: bench/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS) $^ $(LDLIBS) $(LDFLAGS) -o $@

$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -Wall $(if $(findstring 32,$*),-m32 -static,) $< -o $@

# the agent as deployed: default profile and rules, everything kept in the store at
# $(STORE), which `vigil incidents` reads by default
run: deps all
	$(BUILD)/vigil run --profile default --rules rules --store $(STORE)

test: deps all $(UNIT_BINS) $(HELPERS) $(BENCH_BINS) fuzz-build
	@VIGIL_FUZZ_BUILD=$(FUZZ_BUILD) tests/run.sh $(BUILD)

unit: all $(UNIT_BINS)
	@tests/run.sh $(BUILD) unit

asan:
	$(MAKE) BUILD=build-asan SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" OPT="-O1 -g" test

$(FUZZ_BUILD)/obj/%.o: src/%.c $(wildcard src/*.h src/*/*.h bpf/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC/FUZZ $<"
	@$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS) $(wildcard tests/fuzz/*.h)
	$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJS) $(LDLIBS) -o $@

$(FUZZ_BUILD)/gen_seeds: tests/fuzz/gen_seeds.c $(FUZZ_OBJS) $(wildcard tests/fuzz/*.h)
	$(CLANG) $(FUZZ_FLAGS) $< $(FUZZ_OBJS) $(LDLIBS) -o $@

fuzz-build: $(FUZZ_BINS)

fuzz: deps fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_S)

bench: deps all $(BENCH_BINS)
	bench/run.sh $(BUILD)

bench-smoke: deps all $(BENCH_BINS)
	bench/run.sh $(BUILD) --smoke

# the parts of docs/ that describe the code, regenerated from the binary
docs: all
	scripts/gendocs.sh $(BUILD)

clean:
	rm -rf build build-asan $(FUZZ_BUILD)

# Detection quality: the attack corpus (tests/attack) and the benign corpus (tests/benign)
# against the real agent; prints detection rate, tactic accuracy and false alerts per hour.
# `make test` runs its quick subset (tests/e2e/test_detect_fast.py).
.PHONY: detect
detect: deps all
	python3 tests/attack/detect.py --build $(BUILD)
