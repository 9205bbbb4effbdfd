# syntax=docker/dockerfile:1

# ---- build ----
FROM rust:1.95-bookworm AS builder

# The bundled libpq is compiled from C and links against the system OpenSSL.
RUN apt-get update \
 && apt-get install -y --no-install-recommends pkg-config libssl-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Build the dependencies alone first, so that changing the code does not rebuild them.
# .cargo/config.toml sets the flags SQLite is compiled with (see docs/performance.md, "SQLite build flags").
COPY Cargo.toml Cargo.lock ./
COPY .cargo ./.cargo
RUN mkdir src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && cargo build --release --locked \
 && rm -rf src

# Migrations, templates, the widget and the demo blog are embedded into the binary at compile time.
COPY migrations ./migrations
COPY templates ./templates
COPY assets ./assets
COPY examples ./examples
COPY src ./src
RUN touch src/main.rs src/lib.rs \
 && cargo build --release --locked \
 && install -m 0755 target/release/replydesk /usr/local/bin/replydesk

# ---- runtime ----
FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 replydesk \
 && useradd --system --uid 10001 --gid replydesk --home-dir /data --shell /usr/sbin/nologin replydesk \
 && mkdir -p /data \
 && chown replydesk:replydesk /data

COPY --from=builder /usr/local/bin/replydesk /usr/local/bin/replydesk

# /data holds the default SQLite file (replydesk.db) and ./mail-outbox/.
WORKDIR /data
VOLUME ["/data"]
USER replydesk

ENV REPLYDESK_BIND=0.0.0.0:8080
EXPOSE 8080

# Liveness over bash's /dev/tcp (no curl in the image); port taken from REPLYDESK_BIND.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${REPLYDESK_BIND##*:} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["replydesk"]
CMD ["serve"]
