#!/usr/bin/env bash
# Loads uplift's input files into a PostgreSQL server and runs
# `uplift sql --dialect postgres`'s statements there, saving each result as
# NAME.csv: the warehouse round trip of tests/cli/warehouse.rs.
#   pg_aggregates.sh PORT DATA_DIR SQL_DIR OUT_DIR [SQL_DIR OUT_DIR ...]
# The tables are loaded once, then each SQL_DIR's statements run into its
# OUT_DIR. Money is loaded as numeric (exact), timestamps as timestamptz; the
# server's time zone is not UTC, so nothing may depend on it. An exposures
# file with a last column `seq` (testdata/ties) loads it as a bigint; a
# revenue file with a last column `cost` loads it as numeric (empty = null).
set -euo pipefail
port=$1 data=$2
shift 2
psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres)

cat_file() { # the data file, decompressed
    if [[ -f $1.csv.gz ]]; then echo "gzip -dc \"$1.csv.gz\""; else echo "cat \"$1.csv\""; fi
}

# N.B. the decompressor may stop on a closed pipe: its status does not count.
header=$(eval "$(cat_file "$data/exposures")" 2>/dev/null | head -1 | tr -d '\r' || true)
seq=""
if [[ $header == *,seq ]]; then
    seq=", seq bigint"
fi
header=$(eval "$(cat_file "$data/revenue")" 2>/dev/null | head -1 | tr -d '\r' || true)
cost=""
if [[ $header == *,cost ]]; then
    cost=", cost numeric"
fi
"${psql[@]}" <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS exposures, revenue, spend, finance;
CREATE TABLE exposures (user_id text, channel text, "timestamp" timestamptz, "group" text,
  campaign text, segment text, cost numeric$seq);
CREATE TABLE revenue (order_id text, user_id text, "timestamp" timestamptz, revenue numeric$cost);
CREATE TABLE spend (date date, channel text, spend numeric);
CREATE TABLE finance (period_start date, period_end date, revenue numeric);
\copy exposures FROM PROGRAM '$(cat_file "$data/exposures")' WITH (FORMAT csv, HEADER)
\copy revenue FROM PROGRAM '$(cat_file "$data/revenue")' WITH (FORMAT csv, HEADER)
SQL
if [[ -f $data/spend.csv ]]; then
    "${psql[@]}" -c "\\copy spend FROM '$data/spend.csv' WITH (FORMAT csv, HEADER)"
fi
if [[ -f $data/finance.csv ]]; then
    "${psql[@]}" -c "\\copy finance FROM '$data/finance.csv' WITH (FORMAT csv, HEADER)"
fi
# Statistics, as a warehouse's tables have them: without them the planner
# guesses row counts and may join large intermediate results by nested loops.
"${psql[@]}" -c "ANALYZE exposures, revenue, spend, finance"
while (($# >= 2)); do
    sql=$1 out=$2
    shift 2
    mkdir -p "$out"
    for f in "$sql"/*.sql; do
        name=$(basename "$f" .sql)
        { echo "COPY ("; cat "$f"; echo ") TO STDOUT WITH (FORMAT csv, HEADER)"; } >"$out/$name.copy"
        "${psql[@]}" -f "$out/$name.copy" >"$out/$name.csv"
        rm "$out/$name.copy"
    done
done
