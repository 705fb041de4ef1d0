#!/bin/bash
# Measures the new-GIL lessons of the calibration course on other CPython versions, so
# they can be set beside the committed 3.11 measurements (BENCHMARKS.md, "Other CPython
# versions"). Each version measures its own copy of the course under $OUT; lessons are
# taken in turn, each on every version, so a drift of the machine's speed spreads over
# all versions alike. Old-GIL lessons are left out (they run on 2.7 whatever is asked).
#
#   scripts/measure_versions.sh [CRESCU] [VERSION...]      # default: 3.9 3.13
#   python3 scripts/compare_versions.py $OUT/3.9 calibration $OUT/3.13
set -euo pipefail
crescu=${1:-target/release/crescu}
shift || true
versions=("${@:-3.9 3.13}")
read -r -a versions <<<"${versions[*]}"
out=${OUT:-/tmp/crescu-versions}
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for v in "${versions[@]}"; do
  rm -rf "$out/$v" && mkdir -p "$out/$v" && cp -r calibration/. "$out/$v/"
done
for lesson in cpu io-convoy sleepers hashing sleeps-and-hashing; do
  for v in "${versions[@]}"; do
    py=$(ls -d "$root"/versions/"$v".*/bin/python | sort -V | tail -1)
    echo "== $lesson on $py, $(date +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
    "$crescu" measure --root "$out/$v" --lesson "$lesson" --python "$py" --max-wait 120
  done
done
