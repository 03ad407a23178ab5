# The chaser worker and CLI. Built by docker-compose.yml; not used by `make demo` or CI.
# The build image is rust-toolchain.toml's release (tests/hygiene holds them to one).
FROM rust:1.95.0-bookworm AS skeleton
WORKDIR /src
COPY . .
# The workspace without its code: every manifest, the lock file and a stub at each target's
# path (from `cargo metadata`, so a new crate or target needs no edit here). It changes only
# when a manifest, the lock file or the set of targets does, so the dependency layer built
# from it stays cached across edits to the code.
RUN cargo metadata --no-deps --format-version 1 > /tmp/metadata.json \
    && mkdir /skeleton \
    && cp Cargo.toml Cargo.lock /skeleton/ \
    && for path in $(grep -o '"\(manifest\|src\)_path":"[^"]*"' /tmp/metadata.json | cut -d'"' -f4); do \
        path=${path#/src/}; \
        mkdir -p "/skeleton/$(dirname "$path")"; \
        case "$path" in \
            *Cargo.toml) cp "$path" "/skeleton/$path" ;; \
            *) echo '#![allow(dead_code)] fn main() {}' > "/skeleton/$path" ;; \
        esac; \
    done

FROM rust:1.95.0-bookworm AS build
WORKDIR /src
# The dependencies, built once per change of Cargo.lock or a manifest. The stubs' own
# fingerprints go: the real sources copied next may be older than this build, and cargo would
# take the stub binary for up to date. (Every workspace crate is named chaser-*: tests/hygiene.)
COPY --from=skeleton /skeleton/ ./
RUN cargo build --release --locked --bin chaser \
    && rm -rf target/release/.fingerprint/chaser-*
COPY . .
RUN cargo build --release --locked --bin chaser

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
# Not root: the worker needs no privilege, only its working folder (where the default SQLite
# store lives). A numeric USER lets a runtime check that without reading /etc/passwd.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /app --shell /usr/sbin/nologin chaser
COPY --from=build /src/target/release/chaser /usr/local/bin/chaser
COPY examples /app/examples
WORKDIR /app
USER 10001
ENTRYPOINT ["chaser"]
CMD ["worker"]
