"""Loads uplift's input files into DuckDB and runs `uplift sql --dialect duckdb`'s
statements there, saving each result as NAME.csv: the warehouse round trip of
tests/cli/warehouse.rs.

usage: duckdb_aggregates.py DATA_DIR SQL_DIR OUT_DIR [SQL_DIR OUT_DIR ...]
DATA_DIR holds exposures.csv[.gz], revenue.csv[.gz], spend.csv, finance.csv.
The tables are loaded once, then each SQL_DIR's statements run into its
OUT_DIR. An exposures column `seq` (testdata/ties) is loaded as a BIGINT, a
revenue column `cost` as a DOUBLE (empty = NULL).
"""

import os
import sys

import duckdb


def source(data, name):
    for ext in (".csv", ".csv.gz"):
        p = os.path.join(data, name + ext)
        if os.path.exists(p):
            return p
    return None


def main():
    data, pairs = sys.argv[1], sys.argv[2:]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'America/New_York'")
    read = "read_csv('{}', all_varchar = true, header = true)"
    exposures = read.format(source(data, "exposures"))
    names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {exposures}").fetchall()]
    seq = ", CAST(seq AS BIGINT) AS seq" if "seq" in names else ""
    con.execute(
        f"""CREATE TABLE exposures AS SELECT user_id, channel,
        CAST("timestamp" AS TIMESTAMP) AS "timestamp", "group", campaign, segment,
        CAST(NULLIF(cost, '') AS DOUBLE) AS cost{seq}
        FROM {exposures}"""
    )
    revenue = read.format(source(data, "revenue"))
    names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {revenue}").fetchall()]
    cost = ", CAST(NULLIF(cost, '') AS DOUBLE) AS cost" if "cost" in names else ""
    con.execute(
        f"""CREATE TABLE revenue AS SELECT order_id, user_id,
        CAST("timestamp" AS TIMESTAMP) AS "timestamp", CAST(revenue AS DOUBLE) AS revenue{cost}
        FROM {revenue}"""
    )
    if source(data, "spend"):
        con.execute(
            f"""CREATE TABLE spend AS SELECT CAST(date AS DATE) AS date, channel,
            CAST(spend AS DOUBLE) AS spend FROM {read.format(source(data, 'spend'))}"""
        )
    if source(data, "finance"):
        con.execute(
            f"""CREATE TABLE finance AS SELECT CAST(period_start AS DATE) AS period_start,
            CAST(period_end AS DATE) AS period_end, CAST(revenue AS DOUBLE) AS revenue
            FROM {read.format(source(data, 'finance'))}"""
        )
    for sql_dir, out in zip(pairs[::2], pairs[1::2]):
        os.makedirs(out, exist_ok=True)
        for f in sorted(os.listdir(sql_dir)):
            if not f.endswith(".sql"):
                continue
            query = open(os.path.join(sql_dir, f)).read()
            target = os.path.join(out, f[: -len(".sql")] + ".csv")
            con.execute(f"COPY ({query}) TO '{target}' (HEADER, DELIMITER ',')")


if __name__ == "__main__":
    main()
