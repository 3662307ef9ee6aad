# vigil build: BPF objects (clang -target bpf, CO-RE) -> skeleton -> one user-space binary.
# `make run` and `make test` install what is missing first (scripts/deps.sh).

BUILD     ?= build
CLANG     ?= clang
BPFTOOL   ?= bpftool
CC        ?= cc
ARCH      := x86
SANITIZE  ?=

OPT       ?= -O2 -g
CFLAGS    := $(OPT) -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation -I$(BUILD) -Ibpf -Isrc $(SANITIZE)
LDLIBS    := -lbpf -lelf -lz -lyaml -lpcre2-8 -lm
LDFLAGS   := $(SANITIZE)

BPF_SRCS  := bpf/vigil.bpf.c
BPF_DEPS  := $(wildcard bpf/*.h bpf/*.bpf.c)
SRCS      := $(sort $(wildcard src/*.c src/*/*.c))
OBJS      := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))
LIB_OBJS  := $(filter-out $(BUILD)/obj/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
HELPERS   := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(wildcard tests/helpers/*.c))

.PHONY: all deps run test unit e2e asan bench bench-smoke clean

all: $(BUILD)/vigil

deps:
	@scripts/deps.sh

$(BUILD)/vmlinux.h:
	@mkdir -p $(BUILD)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(BUILD)/vigil.bpf.o: $(BPF_DEPS) $(BUILD)/vmlinux.h
	$(CLANG) -g -O2 -target bpf -mcpu=v3 -Wall -Werror -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf -c $(BPF_SRCS) -o $@
	llvm-strip -g $@ 2>/dev/null || true

$(BUILD)/vigil.skel.h: $(BUILD)/vigil.bpf.o
	$(BPFTOOL) gen skeleton $< name vigil_bpf > $@

$(BUILD)/obj/%.o: src/%.c $(BUILD)/vigil.skel.h $(wildcard src/*.h src/*/*.h bpf/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/vigil: $(OBJS)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ $(LDLIBS) -lcmocka $(LDFLAGS) -o $@

$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -Wall $(if $(findstring 32,$*),-m32 -static,) $< -o $@

run: deps all
	$(BUILD)/vigil run --profile default --rules rules

test: deps all $(UNIT_BINS) $(HELPERS)
	@tests/run.sh $(BUILD)

unit: all $(UNIT_BINS)
	@tests/run.sh $(BUILD) unit

asan:
	$(MAKE) BUILD=build-asan SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" OPT="-O1 -g" test

bench: deps all
	bench/run.sh $(BUILD)

bench-smoke: deps all
	bench/run.sh $(BUILD) --smoke

clean:
	rm -rf build build-asan

# Detection quality: the attack corpus (tests/attack) and the benign corpus (tests/benign)
# against the real agent; prints detection rate, tactic accuracy and false alerts per hour.
# `make test` runs its quick subset (tests/e2e/test_detect_fast.py).
.PHONY: detect
detect: deps all
	python3 tests/attack/detect.py --build $(BUILD)
