# A model served from a container: build Pipewright the way the README and CI do,
# then run `pipewright serve` on a bundle in a slim image.
#
#   pipewright bundle RUN --out model.pwm
#   docker build -t my-model --build-arg MODEL=model.pwm .
#   docker run --rm -p 8080:8080 [-e PIPEWRIGHT_TOKEN=secret] my-model

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN bash scripts/setup.sh && cargo build --release --locked --bin pipewright

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --no-create-home pipewright
COPY --from=build /src/target/release/pipewright /usr/local/bin/pipewright
ARG MODEL=model.pwm
COPY ${MODEL} /model.pwm
USER pipewright
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["pipewright", "serve", "/model.pwm", "--host", "0.0.0.0", "--port", "8080"]
