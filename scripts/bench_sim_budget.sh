#!/usr/bin/env bash
# How long the simulator takes per million *steps* (events times the run's threads and
# cores), for crowds of CPU-bound threads on 2 cores: the unit of the per-run and per-build
# simulation budgets. Usage: scripts/bench_sim_budget.sh [REPEATS]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}
cargo build --release -q
bin=target/release/crescu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%8s %8s %12s %10s %10s\n' threads cpu_ms steps_M median_s Msteps/s
for spec in "2 60000" "16 5000" "64 1000" "150 1000"; do
  set -- $spec
  python3 - "$1" "$2" >"$dir/crowd.yaml" <<'PY'
import sys
n, ms = int(sys.argv[1]), float(sys.argv[2])
print("- id: crowd\n  machine: { cores: 2 }\n  runs:\n    - label: crowd\n      threads:")
for i in range(n):
    print(f"        - {{ name: T{i}, work: [ {{ cpu_ms: {ms} }} ] }}")
PY
  times=()
  for _ in $(seq "$repeats"); do
    start=$(date +%s.%N)
    events=$("$bin" sim "$dir/crowd.yaml" --format json |
      python3 -c "import json,sys; print(json.load(sys.stdin)['simulations'][0]['runs'][0]['events'])")
    times+=("$(echo "$(date +%s.%N) - $start" | bc)")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  steps=$(echo "$events * ($1 + 2) / 1000000" | bc -l)
  printf '%8s %8s %12.0f %10.2f %10.0f\n' "$1" "$2" "$steps" "$median" "$(echo "$steps / $median" | bc -l)"
done
