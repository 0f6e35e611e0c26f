# Viva's server image: one static-ish binary plus espeak-ng for the local engine's voice.
FROM rust:1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends cmake && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/viva /usr/local/bin/viva
EXPOSE 8080
ENTRYPOINT ["viva"]
CMD ["serve", "--listen", "0.0.0.0:8080", "--data-dir", "/data"]
