#!/usr/bin/env python3
"""Checks that the peer did the same job as uplift: compares two reports.

    python3 agree.py uplift.json peer.json

Every number of the lift rows (keyed by window, segment, channel), the
attribution rows (window, model, channel), the attribution totals and the
reconciliation periods is compared. It prints, per section, how many numbers
were compared and the largest relative difference, and exits 1 when a
section differs by more than its tolerance: 1e-6 everywhere except the
Markov model, which the package estimates by simulating walks (its noise is
about 1/sqrt(walks); 5% is allowed).
"""

import json
import math
import sys

TOLERANCE = {"lift": 1e-6, "attribution": 1e-6, "markov": 0.05,
             "attribution_totals": 1e-6, "reconciliation": 1e-6}


def leaves(obj, prefix=""):
    """Numeric leaves of a JSON value, by dotted path."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield prefix, float(obj)


def rel(a, b):
    """Relative difference, absolute below 1 (p-values, estimates near 0)."""
    return abs(a - b) / max(abs(a), abs(b), 1.0)


def compare(name, ours, theirs, key, fields=None):
    mine = {key(r): r for r in ours}
    peer = {key(r): r for r in theirs}
    worst, where, n, missing = 0.0, None, 0, sorted(set(mine) ^ set(peer), key=str)
    for k in mine.keys() & peer.keys():
        p = dict(leaves(peer[k]))
        for path, v in leaves(mine[k]):
            if (fields and path not in fields) or path not in p or path == "window_days":
                continue
            n += 1
            d = rel(v, p[path])
            if d > worst or math.isnan(d):
                worst, where = d, (k, path, v, p[path])
    return name, n, worst, where, missing


def main():
    with open(sys.argv[1]) as f:
        u = json.load(f)
    with open(sys.argv[2]) as f:
        p = json.load(f)
    attr = lambda rows, markov: [r for r in rows if (r["model"] == "markov") == markov]  # noqa: E731
    results = [
        compare("lift", u["lift"], p["lift"],
                lambda r: (r["window_days"], r["segment"] or "", r["channel"])),
        compare("attribution", attr(u["attribution"], False), attr(p["attribution"], False),
                lambda r: (r["window_days"], r["model"], r["channel"]),
                {"conversions", "revenue", "share"}),
        compare("markov", attr(u["attribution"], True), attr(p["attribution"], True),
                lambda r: (r["window_days"], r["model"], r["channel"]),
                {"conversions", "revenue", "share"}),
        compare("attribution_totals", u["attribution_totals"], p["attribution_totals"],
                lambda r: r["window_days"]),
        compare("reconciliation", (u.get("reconciliation") or {}).get("periods", []),
                (p.get("reconciliation") or {}).get("periods", []),
                lambda r: r["period_start"]),
    ]
    ok = True
    for name, n, worst, where, missing in results:
        good = worst <= TOLERANCE[name] and not missing and n > 0
        ok &= good
        print(f"agree: {name:<19} {n:6d} numbers, largest relative difference {worst:.2e}"
              f" ({'ok' if good else 'DIFFERS'})")
        if not good:
            print(f"agree:   worst at {where}; only in one report: {missing[:5]}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
