#!/usr/bin/env bash
# crescu against Hugo and mdBook at 1,000 and 10,000 lessons, paired, printed as Markdown.
#
#   scripts/bench_peers.sh [ROUNDS] [SIZES...]     default: 5 rounds, 1000 10000
#
# Each size is one synthetic course (synth_course.py --distinct-code: every lesson has
# code of its own) in three forms. Each round is one hyperfine run of the four builds,
# one run each, in an order rotated every round: crescu cold (--no-cache), crescu warm
# (the highlight cache of the round before), Hugo, mdBook. Ratios to Hugo are taken per
# round (paired) and reported as median and range, which holds better on a shared
# machine than raw times. Peak memory of one more build of each, from /usr/bin/time -v.
#
# CRESCU=path uses that binary instead of building one; CRESCU_BEFORE=path adds the
# cold and warm builds of a second binary (an earlier version) to every round, on its
# own copy of the course, for before/after figures.
#
# mdBook runs only up to MDBOOK_MAX lessons (default 1000; see below).
#
# Needs: hyperfine, hugo (Debian), mdbook (cargo install mdbook), /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
shift || true
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000 10000)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
if [ -z "${CRESCU:-}" ]; then
  cargo build --release -q
  CRESCU="$CARGO_TARGET_DIR/release/crescu"
fi
crescu="$CRESCU"
before="${CRESCU_BEFORE:-}"
mdbook="$(command -v mdbook || echo "$HOME/.cargo/bin/mdbook")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "- $("$crescu" --version), $(hugo version | cut -d' ' -f1-2), $("$mdbook" --version), $(nproc) cores"
for n in "${sizes[@]}"; do
  s="$work/s$n"
  python3 scripts/synth_course.py "$n" "$s" --distinct-code
  cold="$crescu build --root $s/crescu --output $work/out-c$n --no-cache"
  warm="$crescu build --root $s/crescu --output $work/out-w$n"
  hugo="hugo --quiet --source $s/hugo --destination $work/out-h$n"
  book="$mdbook build $s/mdbook --dest-dir $work/out-m$n"
  $warm >/dev/null 2>&1 # fills the highlight cache
  names=("crescu cold" "crescu warm" "hugo")
  cmds=("$cold" "$warm" "$hugo")
  # mdBook's build time grows with the square of the book (every page lists every
  # chapter): one build of 10,000 lessons ran for over 8 minutes here.
  if [ "$n" -le "${MDBOOK_MAX:-1000}" ]; then
    names+=("mdbook")
    cmds+=("$book")
  fi
  if [ -n "$before" ]; then
    cp -r "$s/crescu" "$s/crescu-before"
    names+=("before cold" "before warm")
    cmds+=("$before build --root $s/crescu-before --output $work/out-bc$n --no-cache"
      "$before build --root $s/crescu-before --output $work/out-bw$n")
    ${cmds[$((${#cmds[@]} - 1))]} >/dev/null 2>&1
  fi
  count=${#cmds[@]}
  echo
  echo "### $n lessons (load average $(cut -d' ' -f1-3 /proc/loadavg) before)"
  for r in $(seq 1 "$rounds"); do
    args=()
    for k in $(seq 0 $((count - 1))); do
      i=$(((k + r) % count))
      args+=(-n "${names[$i]}" "${cmds[$i]}")
    done
    hyperfine --runs 1 --style none --export-json "$work/r$n-$r.json" "${args[@]}" >/dev/null
  done
  echo "(load average $(cut -d' ' -f1-3 /proc/loadavg) after)"
  for k in $(seq 0 $((count - 1))); do
    /usr/bin/time -v ${cmds[$k]} >/dev/null 2>"$work/time-$n-$k.txt" || true
    grep "Maximum resident" "$work/time-$n-$k.txt" | awk -v name="${names[$k]}" '{print name, $NF}' >>"$work/rss-$n.txt"
  done
  python3 - "$work" "$n" "$rounds" <<'EOF'
import json, statistics, sys
work, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
times = {}
for r in range(1, rounds + 1):
    for res in json.load(open(f"{work}/r{n}-{r}.json"))["results"]:
        times.setdefault(res["command"], []).append(res["mean"])
rss = dict(line.rsplit(" ", 1) for line in open(f"{work}/rss-{n}.txt").read().splitlines())
hugo = times["hugo"]
print("| tool | median wall | min | max | x Hugo, paired: median (range) | per page | peak RSS |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name, walls in times.items():
    ratios = [w / h for w, h in zip(walls, hugo)]
    print(f"| {name} | {statistics.median(walls):.3f} s | {min(walls):.3f} s | {max(walls):.3f} s "
          f"| {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) "
          f"| {statistics.median(walls) / n * 1000:.3f} ms | {int(rss.get(name, 0)) / 1024:.0f} MB |")
EOF
done
