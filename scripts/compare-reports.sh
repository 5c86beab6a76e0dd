#!/usr/bin/env bash
# Byte-for-byte comparison of two uplift binaries' reports.
#
#   scripts/compare-reports.sh OLD_BINARY NEW_BINARY [SIM_DIR]
#
# Runs both binaries on the same inputs (testdata/sim in every format and
# subcommand, with bootstrap, segments, spend and finance; the warehouse
# aggregates of testdata/warehouse; the same-timestamp ties of
# testdata/ties; every --help) and compares every output with `cmp`. SIM_DIR, when given,
# is a further `uplift simulate` directory (such as a 1M-user one) run in
# JSON. Exits 1 on the first difference, naming it; 0 when all are equal.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 OLD_BINARY NEW_BINARY [SIM_DIR]" >&2
    exit 2
fi
old=$(realpath "$1")
new=$(realpath "$2")
big=${3:+$(realpath "$3")}
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Both under the name `uplift`: usage messages name the binary.
mkdir "$out/old" "$out/new"
cp "$old" "$out/old/uplift"
cp "$new" "$out/new/uplift"
old=$out/old/uplift
new=$out/new/uplift

sim=testdata/sim
sim_in=(--exposures $sim/exposures.csv.gz --revenue $sim/revenue.csv.gz --config $sim/uplift.toml)
all=("${sim_in[@]}" --spend $sim/spend.csv --finance $sim/finance.csv)
ties=(--exposures testdata/ties/exposures.csv.gz --revenue $sim/revenue.csv.gz --config $sim/uplift.toml)

cases=()
for f in table json csv markdown html calibration; do
    cases+=("run-$f|run ${all[*]} --window 30 --window 60 --window 90 --format $f")
done
cases+=(
    "run-bootstrap|run ${all[*]} --window 30 --bootstrap 200 --seed 3 --format json"
    "run-no-cuped|run ${sim_in[*]} --window 60 --no-cuped --confidence 0.9 --format json"
    "run-as-of|run ${all[*]} --as-of 2026-05-31 --hurdle-iroas 2 --tolerance 0.001 --fail-on reconciliation,srm,negative-lift --format json"
    "run-ties|run ${ties[*]} --window 30 --window 90 --format json"
    "attribute-json|attribute ${sim_in[*]} --window 30 --window 90 --format json"
    "attribute-explain|attribute ${sim_in[*]} --window 30 --explain markov --markov-order 2 --format json"
    "attribute-table|attribute ${sim_in[*]} --window 30 --explain markov"
    "attribute-markdown|attribute ${sim_in[*]} --window 30 --format markdown"
    "reconcile-json|reconcile --revenue $sim/revenue.csv.gz --finance $sim/finance.csv --format json"
    "reconcile-table|reconcile --revenue $sim/revenue.csv.gz --finance $sim/finance.csv --tolerance 0.001 --fail-on reconciliation"
    "validate-json|validate ${all[*]} --format json"
    "validate-table|validate ${all[*]}"
    "power-json|power --sd 120 --baseline 40 --mde 2 --control-share 0.2 --format json"
)
cases+=("help|--help" "version|--version")
for c in run attribute reconcile validate simulate power sql; do
    cases+=("help-$c|$c --help" "short-help-$c|$c -h")
done
for f in table json csv markdown html calibration; do
    cases+=("aggregates-$f|run --from-aggregates testdata/warehouse --config $sim/uplift.toml --window 30 --format $f")
done
cases+=("aggregates-bootstrap|run --from-aggregates testdata/warehouse --config $sim/uplift.toml --window 30 --bootstrap 100 --format json")
if [ -n "$big" ]; then
    cases+=("big-run|run --exposures $(ls "$big"/exposures.*) --revenue $(ls "$big"/revenue.*) --spend $big/spend.csv --finance $big/finance.csv --config $big/uplift.toml --window 30 --window 60 --window 90 --format json")
fi

failed=0
for c in "${cases[@]}"; do
    name=${c%%|*}
    # shellcheck disable=SC2086
    set -- ${c#*|}
    for side in old new; do
        bin=$old
        [ $side = new ] && bin=$new
        set +e
        "$bin" "$@" >"$out/$name.$side" 2>"$out/$name.$side.err"
        echo $? >"$out/$name.$side.rc"
        set -e
    done
    for ext in "" .err .rc; do
        if ! cmp -s "$out/$name.old$ext" "$out/$name.new$ext"; then
            echo "DIFFERENT: $name${ext:- (standard output)}"
            cmp "$out/$name.old$ext" "$out/$name.new$ext" | head -1 || true
            failed=1
        fi
    done
    if cmp -s "$out/$name.old" "$out/$name.new"; then
        echo "identical: $name ($(wc -c <"$out/$name.new") bytes, exit $(cat "$out/$name.new.rc"))"
    fi
done
exit $failed
