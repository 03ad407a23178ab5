# The chaser's developer entry points. `make test` is what CI runs.

CARGO ?= cargo

.PHONY: test lint build bench compose-check

## Everything CI checks: format, lints, the compose file, and every test layer.
test: lint compose-check
	$(CARGO) test --workspace

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

build:
	$(CARGO) build --workspace

## Benchmarks (not tests): results go to BENCHMARKS.md by hand, with the command.
bench:
	$(CARGO) bench -p chaser-domain --bench plan

## Validates docker-compose.yml offline when a compose client is installed.
compose-check:
	@if command -v docker-compose >/dev/null 2>&1; then \
		docker-compose -f docker-compose.yml config -q && echo "docker-compose.yml: valid"; \
	else \
		echo "docker-compose not installed: skipping the compose file check"; \
	fi
