#!/usr/bin/env bash
# Regenerates testdata/warehouse/: the aggregates of testdata/sim computed by
# DuckDB from `uplift sql --dialect duckdb` (window 30, all models, spend and
# finance tables), gzipped. tests/cli/warehouse.rs runs `--from-aggregates`
# on them and compares with the in-process run.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/warehouse/env.sh >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo run --quiet -- sql --dialect duckdb --exposures-table exposures --revenue-table revenue \
    --spend-table spend --finance-table finance --config testdata/sim/uplift.toml \
    --window 30 --out-dir "$tmp/sql" >/dev/null
python3 scripts/warehouse/duckdb_aggregates.py testdata/sim "$tmp/sql" "$tmp/out"
rm -rf testdata/warehouse
mkdir -p testdata/warehouse
for f in "$tmp"/out/*.csv; do
    gzip -9 -n -c "$f" >"testdata/warehouse/$(basename "$f").gz"
done
ls -l testdata/warehouse
