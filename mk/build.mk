# Petrel build rules.  Called from the top-level Makefile after
# ./configure has written config.mk.  B is the output directory.

include config.mk

B ?= build
SAN ?=
VERSION = 0.1

WARN = -Wall -Wextra -Werror -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-missing-field-initializers
PATHS = -DPETREL_VERSION='"$(VERSION)"' \
	-DPETREL_CONFIG_DIR='"$(sysconfdir)/petrel"' \
	-DPETREL_DAEMON_DIR='"$(libexecdir)/petrel"' \
	-DPETREL_COMMAND_DIR='"$(sbindir)"' \
	-DPETREL_QUEUE_DIR='"$(localstatedir)/spool/petrel"' \
	-DPETREL_DATA_DIR='"$(localstatedir)/lib/petrel"'
ifeq ($(SAN),1)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
endif
ALL_CFLAGS = -std=gnu11 $(CFLAGS) $(SANFLAGS) $(WARN) $(PATHS) \
	-D_GNU_SOURCE -Ilib -I. -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

# Library: every lib/*.c.
LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:%.c=$(B)/obj/%.o)
LIB = $(B)/libpetrel.a

# Daemons: one folder each, main() in <folder>/<folder>.c, every .c in the
# folder linked in, and what else they use from the other daemon folders
# (libdaemons.a: imapd_session is imapd's session code without its login
# half); installed in libexecdir/petrel.  Linked --as-needed, so that a
# program records only the shared libraries it uses (the session halves
# load no OpenSSL).  A folder without its main file yet is not built.
DAEMON_DIRS = master smtpd cleanup pickup qmgr smtp local bounce auth anvil \
	imapd pop3d imapd_session pop3d_session
DAEMONS = $(foreach d,$(DAEMON_DIRS),$(if $(wildcard $(d)/$(d).c),$(d)))
# Everything in the daemon folders but their main files, as a library for
# unit tests of daemon modules (tests/unit/smtpd_parse_test.c and so on).
DMOD_SRC = $(filter-out $(foreach d,$(DAEMON_DIRS),$(d)/$(d).c), \
	$(foreach d,$(DAEMON_DIRS),$(wildcard $(d)/*.c)))
DMOD_OBJ = $(DMOD_SRC:%.c=$(B)/obj/%.o)
DMOD_LIB = $(B)/libdaemons.a

# Command line programs: every cli/*.c and sendmail/*.c with a main().
CLI_SRC = $(wildcard cli/*.c)
CLI_PROGS = $(subst _,-,$(notdir $(CLI_SRC:.c=)))

# Tests.
TEST_LIB_SRC = tests/unit/test.c tests/unit/maildir_fixture.c
TEST_LIB_OBJ = $(TEST_LIB_SRC:%.c=$(B)/obj/%.o)
UNIT_SRC = $(wildcard tests/unit/*_test.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TOOL_SRC = $(wildcard tests/tools/*.c)
TOOL_BIN = $(TOOL_SRC:tests/tools/%.c=$(B)/tests/%)

DAEMON_BIN = $(DAEMONS:%=$(B)/libexec/%)
CLI_BIN = $(CLI_PROGS:%=$(B)/bin/%)

all: $(DAEMON_BIN) $(CLI_BIN) $(UNIT_BIN) $(TOOL_BIN)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(DMOD_LIB): $(DMOD_OBJ)
	@rm -f $@
	ar rcs $@ $^

define daemon_rule
$(B)/libexec/$(1): $(patsubst %.c,$(B)/obj/%.o,$(wildcard $(1)/*.c)) \
		$(DMOD_LIB) $(LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) -Wl,--as-needed -o $$@ $$^ $$(LIBS)
endef
$(foreach d,$(DAEMONS),$(eval $(call daemon_rule,$(d))))

# cli/petrel_conf.c builds petrel-conf.
define cli_rule
$(B)/bin/$(subst _,-,$(1)): $(B)/obj/cli/$(1).o $(LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(LIBS)
endef
$(foreach p,$(notdir $(CLI_SRC:.c=)),$(eval $(call cli_rule,$(p))))

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(TEST_LIB_OBJ) $(DMOD_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/%: $(B)/obj/tests/tools/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

check: all
	python3 tests/run.py --build $(B)

# Fuzzing: clang + libFuzzer, each target run briefly.
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(B)/%)
FUZZ_CFLAGS = -std=gnu11 -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined \
	-D_GNU_SOURCE -Ilib -I. $(PATHS)
FUZZ_TIME ?= 20

# Each target is linked against an archive of all of lib/ and every
# non-main daemon module, compiled with clang and the sanitizers, so only
# what the target uses is pulled in.
FUZZ_OBJ = $(patsubst %.c,$(B)/fobj/%.o,$(LIB_SRC) $(DMOD_SRC))

$(B)/fobj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(B)/libfuzz.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/fuzz_%: tests/fuzz/fuzz_%.c $(B)/libfuzz.a
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

fuzz: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do \
		n=$$(basename $$f); mkdir -p $(B)/corpus/$$n; \
		seeds=; test -d tests/fuzz/corpus/$$n && seeds=tests/fuzz/corpus/$$n; \
		echo "fuzz: $$n for $(FUZZ_TIME)s"; \
		$$f -max_total_time=$(FUZZ_TIME) -max_len=65536 \
			$(B)/corpus/$$n $$seeds >$(B)/$$n.log 2>&1 \
			|| { tail -40 $(B)/$$n.log; exit 1; }; \
		tail -1 $(B)/$$n.log; \
	done

demo: all
	sh tools/demo $(B)

# Installation.  An existing configuration is never overwritten.
install: all
	install -d $(DESTDIR)$(sbindir) $(DESTDIR)$(libexecdir)/petrel \
		$(DESTDIR)$(sysconfdir)/petrel \
		$(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man5 \
		$(DESTDIR)$(mandir)/man8
	for p in $(CLI_BIN); do install -m 755 $$p $(DESTDIR)$(sbindir)/; done
	@# petrel-drop is setgid to the drop group (chgrp first: it clears
	@# the setgid bit); mailq and newaliases are sendmail's other names.
	if [ "$$(id -u)" = 0 ] && [ -f $(DESTDIR)$(sbindir)/petrel-drop ]; then \
		getent group petreldrop >/dev/null \
			|| groupadd --system petreldrop; \
		chgrp petreldrop $(DESTDIR)$(sbindir)/petrel-drop; \
		chmod 2755 $(DESTDIR)$(sbindir)/petrel-drop; \
	fi
	if [ -f $(DESTDIR)$(sbindir)/sendmail ]; then \
		ln -sf sendmail $(DESTDIR)$(sbindir)/mailq; \
		ln -sf sendmail $(DESTDIR)$(sbindir)/newaliases; \
	fi
	for p in $(DAEMON_BIN); do \
		install -m 755 $$p $(DESTDIR)$(libexecdir)/petrel/; done
	for f in main.cf master.cf; do \
		if [ -e $(DESTDIR)$(sysconfdir)/petrel/$$f ]; then \
			echo "keeping existing $(sysconfdir)/petrel/$$f"; \
		else \
			install -m 644 conf/$$f $(DESTDIR)$(sysconfdir)/petrel/$$f; \
		fi; \
	done
	for s in 1 5 8; do for m in man/man$$s/*.$$s; do \
		test -f $$m && install -m 644 $$m $(DESTDIR)$(mandir)/man$$s/; \
	done; done

.PHONY: all check fuzz demo install

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# Keep object files of chained rules (unit tests, tools) between runs.
.SECONDARY:
