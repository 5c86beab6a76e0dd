#!/usr/bin/env python3
"""The peer of `uplift run`: the same job written the way an analyst would.

pandas loads the exports; cohorts, Welch t-tests and CUPED use pandas, numpy
and scipy; first-touch, last-touch and linear attribution come from the
ChannelAttribution package (`heuristic_models`), the Markov removal-effect
model from its `markov_model` (simulated walks, the package's defaults);
time decay, position-based and Shapley (the simplified Shapley value: each
conversion split equally over the distinct channels of its path) are written
by hand; economics and the finance reconciliation follow the contract.

Usage (the same flags as `uplift run`, a subset):

    python3 peer.py --exposures E.csv --revenue R.csv [--spend S.csv]
        [--finance F.csv] [--config uplift.toml] --window 30 --window 60
        --window 90 -o report.json

The report is a JSON object with `as_of`, `lift`, `attribution`,
`attribution_totals` and `reconciliation`, named like uplift's so that the
two can be compared (benches/peer/agree.py). It prints the time of each
phase, and the peak memory so far, on standard error.

What it leaves out compared with uplift: column mapping (`[columns]`),
per-row validation with line numbers, SHA-256 of the inputs, the bootstrap,
the calibration section, and Markov orders above 1.
"""

import argparse
import json
import math
import resource
import sys
import time
import tomllib

import numpy as np
import pandas as pd
from scipy import stats

import ChannelAttribution as ca

# Users per chunk when joining conversions with touchpoints (bounds memory).
CHUNK_USERS = 100_000
HALF_LIFE_DAYS = 7.0
POSITION_FIRST, POSITION_LAST = 0.4, 0.4
DEFAULT_EXPOSED = ["exposed", "treatment", "test"]
DEFAULT_CONTROL = ["control", "holdout"]

_t_last = time.perf_counter()


def phase(name):
    """Prints the seconds since the previous phase."""
    global _t_last
    now = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peer: {name:<28} {now - _t_last:8.2f} s   peak RSS so far {peak:7.0f} MiB",
          file=sys.stderr)
    _t_last = now


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--exposures", required=True)
    p.add_argument("--revenue", required=True)
    p.add_argument("--spend")
    p.add_argument("--finance")
    p.add_argument("--config")
    p.add_argument("--window", type=int, action="append", dest="windows")
    p.add_argument("--confidence", type=float, default=0.95)
    p.add_argument("--hurdle-iroas", type=float, default=1.0)
    p.add_argument("--tolerance", type=float, default=0.01)
    p.add_argument("-o", "--output", required=True)
    a = p.parse_args()
    a.windows = sorted(set(a.windows or [30]))
    return a


# --------------------------------------------------------------------------
# Loading


def read_timestamps(s):
    return pd.to_datetime(s, utc=True, format="ISO8601")


def load(a):
    cfg = {}
    if a.config:
        with open(a.config, "rb") as f:
            cfg = tomllib.load(f)
    ex = pd.read_csv(
        a.exposures,
        dtype={"user_id": str, "channel": str, "group": str, "campaign": str,
               "segment": str, "cost": float},
    )
    ex["timestamp"] = read_timestamps(ex["timestamp"])
    ex["row"] = np.arange(len(ex))
    rev = pd.read_csv(a.revenue, dtype={"order_id": str, "user_id": str, "revenue": float})
    rev["timestamp"] = read_timestamps(rev["timestamp"])
    as_of = rev["timestamp"].max()
    # Repeated order ids count once (the first occurrence stays).
    dup = rev["order_id"].notna() & rev.duplicated("order_id")
    orders = rev[~dup].reset_index(drop=True)
    spend = pd.read_csv(a.spend, parse_dates=["date"]) if a.spend else None
    finance = (pd.read_csv(a.finance, parse_dates=["period_start", "period_end"])
               if a.finance else None)
    return cfg, ex, orders, as_of, spend, finance


# --------------------------------------------------------------------------
# Statistics


def welch(y_e, y_c, conf):
    """Welch t-test and CI of mean(y_e) - mean(y_c), with scipy."""
    t = stats.ttest_ind(y_e, y_c, equal_var=False)
    ci = t.confidence_interval(conf)
    se = math.sqrt(np.var(y_e, ddof=1) / len(y_e) + np.var(y_c, ddof=1) / len(y_c))
    return {"estimate": float(np.mean(y_e) - np.mean(y_c)), "ci_low": float(ci.low),
            "ci_high": float(ci.high), "p_value": float(t.pvalue)}, se, float(t.df)


def lift_row(e, c, conf):
    """Lift of one (channel, window, segment): e and c are DataFrames x, y, conv."""
    n_e, n_c = len(e), len(c)
    ye, yc = e["y"].to_numpy(), c["y"].to_numpy()
    xe, xc = e["x"].to_numpy(), c["x"].to_numpy()
    row = {
        "exposed": arm_summary(e), "control": arm_summary(c),
        "revenue_per_user_lift": None, "revenue_per_user_lift_raw": None,
        "relative_lift": None, "conversion_rate_lift": None,
        "incremental_revenue": None, "incremental_conversions": None,
        "cuped": {"applied": False, "theta": None, "variance_reduction": None},
    }
    if n_e < 2 or n_c < 2:
        return row
    raw, se_raw, df_raw = welch(ye, yc, conf)
    head, se, df = raw, se_raw, df_raw
    x = np.concatenate([xe, xc])
    y = np.concatenate([ye, yc])
    var_x = np.var(x, ddof=1)
    theta = None
    if var_x > 0:
        theta = float(np.cov(x, y, ddof=1)[0, 1] / var_x)
        mx = x.mean()
        head, se, df = welch(ye - theta * (xe - mx), yc - theta * (xc - mx), conf)
        row["cuped"] = {"applied": True, "theta": theta,
                        "variance_reduction": 1 - se**2 / se_raw**2 if se_raw > 0 else None}
    row["revenue_per_user_lift"] = head
    row["revenue_per_user_lift_raw"] = raw
    # Relative lift, delta method (GrowthBook), CUPED-adjusted when applied.
    m_e, m_c = ye.mean(), yc.mean()
    if m_c != 0:
        q = stats.t.ppf((1 + conf) / 2, df)
        s2ye, s2yc = np.var(ye, ddof=1), np.var(yc, ddof=1)
        if theta is None:
            var_r = s2ye / (n_e * m_c**2) + s2yc * m_e**2 / (n_c * m_c**4)
        else:
            s2xe, s2xc = np.var(xe, ddof=1), np.var(xc, ddof=1)
            c_e, c_c = np.cov(xe, ye, ddof=1)[0, 1], np.cov(xc, yc, ddof=1)[0, 1]
            var_r = ((s2ye + theta**2 * s2xe - 2 * theta * c_e) / (n_e * m_c**2)
                     + (s2yc * m_e**2 / m_c**2 - 2 * theta * c_c * m_e / m_c
                        + theta**2 * s2xc) / (n_c * m_c**2))
        r = head["estimate"] / abs(m_c)
        se_r = math.sqrt(max(var_r, 0.0))
        row["relative_lift"] = {"estimate": r, "ci_low": r - q * se_r, "ci_high": r + q * se_r}
    # Conversion rate: Wald CI, pooled z-test.
    p_e, p_c = e["conv"].mean(), c["conv"].mean()
    z = stats.norm.ppf((1 + conf) / 2)
    se_p = math.sqrt(p_e * (1 - p_e) / n_e + p_c * (1 - p_c) / n_c)
    pool = (e["conv"].sum() + c["conv"].sum()) / (n_e + n_c)
    p_value = None
    if 0 < pool < 1:
        zs = (p_e - p_c) / math.sqrt(pool * (1 - pool) * (1 / n_e + 1 / n_c))
        p_value = float(2 * stats.norm.sf(abs(zs)))
    d_p = p_e - p_c
    row["conversion_rate_lift"] = {"estimate": d_p, "ci_low": d_p - z * se_p,
                                   "ci_high": d_p + z * se_p, "p_value": p_value}
    row["incremental_revenue"] = {k: head[k] * n_e for k in ("estimate", "ci_low", "ci_high")}
    row["incremental_conversions"] = {k: row["conversion_rate_lift"][k] * n_e
                                      for k in ("estimate", "ci_low", "ci_high")}
    return row


def arm_summary(a):
    n = len(a)
    revenue = float(a["y"].sum())
    conv = int(a["conv"].sum())
    return {"users": n, "converters": conv, "revenue": revenue,
            "revenue_per_user": revenue / n if n else None,
            "conversion_rate": conv / n if n else None}


def holm(p):
    order = np.argsort(p, kind="stable")
    m = len(p)
    adj = np.empty(m)
    running = 0.0
    for i, k in enumerate(order):
        running = max(running, min(1.0, (m - i) * p[k]))
        adj[k] = running
    return adj


# --------------------------------------------------------------------------
# Cohorts and lift


def cohorts(ex, labels):
    exposed, control = labels
    lab = ex[ex["group"].isin(exposed + control)].copy()
    lab["is_exposed"] = lab["group"].isin(exposed)
    lab["is_control"] = ~lab["is_exposed"]
    per = lab.groupby(["channel", "user_id"], sort=False).agg(
        t0=("timestamp", "min"), exp=("is_exposed", "any"), ctl=("is_control", "any"),
    ).reset_index()
    per["contaminated"] = per["exp"] & per["ctl"]
    per["arm"] = np.where(per["exp"], "exposed", "control")
    return per


def outcomes(members, orders, windows):
    """X, Y and converted of every member for every window (one merge)."""
    members = members.reset_index(drop=True)
    members["mid"] = np.arange(len(members))
    m = members[["mid", "user_id", "t0"]].merge(
        orders[["user_id", "timestamp", "revenue"]], on="user_id", how="inner")
    dt = m["timestamp"] - m["t0"]
    out = {}
    for w in windows:
        span = pd.Timedelta(days=w)
        in_y = (dt >= pd.Timedelta(0)) & (dt < span)
        in_x = (dt >= -span) & (dt < pd.Timedelta(0))
        agg = pd.DataFrame({
            "mid": m["mid"],
            "y": np.where(in_y, m["revenue"], 0.0),
            "x": np.where(in_x, m["revenue"], 0.0),
            "conv": in_y & (m["revenue"] >= 0),
        }).groupby("mid").agg(y=("y", "sum"), x=("x", "sum"), conv=("conv", "any"))
        o = members.join(agg, on="mid")
        o[["y", "x"]] = o[["y", "x"]].fillna(0.0)
        o["conv"] = o["conv"].fillna(False).astype(bool)
        out[w] = o
    return out


