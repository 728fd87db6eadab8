#!/usr/bin/env sh
# Screenshots the editor under Xvfb: scripts/screenshot.sh OUT.png [SECONDS] [-- ARGS…]
# Runs target/release/pipewright (or $PIPEWRIGHT_BIN) with ARGS on a 1600×1000
# virtual screen, waits SECONDS (default 8) and saves the whole screen to OUT.png.
# PIPEWRIGHT_SHOT_PRE, if set, is evaluated before the shot (e.g. xdotool clicks).
# Needs: xvfb xauth imagemagick libgl1-mesa-dri libglx-mesa0 libxkbcommon-x11-0 (and
# xdotool for PIPEWRIGHT_SHOT_PRE clicks): scripts/setup.sh --screenshots installs them.
set -eu
out=${1:?usage: scripts/screenshot.sh OUT.png [SECONDS] [-- ARGS...]}
shift
wait_secs=8
if [ $# -gt 0 ] && [ "$1" != "--" ]; then wait_secs=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" = "--" ]; then shift; fi
bin=${PIPEWRIGHT_BIN:-target/release/pipewright}
out_abs=$(realpath -m "$out")
export PIPEWRIGHT_SHOT_OUT="$out_abs" PIPEWRIGHT_SHOT_WAIT="$wait_secs" PIPEWRIGHT_SHOT_BIN="$bin"
xvfb-run -a -s "-screen 0 1600x1000x24" sh -c '
  "$PIPEWRIGHT_SHOT_BIN" "$@" &
  pid=$!
  sleep "$PIPEWRIGHT_SHOT_WAIT"
  eval "${PIPEWRIGHT_SHOT_PRE:-true}"
  import -window root "$PIPEWRIGHT_SHOT_OUT"
  kill "$pid" 2>/dev/null || true
' sh "$@"
echo "saved $out_abs"
