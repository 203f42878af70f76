#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (Python 3 + pip is enough):
#   ./setup.sh demo   set up, build, cartoonize the bundled sample, print where the results are
#   ./setup.sh test   set up, build, run every test
#   ./setup.sh        set up and build only
# Each step is skipped when already done, so a second run is fast.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
BUILD=${BUILD_DIR:-build}
PY=${PYTHON:-python3}

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

APT_PACKAGES=(
  build-essential pkg-config python3-venv
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-libav
  libopencv-dev libopencv-contrib-dev libdlib-dev libdlib-data
  libgtest-dev gstreamer1.0-plugins-ugly
)
# Tools the pipeline tests run against (servers on loopback, encoders).
APT_PACKAGES_PIPELINES=(
  python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
  nginx libnginx-mod-rtmp
  slurmctld slurmd slurm-client munge
)
# Tools the reliability checks use (fuzzer toolchain, sanitizer runtimes, valgrind).
APT_PACKAGES_RELIABILITY=(
  clang libclang-rt-dev valgrind
)
APT_PACKAGES+=("${APT_PACKAGES_PIPELINES[@]}" "${APT_PACKAGES_RELIABILITY[@]}")

install_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

install_venv() {
  local stamp=.venv/.requirements-installed
  if [ -f "$stamp" ] && cmp -s requirements.txt "$stamp"; then return 0; fi
  if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    "$PY" -m venv .venv
  fi
  log "installing Python requirements into .venv (torch is large: several minutes on a first run)"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
  cp requirements.txt "$stamp"
}

configure_build() {
  export PATH="$ROOT/.venv/bin:$PATH"
  if [ ! -f "$BUILD/build.ninja" ]; then
    log "configuring $BUILD"
    meson setup "$BUILD" --buildtype=release ${MESON_ARGS:-}
  fi
  log "building"
  ninja -C "$BUILD"
}

install_apt
install_venv
configure_build

case "${1:-}" in
  "") ;;
  demo) shift; exec "$ROOT/.venv/bin/meson" devenv -C "$BUILD" "$ROOT/pipelines/demo" "$@" ;;
  test) shift; exec "$ROOT/scripts/run-tests" "$BUILD" "$@" ;;
  *) echo "usage: $0 [demo|test]" >&2; exit 2 ;;
esac