def lift_section(cfg, ex, orders, as_of, a):
    groups = cfg.get("groups", {})
    labels = (groups.get("exposed", DEFAULT_EXPOSED), groups.get("control", DEFAULT_CONTROL))
    per = cohorts(ex, labels)
    # A user's segment: the first non-empty value in time order.
    seg = (ex.dropna(subset=["segment"]).sort_values(["user_id", "timestamp", "row"])
           .groupby("user_id")["segment"].first())
    per["segment"] = per["user_id"].map(seg)
    members = per[~per["contaminated"]]
    by_w = outcomes(members, orders, a.windows)
    phase("cohorts + outcomes")

    srm = cfg.get("srm", {})
    shares = srm.get("channels", {})
    rows = []
    segments = [None] + sorted(per["segment"].dropna().unique())
    for w in a.windows:
        o = by_w[w]
        mature = o["t0"] + pd.Timedelta(days=w) <= as_of
        for s in segments:
            in_seg = o if s is None else o[o["segment"] == s]
            mat = mature.loc[in_seg.index]
            for ch, g in in_seg.groupby("channel", sort=True):
                gm = g[mat.loc[g.index]]
                e, c = gm[gm["arm"] == "exposed"], gm[gm["arm"] == "control"]
                pc = per[(per["channel"] == ch) & per["contaminated"]]
                contaminated = len(pc) if s is None else int((pc["segment"] == s).sum())
                row = {"channel": ch, "segment": s, "window_days": w}
                row.update(lift_row(e, c, a.confidence))
                row["excluded"] = {"contaminated": contaminated,
                                   "immature": int((~mat.loc[g.index]).sum())}
                share = shares.get(ch, srm.get("control_share"))
                p = None
                if share is not None and len(e) + len(c) > 0:
                    n = len(e) + len(c)
                    p = float(stats.chisquare([len(e), len(c)],
                                              [n * (1 - share), n * share]).pvalue)
                row["srm"] = {"expected_control_share": share, "p_value": p,
                              "flag": p is not None and p < 0.001}
                rows.append(row)
    # Holm within each (window, segment) family.
    fam = {}
    for i, r in enumerate(rows):
        if r["revenue_per_user_lift"] is not None:
            fam.setdefault((r["window_days"], r["segment"]), []).append(i)
    for idx in fam.values():
        adj = holm(np.array([rows[i]["revenue_per_user_lift"]["p_value"] for i in idx]))
        for i, v in zip(idx, adj):
            rows[i]["revenue_per_user_lift"]["p_value_holm"] = float(v)
    phase("welch + cuped + holm")
    return rows, per


def economics(rows, ex, per, spend, hurdle):
    exposed_rows = ex[ex["group"].isin(DEFAULT_EXPOSED)]
    span = exposed_rows.groupby("channel")["timestamp"].agg(["min", "max"])
    n_e_all = per[per["exp"]].groupby("channel").size()
    total = {}
    for ch, (lo, hi) in span.iterrows():
        d0, d1 = lo.normalize().tz_localize(None), hi.normalize().tz_localize(None)
        s = 0.0
        if spend is not None:
            sp = spend[(spend["channel"] == ch) & (spend["date"] >= d0) & (spend["date"] <= d1)]
            s += sp["spend"].sum()
        s += ex.loc[ex["channel"] == ch, "cost"].fillna(0.0).sum()
        total[ch] = s
    for r in rows:
        t = total.get(r["channel"])
        n_all = n_e_all.get(r["channel"], 0)
        r["spend"] = r["icac"] = r["iroas"] = r["decision"] = None
        if t is None or n_all == 0:
            continue
        sp = t * r["exposed"]["users"] / n_all
        r["spend"] = sp
        ic = r["incremental_conversions"]
        if ic is not None and ic["estimate"] > 0:
            r["icac"] = sp / ic["estimate"]
        ir = r["incremental_revenue"]
        if sp > 0 and ir is not None:
            iroas = {k: v / sp for k, v in ir.items()}
            verdict = ("scale" if iroas["ci_low"] > hurdle
                       else "cut" if iroas["ci_high"] < hurdle else "inconclusive")
            r["iroas"] = iroas
            r["decision"] = {"hurdle_iroas": hurdle, "verdict": verdict}


# --------------------------------------------------------------------------
# Attribution


