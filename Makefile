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
# graphviz: the dot layout and the SVG renderer are linked in (their plugin libraries, which
# live in graphviz's own directory), so drawing never depends on its plugin configuration
# nor loads the cairo/pango ones
GVPLUGINS := /usr/lib/x86_64-linux-gnu/graphviz
LDLIBS    := -lbpf -lelf -lz -lyaml -lpcre2-8 -lseccomp -ljansson -lsqlite3 -lgvc -lcgraph -lcdt \
             -L$(GVPLUGINS) -lgvplugin_dot_layout -lgvplugin_core -lmicrohttpd -lpthread -lm
LDFLAGS   := $(SANITIZE) -Wl,-rpath,$(GVPLUGINS)

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

.PHONY: all deps run test unit e2e asan bench bench-smoke docs clean
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

test: deps all $(UNIT_BINS) $(HELPERS) $(BENCH_BINS)
	@tests/run.sh $(BUILD)

unit: all $(UNIT_BINS)
	@tests/run.sh $(BUILD) unit

asan:
	$(MAKE) BUILD=build-asan SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" OPT="-O1 -g" test

bench: deps all $(BENCH_BINS)
	bench/run.sh $(BUILD)

bench-smoke: deps all $(BENCH_BINS)
	bench/run.sh $(BUILD) --smoke

# the parts of docs/ that describe the code, regenerated from the binary
docs: all
	scripts/gendocs.sh $(BUILD)

clean:
	rm -rf build build-asan

# Detection quality: the attack corpus (tests/attack) and the benign corpus (tests/benign)
# against the real agent; prints detection rate, tactic accuracy and false alerts per hour.
# `make test` runs its quick subset (tests/e2e/test_detect_fast.py).
.PHONY: detect
detect: deps all
	python3 tests/attack/detect.py --build $(BUILD)
