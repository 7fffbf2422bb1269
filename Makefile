# Petrel - top-level Makefile.
#
#   make		build everything (runs ./configure first if needed)
#   make check		install missing dependencies, build, run every test
#   make check-asan	the same tests under AddressSanitizer + UBSan
#   make fuzz		build the libFuzzer targets with clang, run each briefly
#   make demo		install missing dependencies, build, start a sandbox
#   make install	install (honours DESTDIR)
#   make clean
#
# The real build rules live in mk/build.mk; this file only orders the
# steps (dependencies, then configure, then the build).

.NOTPARALLEL:
MAKEFLAGS += --no-print-directory
BUILD = $(MAKE) -f mk/build.mk

all: config.mk
	+$(BUILD) all

config.mk:
	./configure

deps:
	sh tools/deps

check: deps
	@test -f config.mk || ./configure
	+$(BUILD) check

check-asan: deps
	@test -f config.mk || ./configure
	+$(BUILD) B=build-asan SAN=1 check

fuzz:
	sh tools/deps fuzz
	@test -f config.mk || ./configure
	+$(BUILD) B=build-fuzz fuzz

demo: deps
	@test -f config.mk || ./configure
	+$(BUILD) demo

install: config.mk
	+$(BUILD) install

clean:
	rm -rf build build-asan build-fuzz
	rm -f config.mk

.PHONY: all deps check check-asan fuzz demo install clean
