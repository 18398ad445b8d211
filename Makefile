# Roost: two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
NODE ?= node
# Debian packages the tests use (real peers nobody here wrote).
APT_PACKAGES := libcoap3-bin mosquitto-clients socat
TEST_FILES = $(shell find test -name '*.test.ts' | sort)

.PHONY: setup build run test bench check typecheck lint clean

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
	$(NODE) --import tsx gateway/cli/main.ts demo

test: setup
	$(NODE) --import tsx --test --test-concurrency=2 --test-timeout=120000 $(TEST_FILES)

bench: setup
	$(NODE) --import tsx bench/run.ts

typecheck: setup
	npx tsc --noEmit -p tsconfig.json

lint: setup
	npx eslint .

check: typecheck lint

clean:
	rm -rf dist node_modules/.setup-stamp .setup-apt-stamp
