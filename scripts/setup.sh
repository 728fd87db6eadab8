#!/usr/bin/env bash
# Installs the system packages Pipewright needs on a Debian/Ubuntu machine, only those
# missing. Building needs a C compiler (zstd, lz4 and blake3 build C); running the
# editor needs Mesa's GL and xkbcommon; `--screenshots` adds Xvfb, ImageMagick and xdotool for
# headless screenshots. Idempotent: a machine with everything installed does nothing.
set -euo pipefail

want=()
command -v cc >/dev/null 2>&1 || want+=(gcc libc6-dev)
if [[ "${1:-}" == "--gui" || "${1:-}" == "--screenshots" ]]; then
  for p in libgl1-mesa-dri libglx-mesa0 libegl1 libxkbcommon-x11-0; do
    dpkg -s "$p" >/dev/null 2>&1 || want+=("$p")
  done
fi
if [[ "${1:-}" == "--screenshots" ]]; then
  for p in xvfb xauth imagemagick xdotool; do
    dpkg -s "$p" >/dev/null 2>&1 || want+=("$p")
  done
fi
if ((${#want[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "setup: installing ${want[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${want[@]}" >/dev/null
fi
command -v cargo >/dev/null 2>&1 || { echo "setup: cargo not found; install Rust from rustup first" >&2; exit 1; }
echo "setup: ok"
