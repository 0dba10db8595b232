# syntax=docker/dockerfile:1
# The production image: `cargo xtask dist` in a build stage (the same command as outside Docker),
# then the folder it makes on a slim Debian, run as a non-root user on 0.0.0.0:8080.
#
#   docker build -t my-app .
#   docker run -p 8080:8080 -e SUPABASE_URL=https://<ref>.supabase.co \
#     -e SUPABASE_PUBLISHABLE_KEY=sb_publishable_... -e SITE_URL=https://your.domain my-app

FROM rust:1-bookworm AS build
# Node.js and npm for wasm-opt (the npm `binaryen` package) and CSS processing.
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Kept between builds (BuildKit cache mounts): the crates downloaded, the compiled dependencies, and
# cargo-leptos and wasm-bindgen, which xtask builds into .tools/ once (a few minutes each).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    --mount=type=cache,target=/src/.tools \
    cargo xtask dist --out /dist

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home app
COPY --from=build /dist /app
WORKDIR /app
USER app
ENV LEPTOS_ENV=PROD \
    LEPTOS_HASH_FILES=true \
    LEPTOS_SITE_ADDR=0.0.0.0:8080 \
    LEPTOS_SITE_ROOT=/app/site \
    NO_DOTENV=1 \
    RUST_LOG=info
EXPOSE 8080
CMD ["/app/server"]
