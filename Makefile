# Kubilitics — every entry point a person needs.
#   make            build build/kubilitics, build/kubesim and the UI
#   make run        build, then serve the UI against the embedded demo cluster
#   make test       every suite: C unit (plain and ASan+UBSan), Lua, integration, browser
#   make bench      benchmarks in bench/, results appended to bench/RESULTS.md
#   make fuzz       each fuzz target for FUZZ_SECONDS (default 30)
#   make lint       clang-tidy and cppcheck over core/ and sim/
#   make clean

BUILD   ?= build
CC      ?= cc
PKGS    := lua5.4 libuv libcurl libcjson sqlite3 openssl yaml-0.1 zlib
LLHTTP  := /usr/share/llhttp
OPT     ?= -O2
SAN     ?=

# -Wno-format-truncation: snprintf into a bounded buffer is how messages are
# cut to size here on purpose; gcc's -O2 guesses about it are noise.
WARN    := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes -Wno-format-truncation
CFLAGS  := -std=c11 -D_GNU_SOURCE $(OPT) -g $(WARN) -Icore -I/usr/share/include/llhttp \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(SAN) $(EXTRA_CFLAGS)
LDFLAGS := $(SAN)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread

CORE_SRC := $(sort $(wildcard core/*/*.c))
SIM_SRC  := $(filter-out sim/main.c,$(sort $(wildcard sim/*.c)))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
LLHTTP_OBJ := $(BUILD)/obj/llhttp/llhttp.o $(BUILD)/obj/llhttp/api.o $(BUILD)/obj/llhttp/http.o

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o) $(LLHTTP_OBJ)
SIM_OBJ  := $(SIM_SRC:%.c=$(BUILD)/obj/%.o)
TESTS    := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps bins run test test-unit bench fuzz lint clean ui format
all: deps ui
	$(MAKE) bins

deps:
	@tools/deps.sh build

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# llhttp's generated C is third-party: built with its own, quieter flags.
$(BUILD)/obj/llhttp/%.o: $(LLHTTP)/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(OPT) -g $(SAN) -I/usr/share/include/llhttp -w -c $< -o $@

$(BUILD)/libkcore.a: $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libksim.a: $(SIM_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/kubilitics: $(BUILD)/obj/core/main.o $(BUILD)/obj/ui_assets.o $(BUILD)/libksim.a $(BUILD)/libkcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The UI is embedded: tools/embed turns ui/dist into a C table. The table is
# regenerated every build but replaced only when it changed, so an unchanged
# UI does not relink anything.
$(BUILD)/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $< -lz

.PHONY: FORCE
FORCE:
$(BUILD)/ui_assets.c: $(BUILD)/embed FORCE
	@$(BUILD)/embed ui/dist $@.new
	@cmp -s $@.new $@ || mv $@.new $@
	@rm -f $@.new

$(BUILD)/obj/ui_assets.o: $(BUILD)/ui_assets.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-overlength-strings -c $< -o $@

$(BUILD)/kubesim: $(BUILD)/obj/sim/main.o $(BUILD)/libksim.a $(BUILD)/libkcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/test.h $(BUILD)/libksim.a $(BUILD)/libkcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -Isim -o $@ $< $(BUILD)/libksim.a $(BUILD)/libkcore.a $(LDFLAGS) $(LDLIBS)

test-unit: $(TESTS)
bins: $(BUILD)/kubilitics $(BUILD)/kubesim

# npm ci only when the lockfile changed; vite only when a source changed.
ui:
	@if [ -f ui/package.json ]; then tools/build-ui.sh; fi

run: all
	$(BUILD)/kubilitics serve --demo --listen 127.0.0.1:8080

# The sanitizer build lives in its own tree so it never mixes with the plain one.
test: deps
	@tools/deps.sh test
	$(MAKE) all
	$(MAKE) test-unit
	$(MAKE) test-unit bins BUILD=$(BUILD)/asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
	tests/run.sh $(BUILD)

bench: all
	@tools/deps.sh bench
	bench/run.sh $(BUILD)

FUZZ_SECONDS ?= 30
fuzz: deps
	@tools/deps.sh test
	tests/fuzz/run.sh $(FUZZ_SECONDS)

lint:
	clang-tidy --quiet $(CORE_SRC) $(SIM_SRC) -- $(CFLAGS) 2>/dev/null | grep -E 'warning|error' || true
	cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 \
	    --suppress=missingIncludeSystem -Icore -Isim --include=tools/cppcheck-macros.h core sim

format:
	clang-format -i $(CORE_SRC) $(wildcard core/*/*.h) $(wildcard sim/*.[ch]) core/main.c

clean:
	rm -rf $(BUILD) ui/dist

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
