#!/usr/bin/env bash
# uplift against an analyst's Python pipeline and against the cost of merely
# reading the files, on the same simulated data; then uplift's growth curve.
#
#   bash benches/compare.sh [USERS]        # default 1000000
#
# Steps: `cargo build --release`; `pip install -r benches/peer/requirements.txt`;
# `uplift simulate --users USERS --seed 42`; then each command is run once as
# a warm-up (the peer: PEER_WARMUP times) and RUNS times under /usr/bin/time
# (wall time and peak resident memory of the process), and the medians are
# reported, with the input size on disk and the ratios uplift / peer,
# uplift / floor and peak memory / input size:
#   (a) uplift run --exposures … --revenue … --spend … --finance … --config …
#       --window 30 --window 60 --window 90 --format json -o …   (all models)
#   (b) python3 benches/peer/peer.py, the same flags (pandas, scipy,
#       ChannelAttribution; see its docstring)
#   (c) the floor: Python polars `pl.read_csv` of exposures.csv and
#       revenue.csv, nothing else
# benches/peer/agree.py then checks that (a) and (b) computed the same numbers.
# Last, the growth curve: (a) at GROWTH users (rows/s = exposures + revenue
# rows per second of wall time).
#
# Environment: RUNS (timed runs per command, default 3), PEER_RUNS (default
# RUNS) and PEER_WARMUP (default 1; the peer takes about 10 minutes a run at
# 1M users, so PEER_RUNS=1 PEER_WARMUP=0 is the quick choice), GROWTH (default
# "100000 300000 1000000"), PYTHON (default python3), BENCH_DIR (where data
# and reports go, default target/compare).
set -euo pipefail
cd "$(dirname "$0")/.."

USERS=${1:-1000000}
RUNS=${RUNS:-3}
PEER_RUNS=${PEER_RUNS:-$RUNS}
PEER_WARMUP=${PEER_WARMUP:-1}
GROWTH=${GROWTH:-"100000 300000 1000000"}
PYTHON=${PYTHON:-python3}
WORK=${BENCH_DIR:-target/compare}
BIN=target/release/uplift
mkdir -p "$WORK"

log() { printf '== %s\n' "$*" >&2; }

log "cargo build --release"
cargo build --release --locked --bin uplift >&2

log "pip install -r benches/peer/requirements.txt"
"$PYTHON" -m pip install --quiet --disable-pip-version-check -r benches/peer/requirements.txt >&2

# simulate N: the data set of N users, seed 42, in $WORK/users-N (reused
# when the same binary already wrote it).
simulate() {
    local dir="$WORK/users-$1"
    if [[ ! -f "$dir/truth.json" || "$BIN" -nt "$dir/truth.json" ]]; then
        log "uplift simulate --users $1 --seed 42"
        rm -rf "$dir"
        "$BIN" simulate --users "$1" --seed 42 --out "$dir" >&2
    fi
    echo "$dir"
}

# measure WARMUPS RUNS CMD...: WARMUPS untimed runs, then RUNS timed runs;
# prints "median_wall_s min_wall_s max_wall_s median_peak_rss_kib median_cpu_s"
# (cpu = user + system time: steadier than wall time on a shared machine).
measure() {
    local warmups=$1 runs=$2
    shift 2
    local t
    t=$(mktemp)
    for _ in $(seq "$warmups"); do
        if ! "$@" >/dev/null 2>"$t.err"; then
            cat "$t.err" >&2
            log "failed: $*"
            exit 1
        fi
    done
    : >"$t.all"
    for _ in $(seq "$runs"); do
        /usr/bin/time -f '%e %M %U %S' -o "$t" "$@" >/dev/null 2>"$t.err" || {
            cat "$t.err" >&2
            log "failed: $*"
            exit 1
        }
        tail -n 1 "$t" >>"$t.all"
    done
    "$PYTHON" - "$t.all" <<'EOF'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
wall = [r[0] for r in rows]
rss = [r[1] for r in rows]
cpu = [r[2] + r[3] for r in rows]
print(f"{statistics.median(wall):.2f} {min(wall):.2f} {max(wall):.2f} "
      f"{statistics.median(rss):.0f} {statistics.median(cpu):.2f}")
EOF
    rm -f "$t" "$t.all" "$t.err"
}

rows_of() { echo $(($(wc -l <"$1") - 1)); }
bytes_of() { du -cb "$@" | tail -n 1 | cut -f 1; }

DIR=$(simulate "$USERS")
EXPOSURES=$DIR/exposures.csv
REVENUE=$DIR/revenue.csv
INPUT_BYTES=$(bytes_of "$EXPOSURES" "$REVENUE" "$DIR/spend.csv" "$DIR/finance.csv")
ROWS=$(($(rows_of "$EXPOSURES") + $(rows_of "$REVENUE")))