def attribution_section(ex, orders, windows):
    tp = ex[~ex["group"].isin(DEFAULT_CONTROL)][["user_id", "channel", "timestamp", "row"]]
    conv = orders[orders["revenue"] >= 0][["user_id", "timestamp", "revenue"]].copy()
    conv["oid"] = np.arange(len(conv))
    refunds = float(orders.loc[orders["revenue"] < 0, "revenue"].sum())
    # Chunks of users bound the size of the conversion x touchpoint join.
    codes, _ = pd.factorize(pd.concat([tp["user_id"], orders["user_id"]]))
    tp = tp.assign(uid=codes[: len(tp)])
    ucode = pd.Series(codes[len(tp):], index=orders.index)
    conv["uid"] = ucode.loc[conv.index].to_numpy()
    order_users = set(ucode.unique())
    wmax = pd.Timedelta(days=max(windows))

    paths = {w: [] for w in windows}       # DataFrames path, conversions, value, nulls
    hand = {w: [] for w in windows}        # DataFrames model, channel, conversions, revenue
    attributed = {w: set() for w in windows}
    n_users = int(codes.max()) + 1 if len(codes) else 0
    for lo in range(0, n_users, CHUNK_USERS):
        hi = lo + CHUNK_USERS
        t = tp[(tp["uid"] >= lo) & (tp["uid"] < hi)]
        c = conv[(conv["uid"] >= lo) & (conv["uid"] < hi)]
        j = c[["oid", "uid", "timestamp", "revenue"]].merge(
            t[["uid", "channel", "timestamp", "row"]], on="uid", suffixes=("_o", "_t"))
        j = j[(j["timestamp_t"] <= j["timestamp_o"]) & (j["timestamp_t"] >= j["timestamp_o"] - wmax)]
        j = j.sort_values(["oid", "timestamp_t", "row"], kind="stable")
        # Non-converting users: touches and no order row at all.
        nc = t[~t["uid"].isin(order_users)]
        last = nc.groupby("uid")["timestamp"].transform("max")
        for w in windows:
            jw = j[j["timestamp_t"] >= j["timestamp_o"] - pd.Timedelta(days=w)]
            attributed[w].update(jw["oid"].unique())
            hand[w].append(hand_models(jw))
            conv_paths = jw.groupby("oid", sort=False).agg(
                path=("channel", ">".join), value=("revenue", "first"))
            ncw = nc[nc["timestamp"] >= last - pd.Timedelta(days=w)].sort_values(
                ["uid", "timestamp", "row"], kind="stable")
            null_paths = ncw.groupby("uid", sort=False)["channel"].agg(">".join)
            paths[w].append(pd.concat([
                conv_paths.groupby("path").agg(total_conversions=("value", "size"),
                                               total_conversion_value=("value", "sum")),
                null_paths.to_frame("path").groupby("path").size().to_frame("total_null"),
            ]))
    phase("paths (merge + join)")

    rows, totals = [], []
    for w in windows:
        data = (pd.concat(paths[w]).groupby(level=0).sum().fillna(0.0)
                .reset_index().rename(columns={"index": "path"}))
        credits = [pd.concat(hand[w]).groupby(["model", "channel"]).sum().reset_index()]
        h = ca.heuristic_models(data[data["total_conversions"] > 0], "path",
                                "total_conversions", var_value="total_conversion_value",
                                flg_pro=False)
        for model, key in [("first_touch", "first_touch"), ("last_touch", "last_touch"),
                           ("linear", "linear_touch")]:
            credits.append(pd.DataFrame({
                "model": model, "channel": h["channel_name"],
                "conversions": h[f"{key}_conversions"], "revenue": h[f"{key}_value"]}))
        mk = ca.markov_model(data, "path", "total_conversions",
                             var_value="total_conversion_value", var_null="total_null",
                             verbose=False, flg_pro=False)
        credits.append(pd.DataFrame({
            "model": "markov", "channel": mk["channel_name"],
            "conversions": mk["total_conversions"], "revenue": mk["total_conversion_value"]}))
        cr = pd.concat(credits)
        for model, g in cr.groupby("model"):
            tot = g["conversions"].sum()
            for _, r in g.sort_values("channel").iterrows():
                rows.append({"window_days": w, "model": model, "channel": r["channel"],
                             "conversions": float(r["conversions"]),
                             "revenue": float(r["revenue"]),
                             "share": float(r["conversions"] / tot) if tot > 0 else 0.0})
        att = conv["oid"].isin(attributed[w])
        totals.append({
            "window_days": w, "conversions": len(conv), "revenue": float(conv["revenue"].sum()),
            "unattributed_conversions": int((~att).sum()),
            "unattributed_revenue": float(conv.loc[~att, "revenue"].sum()),
            "refunds": refunds, "net_revenue": float(conv["revenue"].sum()) + refunds})
        phase(f"models, window {w}")
    return rows, totals


