"""Writes testdata/ties/: testdata/sim's exposures with every timestamp cut to
the hour, so that touches of different channels share a timestamp (as a job
that sends an email and a push at 09:00:00 makes them), for the warehouse
tie-order tests of tests/cli/warehouse.rs.

- exposures.csv.gz: the rows in the file order of testdata/sim (by user, then
  the uncut time: within a tie, channels in no particular order), plus a
  column `seq`, the row's position in the file (1, 2, ...), which
  `uplift sql --order-column seq` orders ties by.
- exposures_by_channel.csv.gz: the same rows sorted stably by (timestamp,
  channel, campaign): the order `uplift sql` gives ties without an order
  column (an empty campaign first).
- expected.json: per window, the attributed conversions whose path holds two
  touches with the same timestamp and different channels (computed here from
  the rows and testdata/sim/revenue.csv.gz, independently of uplift), which
  the `warehouse_tie_order` warning must report.

usage: python3 scripts/warehouse/make_ties.py   (from anywhere)
"""

import bisect
import csv
import gzip
import io
import json
import os
from collections import defaultdict
from datetime import datetime, timezone

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SIM = os.path.join(ROOT, "testdata", "sim")
OUT = os.path.join(ROOT, "testdata", "ties")
WINDOWS = [30, 60, 90]
CONTROL = {"control", "holdout"}  # the default [groups] control labels


def seconds(ts):
    return int(datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


def write_gz(path, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    # mtime 0: the same bytes on every run.
    with open(path, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
        g.write(buf.getvalue().encode())


def main():
    with gzip.open(os.path.join(SIM, "exposures.csv.gz"), "rt", newline="") as f:
        r = csv.reader(f)
        header = next(r)
        rows = list(r)
    col = {c: i for i, c in enumerate(header)}
    ts, ch, camp = col["timestamp"], col["channel"], col["campaign"]
    out = []
    for k, row in enumerate(rows, start=1):
        row = list(row)
        row[ts] = row[ts][:13] + ":00:00Z"
        out.append(row + [str(k)])
    os.makedirs(OUT, exist_ok=True)
    write_gz(os.path.join(OUT, "exposures.csv.gz"), header + ["seq"], out)
    by_channel = sorted(out, key=lambda x: (x[ts], x[ch], x[camp]))
    write_gz(os.path.join(OUT, "exposures_by_channel.csv.gz"), header + ["seq"], by_channel)

    # The ties themselves: (user, timestamp) groups of more than one channel.
    groups = defaultdict(list)
    for row in out:
        groups[(row[col["user_id"]], row[ts])].append(row[ch])
    tied = [g for g in groups.values() if len(set(g)) > 1]
    in_order = sum(1 for g in tied if g == sorted(g))
    print(f"{len(tied)} same-timestamp groups of a user with different channels, "
          f"{in_order} of them already in channel order in the file")

    # Touches of each user (control rows are not touches), by time.
    touches = defaultdict(list)
    for row in out:
        if row[col["group"]] in CONTROL:
            continue
        touches[row[col["user_id"]]].append((seconds(row[ts]), row[ch]))
    for t in touches.values():
        t.sort()
    # Conversions: orders after de-duplication by order_id (the earliest,
    # then the smallest revenue stays), refunds (revenue < 0) left out.
    with gzip.open(os.path.join(SIM, "revenue.csv.gz"), "rt", newline="") as f:
        orders = list(csv.DictReader(f))
    kept, by_id = [], {}
    for o in orders:
        key = (seconds(o["timestamp"]), float(o["revenue"]), o["user_id"])
        if o["order_id"] == "":
            kept.append(key)
        elif o["order_id"] not in by_id or key < by_id[o["order_id"]]:
            by_id[o["order_id"]] = key
    kept.extend(by_id.values())
    conversions = [(u, t) for (t, r, u) in kept if r >= 0]
    expected = {}
    for w in WINDOWS:
        span = w * 86400
        attributed = with_tie = 0
        for u, t in conversions:
            tu = touches.get(u, [])
            lo = bisect.bisect_left(tu, (t - span, ""))
            hi = bisect.bisect_right(tu, (t, "\uffff"))
            path = tu[lo:hi]
            if not path:
                continue
            attributed += 1
            channels_at = defaultdict(set)
            for s, c in path:
                channels_at[s].add(c)
            if any(len(cs) > 1 for cs in channels_at.values()):
                with_tie += 1
        expected[str(w)] = {"attributed_conversions": attributed, "tied_conversions": with_tie}
        print(f"window {w}: {with_tie} of {attributed} attributed conversions have a cross-channel tie")
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({"windows": expected}, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
