#!/usr/bin/env bash
# The weekly KPI report: Markdown for the mail / PR comment, HTML for the
# archive, JSON for the dashboards. Exit code 3 (a failed --fail-on check)
# fails the job, after every report has been written.
#
#   DATA=exports/2026-w47 OUT=reports/2026-w47 bash weekly-kpi.sh
#   … PREVIOUS=reports/2026-w46/report.json bash weekly-kpi.sh   (adds diff.md)
set -euo pipefail
DATA="${DATA:?set DATA to the directory of the exports}"
OUT="${OUT:-reports}"
UPLIFT="${UPLIFT:-uplift}"
mkdir -p "$OUT"

inputs=(--exposures "$DATA/exposures.csv" --revenue "$DATA/revenue.csv"
        --spend "$DATA/spend.csv" --finance "$DATA/finance.csv"
        --config "$DATA/uplift.toml" --window 30 --window 60 --window 90)

"$UPLIFT" validate "${inputs[@]:0:10}"
status=0
for format in markdown html json calibration; do
  ext=$format; [ "$format" = markdown ] && ext=md
  [ "$format" = calibration ] && ext=calibration.csv
  "$UPLIFT" run "${inputs[@]}" --format "$format" --output "$OUT/report.$ext" \
    --fail-on reconciliation || status=$?
done
# With PREVIOUS set to last week's report.json: what changed since, as
# Markdown for the same mail or comment; a changed verdict or a period turned
# to mismatch fails the job too.
if [ -n "${PREVIOUS:-}" ]; then
  "$UPLIFT" diff "$PREVIOUS" "$OUT/report.json" --format markdown \
    --output "$OUT/diff.md" --fail-on decision-change,reconciliation || status=$?
fi
echo "reports in $OUT (exit $status)"
exit "$status"