def hand_models(j):
    """Time decay, position-based and Shapley credits of one chunk's paths."""
    if j.empty:
        return pd.DataFrame(columns=["model", "channel", "conversions", "revenue"])
    g = j.groupby("oid", sort=False)
    n = g["channel"].transform("size").to_numpy()
    pos = g.cumcount().to_numpy()
    age = (j["timestamp_o"] - j["timestamp_t"]).dt.total_seconds().to_numpy() / 86400.0
    decay = np.power(2.0, -age / HALF_LIFE_DAYS)
    decay = decay / pd.Series(decay, index=j.index).groupby(j["oid"]).transform("sum").to_numpy()
    middle = np.where(n > 2, (1 - POSITION_FIRST - POSITION_LAST) / np.maximum(n - 2, 1), 0.0)
    position = np.where(n == 1, 1.0, np.where(n == 2, 0.5, np.where(
        pos == 0, POSITION_FIRST, np.where(pos == n - 1, POSITION_LAST, middle))))
    rev = j["revenue"].to_numpy()
    parts = []
    for model, wgt in [("time_decay", decay), ("position_based", position)]:
        parts.append(pd.DataFrame({"model": model, "channel": j["channel"].to_numpy(),
                                   "conversions": wgt, "revenue": wgt * rev}))
    # Shapley (simplified): equal split over the distinct channels of the path.
    d = j.drop_duplicates(["oid", "channel"])
    share = 1.0 / d.groupby("oid")["channel"].transform("size").to_numpy()
    parts.append(pd.DataFrame({"model": "shapley", "channel": d["channel"].to_numpy(),
                               "conversions": share, "revenue": share * d["revenue"].to_numpy()}))
    return pd.concat(parts).groupby(["model", "channel"]).sum().reset_index()


# --------------------------------------------------------------------------
# Reconciliation


def reconciliation(orders, finance, tolerance):
    day = orders["timestamp"].dt.tz_convert("UTC").dt.normalize().dt.tz_localize(None)
    periods = []
    for _, f in finance.iterrows():
        export = float(orders.loc[(day >= f["period_start"]) & (day <= f["period_end"]),
                                  "revenue"].sum())
        gap = export - f["revenue"]
        gap_pct = gap / f["revenue"] if f["revenue"] != 0 else None
        periods.append({
            "period_start": f["period_start"].strftime("%Y-%m-%d"),
            "period_end": f["period_end"].strftime("%Y-%m-%d"),
            "finance_revenue": float(f["revenue"]), "export_revenue": export, "gap": gap,
            "gap_pct": gap_pct,
            "status": "mismatch" if gap_pct is not None and abs(gap_pct) > tolerance else "ok"})
    status = "mismatch" if any(p["status"] == "mismatch" for p in periods) else "ok"
    return {"tolerance": tolerance, "status": status, "periods": periods}


def main():
    a = parse_args()
    cfg, ex, orders, as_of, spend, finance = load(a)
    phase("load (pandas)")
    lift, per = lift_section(cfg, ex, orders, as_of, a)
    economics(lift, ex, per, spend, a.hurdle_iroas)
    phase("economics")
    attribution, totals = attribution_section(ex, orders, a.windows)
    rec = reconciliation(orders, finance, a.tolerance) if finance is not None else None
    phase("reconciliation")
    report = {"as_of": as_of.strftime("%Y-%m-%dT%H:%M:%SZ"), "lift": lift,
              "attribution": attribution, "attribution_totals": totals,
              "reconciliation": rec}
    with open(a.output, "w") as f:
        json.dump(report, f, indent=1, default=float)
    phase("write")


if __name__ == "__main__":
    main()
