# The chaser worker and CLI. Built by docker-compose.yml; not used by `make demo` or CI.
# The build image is rust-toolchain.toml's release (tests/hygiene holds them to one).
FROM rust:1.95.0-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --bin chaser

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/chaser /usr/local/bin/chaser
COPY examples /app/examples
WORKDIR /app
ENTRYPOINT ["chaser"]
CMD ["worker"]
