#!/usr/bin/env bash
# Side-by-side build times: crescu vs Hugo (Debian's hugo) vs mdBook (crates.io) on the
# same synthetic course, with hyperfine (Debian's hyperfine). Prints Markdown tables.
#   scripts/bench.sh [LESSON_COUNTS...]      default: 100 1000
# Needs: hugo, hyperfine, mdbook on PATH (cargo install mdbook --locked).
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("${@:-100 1000}")
[ $# -eq 0 ] && counts=(100 1000)
cargo build --release -q
crescu="$PWD/target/release/crescu"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "crescu $("$crescu" --version | cut -d' ' -f2), $(hugo version | cut -d' ' -f1-2), mdbook $(mdbook --version | cut -d' ' -f2), $(nproc) cores"
for n in "${counts[@]}"; do
  python3 scripts/synth_course.py "$n" "$work/$n"
  echo
  echo "### $n lessons"
  hyperfine --warmup 1 --runs 5 --style none --export-markdown "$work/$n.md" \
    -n crescu "$crescu build --root $work/$n/crescu --output $work/$n/out-crescu --no-cache" \
    -n hugo "hugo --quiet --source $work/$n/hugo --destination $work/$n/out-hugo" \
    -n mdbook "mdbook build $work/$n/mdbook --dest-dir $work/$n/out-mdbook" >/dev/null
  cat "$work/$n.md"
done