UPLIFT=("$BIN" run --exposures "$EXPOSURES" --revenue "$REVENUE" --spend "$DIR/spend.csv"
    --finance "$DIR/finance.csv" --config "$DIR/uplift.toml"
    --window 30 --window 60 --window 90 --format json -o "$WORK/uplift.json")
PEER=("$PYTHON" benches/peer/peer.py --exposures "$EXPOSURES" --revenue "$REVENUE"
    --spend "$DIR/spend.csv" --finance "$DIR/finance.csv" --config "$DIR/uplift.toml"
    --window 30 --window 60 --window 90 -o "$WORK/peer.json")
FLOOR=("$PYTHON" -c 'import sys, polars as pl; [pl.read_csv(f) for f in sys.argv[1:]]'
    "$EXPOSURES" "$REVENUE")

log "(a) uplift run, $RUNS runs"
read -r A_WALL A_MIN A_MAX A_RSS A_CPU < <(measure 1 "$RUNS" "${UPLIFT[@]}")
log "(b) Python peer, $PEER_RUNS runs"
read -r B_WALL B_MIN B_MAX B_RSS B_CPU < <(measure "$PEER_WARMUP" "$PEER_RUNS" "${PEER[@]}")
log "(c) floor: polars read_csv, $RUNS runs"
read -r C_WALL C_MIN C_MAX C_RSS C_CPU < <(measure 1 "$RUNS" "${FLOOR[@]}")

log "do uplift and the peer agree?"
"$PYTHON" benches/peer/agree.py "$WORK/uplift.json" "$WORK/peer.json" >&2 || log "they DIFFER"

ratio() { "$PYTHON" -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.3f}')" "$1" "$2"; }
mib() { "$PYTHON" -c "import sys; print(f'{float(sys.argv[1]) / 1024:.0f}')" "$1"; }
per_input() { "$PYTHON" -c "import sys; print(f'{float(sys.argv[1]) * 1024 / float(sys.argv[2]):.2f}')" "$1" "$INPUT_BYTES"; }

echo
echo "## $USERS users: $ROWS exposures + revenue rows, input $((INPUT_BYTES / 1048576)) MiB on disk"
echo "(medians of $RUNS runs after 1 warm-up; the peer: $PEER_RUNS runs after $PEER_WARMUP; $(nproc) cores)"
echo
echo "| command | wall s (min–max) | cpu s | peak RSS MiB | peak RSS / input |"
echo "|---|---|---|---|---|"
echo "| (a) uplift run | $A_WALL ($A_MIN–$A_MAX) | $A_CPU | $(mib "$A_RSS") | $(per_input "$A_RSS") |"
echo "| (b) Python peer | $B_WALL ($B_MIN–$B_MAX) | $B_CPU | $(mib "$B_RSS") | $(per_input "$B_RSS") |"
echo "| (c) floor: polars read_csv | $C_WALL ($C_MIN–$C_MAX) | $C_CPU | $(mib "$C_RSS") | $(per_input "$C_RSS") |"
echo
echo "uplift / peer: wall $(ratio "$A_WALL" "$B_WALL"), cpu $(ratio "$A_CPU" "$B_CPU"), memory $(ratio "$A_RSS" "$B_RSS")"
echo "uplift / floor: wall $(ratio "$A_WALL" "$C_WALL"), cpu $(ratio "$A_CPU" "$C_CPU"), memory $(ratio "$A_RSS" "$C_RSS")"

echo
echo "## Growth: uplift run (medians of $RUNS runs)"
echo
echo "| users | rows | input MiB | wall s | cpu s | rows/s | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|"
for n in $GROWTH; do
    d=$(simulate "$n")
    rows=$(($(rows_of "$d/exposures.csv") + $(rows_of "$d/revenue.csv")))
    bytes=$(bytes_of "$d"/exposures.csv "$d"/revenue.csv "$d"/spend.csv "$d"/finance.csv)
    log "growth: uplift run at $n users"
    read -r wall _ _ rss cpu < <(measure 1 "$RUNS" "$BIN" run --exposures "$d/exposures.csv" \
        --revenue "$d/revenue.csv" --spend "$d/spend.csv" --finance "$d/finance.csv" \
        --config "$d/uplift.toml" --window 30 --window 60 --window 90 --format json \
        -o "$WORK/growth.json")
    echo "| $n | $rows | $((bytes / 1048576)) | $wall | $cpu | $("$PYTHON" -c "print(f'{$rows / $wall:,.0f}')") | $(mib "$rss") |"
done
