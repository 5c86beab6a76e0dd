#!/usr/bin/env bash
# The weekly KPI report: the same holdout tests read again every week.
# Markdown for the mail / PR or issue comment, HTML for the archive, JSON for
# the dashboards (and for next week's diff), MMM calibration CSV. The
# intervals are always valid (--sequential), so reading every week does not
# inflate false wins; --mde gives each undecided channel its days to a
# decision. Exit code 3 (a failed --fail-on check) fails the job, after every
# report has been written.
#
#   DATA=exports/2026-w47 OUT=reports/2026-w47 bash weekly-kpi.sh
#   … PREVIOUS=reports/2026-w46/report.json bash weekly-kpi.sh   (adds diff.md)
#
# Optional: AS_OF=2026-11-22 (end of the period read), MDE=0.05 (the planned
# relative lift), UPLIFT=path/to/uplift.
set -euo pipefail
DATA="${DATA:?set DATA to the directory of the exports}"
OUT="${OUT:-reports}"
UPLIFT="${UPLIFT:-uplift}"
MDE="${MDE:-0.05}"
mkdir -p "$OUT"

inputs=(--exposures "$DATA/exposures.csv" --revenue "$DATA/revenue.csv"
        --spend "$DATA/spend.csv" --finance "$DATA/finance.csv"
        --config "$DATA/uplift.toml")
reading=(--window 30 --window 60 --window 90 --sequential --mde "$MDE")
[ -n "${AS_OF:-}" ] && reading+=(--as-of "$AS_OF")

"$UPLIFT" validate "${inputs[@]}"
status=0
for format in markdown html json calibration; do
  ext=$format; [ "$format" = markdown ] && ext=md
  [ "$format" = calibration ] && ext=calibration.csv
  "$UPLIFT" run "${inputs[@]}" "${reading[@]}" --format "$format" \
    --output "$OUT/report.$ext" --fail-on reconciliation || status=$?
done
# With PREVIOUS set to last week's report.json: what changed since, as
# Markdown for the same mail or comment. A changed verdict, a period turned
# to mismatch, a new warning or a newly imbalanced split fails the job too.
comment=("$OUT/report.md")
if [ -n "${PREVIOUS:-}" ]; then
  "$UPLIFT" diff "$PREVIOUS" "$OUT/report.json" --format markdown --output "$OUT/diff.md" \
    --fail-on decision-change,reconciliation,new-warning,imbalance || status=$?
  comment=("$OUT/diff.md" "$OUT/report.md")
fi
# The comment to post: the diff first, then the report.
{
  first=1
  for f in "${comment[@]}"; do
    [ "$first" = 1 ] || printf '\n---\n\n'
    cat "$f"
    first=0
  done
} >"$OUT/comment.md"
echo "reports in $OUT (exit $status)"
exit "$status"
