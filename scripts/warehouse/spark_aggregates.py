"""Runs `uplift sql --dialect spark`'s statements in a local Spark session
(pyspark) on uplift's input files, saving each result as NAME.csv.

usage: spark_aggregates.py DATA_DIR SQL_DIR OUT_DIR [SQL_DIR OUT_DIR ...]
DATA_DIR holds exposures.csv[.gz], revenue.csv[.gz], spend.csv, finance.csv.
The tables are read once, then each SQL_DIR's statements run into its
OUT_DIR (one session). An exposures column `seq` (testdata/ties) is read as a
BIGINT, a revenue column `cost` as a DOUBLE (empty = null).
The session time zone is set to a non-UTC zone on purpose: nothing may
depend on it. Needs Java 17+ and `pip install pyspark`.
"""

import csv
import gzip
import os
import sys
import time

from pyspark.sql import SparkSession


def source(data, name):
    for ext in (".csv", ".csv.gz"):
        p = os.path.join(data, name + ext)
        if os.path.exists(p):
            return p
    return None


def main():
    data, pairs = sys.argv[1], sys.argv[2:]
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("uplift-aggregates")
        .config("spark.sql.session.timeZone", "America/New_York")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    schemas = {
        "exposures": "user_id STRING, channel STRING, `timestamp` TIMESTAMP, `group` STRING, "
        "campaign STRING, segment STRING, cost DOUBLE",
        "revenue": "order_id STRING, user_id STRING, `timestamp` TIMESTAMP, revenue DOUBLE",
        "spend": "date DATE, channel STRING, spend DOUBLE",
        "finance": "period_start DATE, period_end DATE, revenue DOUBLE",
    }
    for name, last, column in (("exposures", "seq", "seq BIGINT"), ("revenue", "cost", "cost DOUBLE")):
        path = source(data, name)
        with (gzip.open if path.endswith(".gz") else open)(path, "rt") as f:
            if f.readline().strip().split(",")[-1] == last:
                schemas[name] += ", " + column
    for name, schema in schemas.items():
        path = source(data, name)
        if path is None:
            continue
        (
            spark.read.option("header", "true")
            .option("timestampFormat", "yyyy-MM-dd'T'HH:mm:ssXXX")
            .schema(schema)
            .csv(path)
            .createOrReplaceTempView(name)
        )
    for sql_dir, out in zip(pairs[::2], pairs[1::2]):
        os.makedirs(out, exist_ok=True)
        for f in sorted(os.listdir(sql_dir)):
            if not f.endswith(".sql"):
                continue
            started = time.time()
            df = spark.sql(open(os.path.join(sql_dir, f)).read())
            rows = df.collect()
            with open(os.path.join(out, f[: -len(".sql")] + ".csv"), "w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(df.columns)
                for r in rows:
                    w.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in r])
            print(f"{f[:-4]}: {len(rows)} rows in {time.time() - started:.1f} s", file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main()
