# Roost: two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
NODE ?= node
# Debian packages the tests use (real peers nobody here wrote).
APT_PACKAGES := libcoap3-bin mosquitto-clients socat mtools dosfstools bluez-test-tools gcc chromium python3-cryptography python3-cbor2 mosquitto python3-paho-mqtt avahi-daemon avahi-utils dbus-daemon
TEST_FILES = $(shell find test -name '*.test.ts' | sort)

.PHONY: setup build run test bench soak check typecheck lint clean image-setup image image-test

setup: node_modules/.setup-stamp .setup-apt-stamp

# Debian packages: installed only when one is missing, so setup is safe to run twice.
.setup-apt-stamp: Makefile
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@touch $@

node_modules/.setup-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: setup
	$(NODE) --import tsx image/bundle.ts

run: setup
	$(NODE) --import tsx cli/main.ts demo

test: setup
	$(NODE) --import tsx --test --test-concurrency=2 --test-timeout=120000 $(TEST_FILES)

# `make bench` runs every benchmark; `make bench coap-ingest hub-ingest` only those named.
ifneq ($(filter bench,$(MAKECMDGOALS)),)
BENCH_ARGS := $(filter-out bench,$(MAKECMDGOALS))
$(BENCH_ARGS): ; @:
endif
bench: setup
	$(NODE) --import tsx bench/run.ts $(BENCH_ARGS)

# The kill -9 soak (docs/durability.md): SOAK_ROUNDS rounds (default 20), SOAK_SEED to replay one; prints its figures.
soak: setup
	$(NODE) --import tsx bench/durability/soak.ts $(if $(SOAK_ROUNDS),--rounds $(SOAK_ROUNDS)) $(if $(SOAK_SEED),--seed $(SOAK_SEED))

typecheck: setup
	npx tsc --noEmit -p tsconfig.json

lint: setup
	npx eslint .

check: typecheck lint

# Appliance image (docs/image.md). Its Debian tools are installed here, not by `setup`; the second
# line is for ARCH=arm64 (qemu-user binfmt for the root's maintainer scripts, a cross compiler for
# native addons without a prebuilt binary, qemu-system-aarch64 with AAVMF for the boot test).
IMAGE_APT_PACKAGES := mmdebstrap squashfs-tools mtools dosfstools fdisk kmod qemu-system-x86 ovmf e2fsprogs zstd \
  qemu-user-static binfmt-support g++-aarch64-linux-gnu qemu-system-arm qemu-efi-aarch64

image-setup: setup dist/.image-apt-stamp

dist/.image-apt-stamp: Makefile
	@missing=""; for p in $(IMAGE_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "image-setup: installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@mkdir -p dist && touch $@

# MIRROR=URI: the Debian mirror for the image (default: this machine's apt sources, docs/image.md).
IMAGE_ENV = $(if $(ARCH),ROOST_IMAGE_ARCH=$(ARCH)) $(if $(MIRROR),ROOST_IMAGE_MIRROR=$(MIRROR))

image: image-setup
	$(IMAGE_ENV) $(NODE) --import tsx image/src/build/build-image.ts

image-test: image
	$(IMAGE_ENV) $(NODE) --import tsx image/src/boot-test/boot-test.ts

clean:
	rm -rf dist node_modules/.setup-stamp .setup-apt-stamp
