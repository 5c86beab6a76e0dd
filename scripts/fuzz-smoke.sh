#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for a bounded time and prints how many
# inputs each one executed. Exits non-zero when a target crashes (panic,
# abort, timeout, out of memory); the crashing input is kept under
# fuzz/artifacts/<target>/ and the command to replay it is printed.
#
#   scripts/fuzz-smoke.sh            # 60 s in all, split over the targets
#   scripts/fuzz-smoke.sh 600        # ten minutes in all
#   FUZZ_TARGETS="csv_load timestamp" scripts/fuzz-smoke.sh 30
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). cargo-fuzz passes flags only
# a nightly compiler accepts (-Zsanitizer, -Cpasses=sancov-module …);
# RUSTC_BOOTSTRAP=1 makes the stable compiler accept them, so no nightly
# toolchain is needed. The first build compiles polars with coverage
# instrumentation into fuzz/target/ (10–20 minutes on 2 cores), and any change
# to src/ relinks the targets (about a minute); that time is not counted. The targets run without a sanitizer (`-s none`): uplift has no
# unsafe code, and AddressSanitizer's leak check trips over polars' global
# thread pool. Set FUZZ_SANITIZER=address to use it anyway.
set -euo pipefail
cd "$(dirname "$0")/.."

total=${1:-60}
read -r -a targets <<<"${FUZZ_TARGETS:-csv_load timestamp config pipeline}"
per=$((total / ${#targets[@]}))
((per >= 1)) || per=1
sanitizer=${FUZZ_SANITIZER:-none}

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-smoke: cargo-fuzz is not installed (cargo install cargo-fuzz)" >&2
    exit 2
fi
export RUSTC_BOOTSTRAP=1

work=$(mktemp -d "${TMPDIR:-/tmp}/uplift-fuzz-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tmp"

echo "== building the fuzz targets (sanitizer: $sanitizer)"
cargo fuzz build -s "$sanitizer" >"$work/build.log" 2>&1 ||
    { tail -n 40 "$work/build.log"; echo "fuzz-smoke: build failed" >&2; exit 2; }

# Seeds: the good files of testdata/tiny, the fuzz regression inputs of
# testdata/fuzz, every uplift.toml in testdata and a few timestamps.
seeds() {
    local t=$1 dir="$work/seeds/$1" i=0 f
    mkdir -p "$dir"
    case $t in
    csv_load)
        # First byte: 0 exposures, 1 revenue, 2 spend, 3 finance.
        for kind in exposures revenue spend finance; do
            for f in testdata/tiny/$kind.csv testdata/fuzz/csv_load/$kind-*.csv; do
                [[ -f $f ]] || continue
                { printf "\\x0$i"; cat "$f"; } >"$dir/$(basename "$f")"
            done
            i=$((i + 1))
        done
        ;;
    timestamp)
        for s in 2026-03-01T10:00:00Z 2026-03-01T12:00:00+02:00 "2026-03-01 10:00:00" \
            2026-03-01T10:00:00 2026-03-01 2026-03-01T10:00:00.123456Z; do
            printf '%s' "$s" >"$dir/seed$((i++))"
        done
        cp testdata/fuzz/timestamp/* "$dir/" 2>/dev/null || true
        ;;
    config)
        find testdata examples -name '*.toml' -print0 2>/dev/null |
            while IFS= read -r -d '' f; do cp "$f" "$dir/$(echo "$f" | tr / _)"; done
        cp testdata/fuzz/config/* "$dir/" 2>/dev/null || true
        ;;
    *) ;;
    esac
    echo "$dir"
}

status=0
for t in "${targets[@]}"; do
    corpus="$work/corpus/$t"
    mkdir -p "$corpus" "fuzz/artifacts/$t"
    seed_dir=$(seeds "$t")
    log="$work/$t.log"
    set +e
    # The targets write their scratch files under TMPDIR.
    TMPDIR="$work/tmp" cargo fuzz run -s "$sanitizer" "$t" "$corpus" "$seed_dir" -- \
        -max_total_time="$per" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 -seed="${FUZZ_SEED:-0}" \
        -artifact_prefix="fuzz/artifacts/$t/" >"$log" 2>&1
    rc=$?
    set -e
    execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -n 1)
    if [[ -z $execs ]]; then
        # No final stats (a crash): the last status line has the count.
        execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
    fi
    if ((rc == 0)); then
        printf '%-10s %10s executions in %ss, ok\n' "$t" "${execs:-?}" "$per"
    else
        status=1
        printf '%-10s %10s executions, CRASHED (exit %s)\n' "$t" "${execs:-?}" "$rc"
        grep -E 'panicked|ERROR|SUMMARY|Test unit written|Running: ' "$log" | head -n 20 || true
        tail -n 30 "$log"
        artifact=$(grep -oE "fuzz/artifacts/$t/[^ ]+" "$log" | tail -n 1 || true)
        [[ -n $artifact ]] &&
            echo "replay: RUSTC_BOOTSTRAP=1 cargo fuzz run -s $sanitizer $t $artifact"
    fi
done
exit $status
