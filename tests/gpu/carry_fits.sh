#!/usr/bin/env bash
# What scripts/gpu-session carries to the GPU machine fits the device tool's
# 64 MiB with the working tree: `--prepare` writes the real packs and weights
# from ../shared/data into a temporary CARRY, and scripts/carry-size adds the
# tree (verify's frames travel in a second call, see docs/gpu-session.md).
#   tests/gpu/carry_fits.sh BUILT_CARTOONIZE_TRAIN
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CARRY="$tmp/gpu-carry" TRAIN="$1" scripts/gpu-session --prepare
for pack in photos-utk photos-selfies anime toon; do
  [ -s "$tmp/gpu-carry/$pack.ctzp" ] || { echo "carry_fits: no $pack.ctzp written" >&2; exit 1; }
done
scripts/carry-size --limit-mib "${LIMIT_MIB:-62}" "$tmp/gpu-carry"
