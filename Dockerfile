# Builds a small image with the nimbus binary.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin nimbus

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends python3 ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/nimbus /usr/local/bin/nimbus
EXPOSE 4566
VOLUME /data
# Inside a container nimbus must listen on all interfaces to be reachable through the
# published port; the port is published on the host's loopback only (docker-compose.yml).
ENTRYPOINT ["nimbus", "up", "--host", "0.0.0.0", "--data-dir", "/data"]
