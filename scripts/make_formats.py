"""Writes testdata/formats/: testdata/tiny as .csv.gz and as Parquet.

The Parquet files use native types (timestamp[us, UTC], date32, float64), so
that the typed Parquet path is tested; the same numbers must come out as from
the CSV files. Run: python3 scripts/make_formats.py (needs pandas, pyarrow).
"""
import gzip
import pathlib
import shutil

import pandas as pd

root = pathlib.Path(__file__).resolve().parent.parent
tiny = root / "testdata" / "tiny"
out = root / "testdata" / "formats"
out.mkdir(exist_ok=True)

for name in ["exposures", "revenue", "spend", "finance"]:
    src = tiny / f"{name}.csv"
    with open(src, "rb") as f, gzip.GzipFile(out / f"{name}.csv.gz", "wb", mtime=0) as g:
        shutil.copyfileobj(f, g)

ex = pd.read_csv(tiny / "exposures.csv", dtype=str, keep_default_na=False)
ex["timestamp"] = pd.to_datetime(ex["timestamp"], utc=True, format="mixed").astype("datetime64[us, UTC]")
ex["cost"] = pd.to_numeric(ex["cost"].replace("", None)).astype("float64")
ex.to_parquet(out / "exposures.parquet", index=False)

rev = pd.read_csv(tiny / "revenue.csv", dtype={"order_id": str, "user_id": str})
rev["timestamp"] = pd.to_datetime(rev["timestamp"], utc=True).astype("datetime64[ms, UTC]")
rev.to_parquet(out / "revenue.parquet", index=False)

sp = pd.read_csv(tiny / "spend.csv")
sp["date"] = pd.to_datetime(sp["date"]).dt.date
sp.to_parquet(out / "spend.parquet", index=False)

fin = pd.read_csv(tiny / "finance.csv")
for c in ["period_start", "period_end"]:
    fin[c] = pd.to_datetime(fin[c]).dt.date
fin.to_parquet(out / "finance.parquet", index=False)
print("wrote", sorted(p.name for p in out.iterdir()))
