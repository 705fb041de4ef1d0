#!/usr/bin/env bash
# Build speed and scale of crescu, printed as Markdown for BENCHMARKS.md.
#
#   scripts/bench_scale.sh [RUNS]        RUNS per configuration, default 5
#
# (a) Scale: synthetic courses of 1,000 and 10,000 lessons with one small simulation
#     each (synth_course.py --simulations), built with an empty cache ("cold") and again
#     with the cache the cold build filled ("warm"): median wall time, time per page,
#     peak resident memory.
# (b) Side by side, without simulations: crescu cold (--no-cache), crescu warm (cache
#     of a previous build), Hugo and mdBook on the same 1,000-lesson course, runs
#     alternated (crescu cold, crescu warm, hugo, mdbook, crescu cold, ...), medians.
#
# Needs hugo on PATH and mdbook on PATH or in /opt/mdbook/bin.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -q
crescu="$CARGO_TARGET_DIR/release/crescu"
mdbook="$(command -v mdbook || echo /opt/mdbook/bin/mdbook)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 scripts/synth_course.py 1000 "$work/s1000"
python3 scripts/synth_course.py 1000 "$work/m1000" --simulations
python3 scripts/synth_course.py 10000 "$work/m10000" --simulations

CRESCU="$crescu" MDBOOK="$mdbook" WORK="$work" RUNS="$runs" python3 - <<'EOF'
import os, shutil, statistics, subprocess, time

crescu, mdbook, work, runs = os.environ["CRESCU"], os.environ["MDBOOK"], os.environ["WORK"], int(os.environ["RUNS"])

def timed(cmd):
    """Wall seconds and peak RSS (MB) of one run of cmd, from wait4's rusage."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if status != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss / 1024

def version(cmd):
    return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]

print(f"- {version([crescu, '--version'])}, {version(['hugo', 'version'])}, "
      f"{version([mdbook, '--version'])}, {os.cpu_count()} cores")
print(f"- load average before the runs: {os.getloadavg()[0]:.2f}")
print()

# (a) Scale with simulations.
print("| lessons | cache | median wall | per page | peak RSS (max) | runs |")
print("|---:|---|---:|---:|---:|---:|")
for n in (1000, 10000):
    root = f"{work}/m{n}/crescu"
    out = f"{work}/out-m{n}"
    pages = n + 1 + (n + 49) // 50 + 1  # lessons, index, modules, 404
    for cache in ("cold", "warm"):
        walls, rss = [], []
        for _ in range(runs):
            if cache == "cold":
                shutil.rmtree(f"{root}/.crescu-cache", ignore_errors=True)
            w, m = timed([crescu, "build", "--root", root, "--output", out])
            walls.append(w)
            rss.append(m)
        med = statistics.median(walls)
        print(f"| {n} | {cache} | {med:.3f} s | {med / pages * 1000:.3f} ms | {max(rss):.0f} MB | {runs} |")
print()

# (b) Side by side, alternated.
s = f"{work}/s1000"
tools = {
    "crescu cold (--no-cache)": [crescu, "build", "--root", f"{s}/crescu", "--output", f"{work}/out-c", "--no-cache"],
    "crescu warm (cache)": [crescu, "build", "--root", f"{s}/crescu", "--output", f"{work}/out-w"],
    "hugo": ["hugo", "--quiet", "--source", f"{s}/hugo", "--destination", f"{work}/out-h"],
    "mdbook": [mdbook, "build", f"{s}/mdbook", "--dest-dir", f"{work}/out-m"],
}
timed(tools["crescu warm (cache)"])  # fills the cache the warm runs use
results = {name: [] for name in tools}
for _ in range(runs):
    for name, cmd in tools.items():
        results[name].append(timed(cmd))
hugo = statistics.median(w for w, _ in results["hugo"])
print("| 1,000 lessons, no simulations | median wall | min | max | x Hugo | peak RSS (max) |")
print("|---|---:|---:|---:|---:|---:|")
for name, rs in results.items():
    walls = [w for w, _ in rs]
    med = statistics.median(walls)
    print(f"| {name} | {med:.3f} s | {min(walls):.3f} s | {max(walls):.3f} s | {med / hugo:.2f} | {max(m for _, m in rs):.0f} MB |")
print()
print(f"- load average after the runs: {os.getloadavg()[0]:.2f}")
EOF
