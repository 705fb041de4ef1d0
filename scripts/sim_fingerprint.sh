#!/usr/bin/env bash
# Prints the sim JSON (and the SVG charts, which carry the timelines) of every simulation of the example course (content/) and of
# the calibration course (calibration/content/), one block per source file, so two versions of the simulator can
# be compared byte for byte:
#   scripts/sim_fingerprint.sh > before.json   # ... change the simulator ...
#   scripts/sim_fingerprint.sh > after.json && cmp before.json after.json
# CRESCU names the binary to use (default: `cargo run -q --`).
set -euo pipefail
cd "$(dirname "$0")/.."
crescu=${CRESCU:-"cargo run -q --"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A lesson's `simulations:` list, cut from its front matter: from that key to the next
# top-level key or the closing `---`.
simulations_of() {
    awk 'NR == 1 && /^---$/ { inside = 1; next }
         inside && /^---$/ { exit }
         inside && /^simulations:/ { taking = 1; next }
         inside && taking && /^[A-Za-z_]+:/ { taking = 0 }
         taking { print }' "$1"
}

for lesson in content/*/*.md calibration/content/*/*.md; do
    out="$work/$(echo "$lesson" | tr / _).yaml"
    simulations_of "$lesson" > "$out"
    if [ -s "$out" ]; then
        echo "== $lesson"
        $crescu sim "$out" --format json
        $crescu sim "$out" --format svg
        # Another seed draws other OS jitter: more paths of the model compared.
        $crescu sim "$out" --format json --seed 7
    fi
done
