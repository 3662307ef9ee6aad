# vigil build: BPF objects (clang -target bpf, CO-RE) -> skeleton -> one user-space binary.
# `make run` and `make test` install what is missing first (scripts/deps.sh).

BUILD     ?= build
CLANG     ?= clang
BPFTOOL   ?= bpftool
CC        ?= cc
ARCH      := x86
SANITIZE  ?=
STORE     ?= /var/lib/vigil/vigil.db
DEB_VERSION ?= 0.1.0

OPT       ?= -O2 -g
CFLAGS    := $(OPT) -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation -I$(BUILD) -Ibpf -Isrc $(SANITIZE)
# graphviz: the dot layout and the SVG renderer are linked in (their plugin libraries, which
# live in graphviz's own directory), so drawing never depends on its plugin configuration
# nor loads the cairo/pango ones
GVPLUGINS := /usr/lib/x86_64-linux-gnu/graphviz
LDLIBS    := -lbpf -lelf -lz -lyaml -lpcre2-8 -lseccomp -ljansson -lsqlite3 -lcrypto -lcurl -lnats -lgvc -lcgraph -lcdt \
             -L$(GVPLUGINS) -lgvplugin_dot_layout -lgvplugin_core -lmicrohttpd -lpthread -lm
RPATH     := -Wl,-rpath,$(GVPLUGINS)
LDFLAGS   := $(SANITIZE) $(RPATH)

# Every bpf/*.bpf.c and bpf/tools/*.bpf.c is one BPF object with its own skeleton,
# build/NAME.skel.h (struct NAME_bpf); bpf/sensor/ and bpf/lib/ hold what objects include.
BPF_OBJS  := $(wildcard bpf/*.bpf.c bpf/tools/*.bpf.c)
BPF_DEPS  := $(wildcard bpf/*.h bpf/*/*.h bpf/sensor/*.bpf.c)
SKELS     := $(patsubst %.bpf.c,$(BUILD)/%.skel.h,$(notdir $(BPF_OBJS)))
SRCS      := $(sort $(wildcard src/*.c src/*/*.c))
# the web UI's stylesheet and script, compiled into the binary (gen/ui_assets.c)
UI_ASSETS := $(sort $(wildcard src/ui/assets/*))
OBJS      := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS)) $(BUILD)/obj/gen/ui_assets.o
LIB_OBJS  := $(filter-out $(BUILD)/obj/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
HELPERS   := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(wildcard tests/helpers/*.c))
# bench programs linked against vigil's objects (bench/run.sh builds the standalone ones)
BENCH_BINS := $(BUILD)/bench/store_bench

# libFuzzer harnesses (tests/fuzz/fuzz_*.c) over the modules that take untrusted input,
# built with clang and ASan/UBSan into FUZZ_BUILD; `make fuzz` runs each for FUZZ_S seconds
# and on until it has made FUZZ_RUNS executions.
FUZZ_BUILD ?= build-fuzz
FUZZ_S     ?= 300
FUZZ_RUNS  ?= 1000000
FUZZ_FLAGS := -O1 -g -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	      -I$(BUILD) -Ibpf -Isrc -Itests/fuzz -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SRCS  := $(sort $(wildcard src/rules/*.c src/decode/*.c src/proc/*.c src/output/*.c src/store/*.c src/incident/*.c) \
	      src/cli/common.c src/tools/syscalls.c src/ui/assets.c \
	      src/event.c src/catalog.c src/clock.c src/host.c src/units.c src/http.c)
FUZZ_OBJS  := $(patsubst src/%.c,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_SRCS)) $(FUZZ_BUILD)/obj/gen/ui_assets.o
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c)) $(FUZZ_BUILD)/gen_seeds

.PHONY: all deps run test unit e2e asan bench bench-smoke docs fleet-test clean fuzz fuzz-build deb
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

# The sensor's wire format, as a hash: pinned maps of another format are not reused
# (src/loader/pin.c).
$(BUILD)/wire_hash.h: $(wildcard bpf/*.h)
	@mkdir -p $(BUILD)
	@printf '#define VG_WIRE_HASH "%s"\n' "$$(cat $^ | sha256sum | cut -c1-16)" > $@

vpath %.bpf.c bpf bpf/tools

# objects and skeletons are made by pattern rules: keep them, or every make rebuilds them
.SECONDARY:

$(BUILD)/%.bpf.o: %.bpf.c $(BPF_DEPS) $(BUILD)/vmlinux.h
	$(CLANG) -g -O2 -target bpf -mcpu=v3 -Wall -Werror -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf -c $< -o $@
	llvm-strip -g $@ 2>/dev/null || true

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BUILD)/obj/%.o: src/%.c $(SKELS) $(BUILD)/syscall_names.h $(BUILD)/wire_hash.h $(wildcard src/*.h src/*/*.h bpf/*.h bpf/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

# each asset as a C array (xxd -i), then the table src/ui/assets.h declares
$(BUILD)/gen/ui_assets.c: $(UI_ASSETS) Makefile
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@{ echo '#include "ui/assets.h"'; \
	  for f in $(notdir $(UI_ASSETS)); do (cd src/ui/assets && xxd -i $$f | sed -e '/_len = /d' -e 's/^unsigned/static const unsigned/'); done; \
	  echo 'const struct vg_asset vg_assets[] = {'; \
	  for f in $(notdir $(UI_ASSETS)); do v=$$(printf '%s' "$$f" | tr -c 'a-zA-Z0-9' _); \
	    echo "	{ \"$$f\", $$v, sizeof($$v) },"; done; \
	  echo '	{ 0 },'; echo '};'; } > $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c src/ui/assets.h
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

# The long fleet runs (a 30 s broker outage, a 3-node JetStream cluster losing a node) on top
# of the fast ones `make test` has; a few minutes, so not part of make test or CI.
fleet-test: deps all
	VIGIL_BUILD=$(BUILD) VIGIL_FLEET_LONG=1 python3 tests/e2e/runner.py tests/e2e/test_nats.py \
		tests/e2e/test_clickhouse.py tests/e2e/test_sinks.py

asan:
	$(MAKE) BUILD=build-asan SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" OPT="-O1 -g" test

$(FUZZ_BUILD)/obj/%.o: src/%.c $(BUILD)/syscall_names.h $(wildcard src/*.h src/*/*.h bpf/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC/FUZZ $<"
	@$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c src/ui/assets.h
	@mkdir -p $(dir $@)
	@echo "  CC/FUZZ $<"
	@$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS) $(wildcard tests/fuzz/*.h)
	$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJS) $(LDLIBS) $(RPATH) -o $@

$(FUZZ_BUILD)/gen_seeds: tests/fuzz/gen_seeds.c $(FUZZ_OBJS) $(wildcard tests/fuzz/*.h)
	$(CLANG) $(FUZZ_FLAGS) $< $(FUZZ_OBJS) $(LDLIBS) $(RPATH) -o $@

fuzz-build: $(FUZZ_BINS)

fuzz: deps fuzz-build
	FUZZ_RUNS=$(FUZZ_RUNS) tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_S)

bench: deps all $(BENCH_BINS)
	bench/run.sh $(BUILD)

bench-smoke: deps all $(BENCH_BINS)
	bench/run.sh $(BUILD) --smoke

# the Debian package: binary, rules, systemd unit, default config (docs/deploy.md)
deb: all
	scripts/mkdeb.sh $(BUILD) $(DEB_VERSION)

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
