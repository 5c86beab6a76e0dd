#!/usr/bin/env python3
"""Reference values for profit and capping (winsorization), computed independently.

Writes testdata/reference/profit_capping.json (next to this script). The
definitions are those of shared/CONTRACT.md, "Beyond average revenue" ->
"Profit (margin and cost to serve)" and "Capping (winsorization)", on top of
"What every number means" -> "Lift". Every number is computed here from the
formula or a numpy / SciPy function, never from the Rust code, and written
with Python's float repr (shortest string that round-trips).

Regenerate (from the repository root):

    python3 -m pip install -r testdata/reference/requirements.txt
    python3 testdata/reference/make_profit_capping_reference.py

Sections:
- order_profit       an order's profit from (revenue, cost cell) and the
                     settings (margin, cost_per_order, cost_per_refund)
- quantiles          numpy.quantile(method="linear") (R type 7), each checked
                     against the contract's explicit formula
- capped_lift_cases  one (channel, window) cell per case: caps of Y, X, Y_pi,
                     X_pi over the whole cell, clipping, then the Lift section
                     (Welch, CUPED, relative lift) on the clipped values for the
                     overall row and each segment row; arm sums stay uncapped
- welch_check        (not stored) every Welch result above against
                     scipy.stats.ttest_ind(equal_var=False)

Shared definitions (fl, cents, the delta-method relative lift, the two-
proportion test and the whole lift_cases pipeline, used as a cross-check) are
imported from make_stats_reference.py next to this script.
"""

import json
import math
import os
import platform
import re
import sys

import numpy as np
import scipy
import scipy.stats as st
import statsmodels

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_stats_reference as msr  # noqa: E402
from make_stats_reference import check, cents, fl, fl_list  # noqa: E402

OUT = os.path.join(HERE, "profit_capping.json")

# Every Welch result computed below, re-checked against SciPy in welch_check().
WELCH_LOG = []


# --------------------------------------------------------------------------
# order_profit: the contract's "Profit (margin and cost to serve)"
# --------------------------------------------------------------------------


def order_profit(revenue, cost, margin, cost_per_order, cost_per_refund):
    """revenue − cost when the cost cell is given (0 is given; None is not),
    else margin × revenue − cost_per_order (conversion: revenue ≥ 0) or
    margin × revenue − cost_per_refund (refund: revenue < 0)."""
    if cost is not None:
        return revenue - cost
    if revenue >= 0.0:
        return margin * revenue - cost_per_order
    return margin * revenue - cost_per_refund


def order_profit_cases():
    specs = [
        (
            "cost_given_or_missing_with_refunds",
            0.35,
            4.5,
            2.0,
            [(120.0, 80.25), (120.0, None), (19.99, None), (-45.0, None), (-45.0, 6.0), (250.0, 0.0), (0.0, None)],
        ),
        ("margin_one_zero_costs_profit_is_revenue", 1.0, 0.0, 0.0, [(59.9, None), (-20.0, None), (0.0, None), (1234.56, None)]),
        ("cost_given_as_zero_is_given", 0.35, 4.5, 2.0, [(80.0, 0.0), (-30.0, 0.0), (80.0, None), (-30.0, None)]),
        ("refunds_only", 0.5, 3.0, 1.25, [(-40.0, None), (-0.01, None), (-999.99, None), (-40.0, 12.5)]),
        (
            "zero_revenue_order_is_a_conversion",
            0.6,
            2.5,
            7.0,
            [(0.0, None), (0.0, 0.0), (0.0, 3.1), (-0.5, None)],
        ),
        (
            "low_margin_loss_making_orders",
            0.12,
            9.0,
            4.0,
            [(35.0, None), (75.0, None), (100.0, None), (35.0, 31.5), (-35.0, None), (15.0, 17.8)],
        ),
    ]
    out = []
    for name, m, cpo, cpr, orders in specs:
        expected = [fl(order_profit(r, c, m, cpo, cpr)) for r, c in orders]
        out.append(
            {
                "name": name,
                "margin": m,
                "cost_per_order": cpo,
                "cost_per_refund": cpr,
                "orders": [{"revenue": r, "cost": c} for r, c in orders],
                "expected": expected,
            }
        )
    # Planted properties.
    by = {c["name"]: c for c in out}
    assert by["margin_one_zero_costs_profit_is_revenue"]["expected"] == [o["revenue"] for o in by["margin_one_zero_costs_profit_is_revenue"]["orders"]]
    assert by["cost_given_as_zero_is_given"]["expected"][:2] == [80.0, -30.0]
    assert by["zero_revenue_order_is_a_conversion"]["expected"][0] == -2.5
    return out


# --------------------------------------------------------------------------
# quantiles: numpy type 7, checked against the contract's formula
# --------------------------------------------------------------------------


def type7(values, q):
    """The contract's formula: sorted v_0 … v_{n−1}, h = (n − 1)·Q,
    q = v_⌊h⌋ + (h − ⌊h⌋)(v_⌊h⌋+1 − v_⌊h⌋)."""
    v = sorted(float(a) for a in values)
    h = (len(v) - 1) * q
    k = math.floor(h)
    if k + 1 >= len(v):
        return v[k]
    return v[k] + (h - k) * (v[k + 1] - v[k])


def np_quantile(values, q):
    return float(np.quantile(np.asarray(values, dtype=float), q, method="linear"))


def quantile_value(values, q, what):
    a = np_quantile(values, q)
    b = type7(values, q)
    check(a, b, 1e-12, f"type 7 {what} q={q}")
    return a


QS = [0.001, 0.01, 0.05, 0.8, 0.9, 0.95, 0.99, 0.999]


def quantile_cases():
    rng = np.random.default_rng(20260415)
    cases = []

    cases.append(("single_value", np.array([37.5]), None))
    cases.append(("two_values", np.array([120.0, -15.25]), None))
    cases.append(("all_equal", np.full(25, 19.99), None))

    # Typical revenue per user: 80% zeros, lognormal baskets.
    n = 1000
    v = np.zeros(n)
    buyers = rng.permutation(n)[: n // 5]
    v[buyers] = cents(rng.lognormal(np.log(45.0), 0.9, buyers.size))
    cases.append(("revenue_80_percent_zeros", v, None))

    # Heavy tail: lognormal with a few wholesale-sized values.
    v = cents(np.concatenate([rng.lognormal(3.2, 1.3, 1496), [18250.0, 41999.99, 87500.5, 152000.0]]))
    cases.append(("heavy_tail_lognormal", rng.permutation(v), None))

    # Net revenue with refunds: negative values, a few large refunds.
    v = cents(rng.normal(30.0, 40.0, 596))
    v = np.concatenate([v, [-2400.0, -1850.75, -999.99, -3100.0]])
    cases.append(("refunds_negative_values", cents(rng.permutation(v)), None))

    # Ties at the cut: subscription prices, so most cuts fall inside a block
    # of equal values (v_⌊h⌋ = v_⌊h⌋+1) and some on a block boundary.
    v = np.concatenate([np.full(60, 9.99), np.full(80, 19.99), np.full(40, 49.99), cents(rng.uniform(50.0, 400.0, 19)), [0.0]])
    cases.append(("ties_at_the_cut", rng.permutation(v), None))

    # 100,001 values, run-length encoded (distinct values ascending + counts):
    # 80,001 zeros, 20,000 purchases at 300 catalogue prices, 300 refunds.
    prices = np.unique(cents(rng.lognormal(np.log(35.0), 0.8, 300)))
    buys = rng.choice(prices, 19700)
    refunds = -rng.choice(prices, 300)
    full = np.concatenate([np.zeros(80001), buys, refunds])
    assert full.size == 100001
    distinct, counts = np.unique(full, return_counts=True)
    assert distinct.size <= 2000
    cases.append(("hundred_thousand_and_one_run_length", distinct, counts))

    out = []
    for name, values, counts in cases:
        full = np.repeat(values, counts) if counts is not None else values
        expected = [fl(quantile_value(full, q, name)) for q in QS]
        out.append(
            {
                "name": name,
                "n": int(full.size),
                "values": fl_list(values),
                "counts": [int(c) for c in counts] if counts is not None else None,
                "q": list(QS),
                "expected": expected,
            }
        )
    # Planted properties.
    by = {c["name"]: c for c in out}
    assert set(by["all_equal"]["expected"]) == {19.99}
    z = by["revenue_80_percent_zeros"]
    # h = 999·0.8 = 799.2 lies between the last zero and the smallest purchase.
    smallest = min(v for v in z["values"] if v > 0.0)
    assert z["expected"][QS.index(0.05)] == 0.0 and 0.0 < z["expected"][QS.index(0.8)] < smallest
    t = np.sort(by["ties_at_the_cut"]["values"])
    hs = [(t.size - 1) * q for q in QS]
    inside = [t[math.floor(h)] == t[min(math.floor(h) + 1, t.size - 1)] for h in hs]
    assert any(inside) and not all(inside)
    return out


# --------------------------------------------------------------------------
# Moments, Welch, CUPED, relative lift (contract "Lift"), on given arrays
# --------------------------------------------------------------------------


def fmean(a):
    return math.fsum(a) / len(a)


def fvar(a):
    m = fmean(a)
    d = np.asarray(a, dtype=float) - m
    return math.fsum(d * d) / (len(a) - 1)


def fcov(a, b):
    ma, mb = fmean(a), fmean(b)
    return math.fsum((np.asarray(a, dtype=float) - ma) * (np.asarray(b, dtype=float) - mb)) / (len(a) - 1)


def moments(x, y):
    """{n, mean_x, mean_y, var_x, var_y, cov_xy}, n − 1 denominators; sums by
    math.fsum (correctly rounded), cross-checked against numpy."""
    n = int(x.size)
    m = {"n": n, "mean_x": None, "mean_y": None, "var_x": None, "var_y": None, "cov_xy": None}
    if n == 0:
        return m
    m["mean_x"], m["mean_y"] = fmean(x), fmean(y)
    if n >= 2:
        m["var_x"], m["var_y"], m["cov_xy"] = fvar(x), fvar(y), fcov(x, y)
    ref = msr.moments(x, y)
    for k in ("mean_x", "mean_y", "var_x", "var_y"):
        if m[k] is not None:
            check(m[k], ref[k], 1e-10, f"moment {k}")
    if m["cov_xy"] is not None:
        scale = max(math.sqrt(m["var_x"] * m["var_y"]), 1.0)
        assert abs(m["cov_xy"] - ref["cov_xy"]) <= 1e-10 * scale, "moment cov_xy"
    return m


NULL_WELCH = {"estimate": None, "se": None, "df": None, "t": None, "ci_low": None, "ci_high": None, "p_value": None}
NULL_REL = {"estimate": None, "ci_low": None, "ci_high": None, "se": None}


def welch(ye, yc, conf):
    """Welch's test from the formula: se = sqrt(s_e²/n_e + s_c²/n_c),
    Welch–Satterthwaite df, two-sided p = 2·t.sf(|t|, df), CI d ± t.ppf((1+conf)/2, df)·se.
    Both variances zero: the difference only (se 0, the rest null)."""
    ne, nc = ye.size, yc.size
    if ne < 2 or nc < 2:
        return dict(NULL_WELCH)
    d = fmean(ye) - fmean(yc)
    ve, vc = fvar(ye) / ne, fvar(yc) / nc
    se = math.sqrt(ve + vc)
    if se == 0.0:
        return {**NULL_WELCH, "estimate": fl(d), "se": 0.0}
    df = (ve + vc) ** 2 / (ve * ve / (ne - 1) + vc * vc / (nc - 1))
    t = d / se
    q = float(st.t.ppf((1.0 + conf) / 2.0, df))
    res = {
        "estimate": fl(d),
        "se": fl(se),
        "df": fl(df),
        "t": fl(t),
        "ci_low": fl(d - q * se),
        "ci_high": fl(d + q * se),
        "p_value": fl(2.0 * st.t.sf(abs(t), df)),
    }
    WELCH_LOG.append((np.array(ye), np.array(yc), conf, res))
    return res


def lift_block(xe, ye, xc, yc, conf):
    """{raw, cuped, relative} on the given (already clipped) arrays."""
    ne, nc = ye.size, yc.size
    if ne < 2 or nc < 2:
        return {
            "raw": dict(NULL_WELCH),
            "cuped": {"applied": False, "theta": None, "variance_reduction": None, **NULL_WELCH},
            "relative": dict(NULL_REL),
        }
    raw = welch(ye, yc, conf)
    x_all, y_all = np.concatenate([xe, xc]), np.concatenate([ye, yc])
    var_x = fvar(x_all)
    ye_bar, yc_bar = fmean(ye), fmean(yc)
    s2_ye, s2_yc = fvar(ye), fvar(yc)
    if var_x > 0.0:
        theta = fcov(x_all, y_all) / var_x
        xbar = fmean(x_all)
        cup = welch(ye - theta * (xe - xbar), yc - theta * (xc - xbar), conf)
        vr = 1.0 - cup["se"] ** 2 / raw["se"] ** 2 if raw["se"] else None
        cuped = {"applied": True, "theta": fl(theta), "variance_reduction": fl(vr), **cup}
        if yc_bar != 0.0:
            se_r = msr.relative_se(
                ne, ye_bar, s2_ye, nc, yc_bar, s2_yc, theta, fvar(xe), fvar(xc), fcov(xe, ye), fcov(xc, yc)
            )
            rel = msr.relative_ci(cup["estimate"], yc_bar, se_r, cup["df"], conf)
        else:
            rel = dict(NULL_REL)
    else:
        cuped = {"applied": False, "theta": None, "variance_reduction": None, **raw}
        if yc_bar != 0.0:
            se_r = msr.relative_se(ne, ye_bar, s2_ye, nc, yc_bar, s2_yc)
            rel = msr.relative_ci(raw["estimate"], yc_bar, se_r, raw["df"], conf)
        else:
            rel = dict(NULL_REL)

    # Cross-check against the lift_cases pipeline of make_stats_reference.py
    # (numpy moments instead of fsum), run on the same clipped arrays.
    ref = msr.lift_expected(xe, ye, xc, yc, conf)
    for k, v in raw.items():
        if v is None:
            assert ref["raw"][k] is None, f"raw {k}"
        else:
            check(v, ref["raw"][k], 1e-9, f"raw {k}")
    assert ref["cuped"]["applied"] == cuped["applied"]
    for k in ("theta", "variance_reduction", *NULL_WELCH):
        if cuped[k] is None:
            assert ref["cuped"][k] is None, f"cuped {k}"
        else:
            check(cuped[k], ref["cuped"][k], 1e-9, f"cuped {k}")
    for k in NULL_REL:
        if rel[k] is None:
            assert ref["relative_cuped"][k] is None, f"relative {k}"
        else:
            check(rel[k], ref["relative_cuped"][k], 1e-9, f"relative {k}")
    return {"raw": raw, "cuped": cuped, "relative": rel}


def scaled(est, n):
    """headline × n_e, the interval scaled the same way (n_e > 0)."""
    return {k: (fl(est[k] * n) if est[k] is not None else None) for k in ("estimate", "ci_low", "ci_high")}


# --------------------------------------------------------------------------
# capped_lift_cases
# --------------------------------------------------------------------------


def caps_of(values, cap, cap_lower, what):
    upper = quantile_value(values, cap, what + " upper") if cap is not None else None
    lower = quantile_value(values, cap_lower, what + " lower") if cap_lower is not None else None
    # The cut must not sit within rounding of a user's value, so that the
    # users_capped counts do not depend on how the quantile is rounded.
    for bound, q in ((upper, cap), (lower, cap_lower)):
        if bound is not None:
            alt = type7(values, q)
            assert np.array_equal(values > bound, values > alt) and np.array_equal(values < bound, values < alt)
    return upper, lower


def clip(values, upper, lower):
    """Each value clipped to [lower, upper]; an absent bound does not clip."""
    v = np.asarray(values, dtype=float)
    if upper is not None:
        v = np.minimum(v, upper)
    if lower is not None:
        v = np.maximum(v, lower)
    return v


def arm_sums(y, yp):
    n = int(y.size)
    rev, prof = math.fsum(y), math.fsum(yp)
    return {
        "users": n,
        "revenue": fl(rev),
        "profit": fl(prof),
        "revenue_per_user": fl(rev / n) if n else None,
        "profit_per_user": fl(prof / n) if n else None,
    }


def row_expected(segment, mask, u, cl, conf):
    e = mask & (u["arm"] == "e")
    c = mask & (u["arm"] == "c")
    ne, nc = int(e.sum()), int(c.sum())
    rev = lift_block(cl["x"][e], cl["y"][e], cl["x"][c], cl["y"][c], conf)
    prof = lift_block(cl["xp"][e], cl["yp"][e], cl["xp"][c], cl["yp"][c], conf)
    conv_e, conv_c = int(u["converted"][e].sum()), int(u["converted"][c].sum())
    conversion = {"converted_e": conv_e, "converted_c": conv_c}
    if ne >= 2 and nc >= 2:
        conversion.update(msr.proportion_reference(conv_e, ne, conv_c, nc, conf))
    else:
        conversion.update({"estimate": None, "ci_low": None, "ci_high": None, "p_value": None})
    return {
        "segment": segment,
        "n_e": ne,
        "n_c": nc,
        "users_capped_revenue": int(np.sum(mask & (cl["y"] != u["y"]))),
        "users_capped_profit": int(np.sum(mask & (cl["yp"] != u["yp"]))),
        "capped_moments": {
            "revenue": {"exposed": moments(cl["x"][e], cl["y"][e]), "control": moments(cl["x"][c], cl["y"][c])},
            "profit": {"exposed": moments(cl["xp"][e], cl["yp"][e]), "control": moments(cl["xp"][c], cl["yp"][c])},
        },
        "revenue": rev,
        "profit": prof,
        "incremental_revenue": scaled(rev["cuped"], ne),
        "incremental_profit": scaled(prof["cuped"], ne),
        "conversion": conversion,
        "uncapped": {"exposed": arm_sums(u["y"][e], u["yp"][e]), "control": arm_sums(u["y"][c], u["yp"][c])},
    }


def cell_expected(u, conf, cap, cap_lower):
    if cap is None and cap_lower is None:
        caps = None
        cl = {k: u[k] for k in ("x", "y", "xp", "yp")}
    else:
        caps, cl = {}, {}
        for key, col in (("revenue", "y"), ("pre_period", "x"), ("profit", "yp"), ("profit_pre_period", "xp")):
            upper, lower = caps_of(u[col], cap, cap_lower, f"{key} cap")
            caps[key] = {"upper": fl(upper), "lower": fl(lower)}
            cl[col] = clip(u[col], upper, lower)
    rows = [row_expected(None, np.ones(u["y"].size, dtype=bool), u, cl, conf)]
    labels = sorted({s for s in u["segment"] if s is not None})
    for s in labels:
        rows.append(row_expected(s, np.array([t == s for t in u["segment"]]), u, cl, conf))
    return {"caps": caps, "rows": rows}


# -- data: users built from orders --------------------------------------------


class Shop:
    """Draws a user's orders: (revenue, cost cell or None), money in cents."""

    def __init__(self, rng, basket=40.0, sigma=0.9, extra_orders=0.3, p_refund=0.08, refund_share=(0.3, 1.0),
                 p_cost=0.3, cost_share=0.6, cost_fixed=4.0, p_cost_zero=0.05):
        self.rng = rng
        self.basket, self.sigma, self.extra_orders = basket, sigma, extra_orders
        self.p_refund, self.refund_share = p_refund, refund_share
        self.p_cost, self.cost_share, self.cost_fixed, self.p_cost_zero = p_cost, cost_share, cost_fixed, p_cost_zero

    def cost_cell(self, revenue):
        r = self.rng
        if r.uniform() >= self.p_cost:
            return None
        if r.uniform() < self.p_cost_zero:
            return 0.0
        if revenue >= 0.0:
            return round(self.cost_share * revenue + self.cost_fixed * r.uniform(0.5, 1.5), 2)
        return round(r.uniform(1.0, 8.0), 2)  # handling a return

    def orders(self, p_buy, scale=1.0, p_refund_only=0.0):
        r = self.rng
        u = r.uniform()
        out = []
        if u < p_buy:
            for _ in range(1 + r.poisson(self.extra_orders)):
                rev = round(float(r.lognormal(math.log(self.basket * scale), self.sigma)), 2)
                out.append((rev, self.cost_cell(rev)))
                if r.uniform() < self.p_refund:
                    ref = -round(rev * float(r.uniform(*self.refund_share)), 2)
                    out.append((ref, self.cost_cell(ref)))
        elif u < p_buy + p_refund_only:
            ref = -round(float(r.lognormal(math.log(self.basket * scale), self.sigma)), 2)
            out.append((ref, self.cost_cell(ref)))
        return out


def totals(orders, profit):
    """(revenue, profit, converted) of a user's orders, money rounded to cents."""
    rev = math.fsum(o[0] for o in orders)
    prof = math.fsum(order_profit(o[0], o[1], *profit) for o in orders)
    return round(rev, 2) + 0.0, round(prof, 2) + 0.0, any(o[0] >= 0.0 for o in orders)


def simulate(rng, shop, profit, n_e, n_c, p_pre, p_win_e, p_win_c, p_refund_only=0.0, segments=None, scale_e=1.0, activity=0.9):
    """Users of one cell. Each user has a latent activity a (lognormal with
    log-sd `activity`): it raises the purchase probability and the basket in
    both periods, so that X and Y are correlated. The exposed arm buys with
    probability p_win_e·a and baskets × scale_e. segments: [(label, share,
    activity factor)]."""
    arms = ["e"] * n_e + ["c"] * n_c
    rows = []
    for arm in arms:
        seg, factor = None, 1.0
        if segments:
            u = rng.uniform()
            acc = 0.0
            for label, share, f in segments:
                acc += share
                if u < acc:
                    seg, factor = label, f
                    break
        a = float(rng.lognormal(0.0, activity)) * factor
        p_win = p_win_e if arm == "e" else p_win_c
        pre = shop.orders(min(0.95, p_pre * a), math.sqrt(a), p_refund_only)
        win = shop.orders(min(0.95, p_win * a), math.sqrt(a) * (scale_e if arm == "e" else 1.0), p_refund_only)
        x, xp, _ = totals(pre, profit)
        y, yp, conv = totals(win, profit)
        rows.append([arm, seg, x, y, xp, yp, conv])
    return rows


def columns(rows):
    return {
        "arm": np.array([r[0] for r in rows]),
        "segment": [r[1] for r in rows],
        "x": np.array([r[2] for r in rows]),
        "y": np.array([r[3] for r in rows]),
        "xp": np.array([r[4] for r in rows]),
        "yp": np.array([r[5] for r in rows]),
        "converted": np.array([r[6] for r in rows], dtype=bool),
    }


def capped_lift_cases():
    rng = np.random.default_rng(77031)
    cases = []

    # (a) One wholesale buyer in the control arm flips the sign of the raw lift.
    profit = (0.4, 3.0, 1.5)
    shop = Shop(rng, basket=40.0, sigma=1.0)
    rows = simulate(rng, shop, profit, 1200, 400, 0.3, 0.30, 0.24)
    whale_pre = [(round(float(rng.uniform(3000, 6000)), 2), None) for _ in range(6)]
    whale_win = [(round(float(rng.uniform(4000, 7000)), 2), None) for _ in range(10)]
    whale_win = [(r, round(0.85 * r, 2)) for r, _ in whale_win]  # wholesale: cost cells given
    i = 1200 + int(rng.integers(400))
    x, xp, _ = totals(whale_pre, profit)
    y, yp, conv = totals(whale_win, profit)
    rows[i] = ["c", None, x, y, xp, yp, conv]
    cases.append(("wholesale_buyer_flips_raw_lift", 0.95, 0.99, None, profit, rows))

    # (b) Large refunds: capped from above and from below.
    profit = (0.3, 2.0, 6.0)
    shop = Shop(rng, basket=60.0, sigma=1.1, p_refund=0.35, refund_share=(0.8, 1.0))
    rows = simulate(rng, shop, profit, 600, 300, 0.5, 0.45, 0.40, p_refund_only=0.12)
    for j in rng.choice(900, 6, replace=False):
        r = rows[int(j)]
        refund = -round(float(rng.uniform(1500, 5000)), 2)
        r[3] = round(r[3] + refund, 2) + 0.0
        r[5] = round(r[5] + order_profit(refund, None, *profit), 2) + 0.0
    cases.append(("large_refunds_upper_and_lower_caps", 0.90, 0.95, 0.05, profit, rows))

    # (c) No capping: the plain Lift section (control case).
    profit = (0.5, 1.0, 1.0)
    shop = Shop(rng, basket=30.0)
    rows = simulate(rng, shop, profit, 300, 100, 0.4, 0.35, 0.30)
    cases.append(("no_capping", 0.95, None, None, profit, rows))

    # (d) Segments: the rows of "new" and "returning" (and the overall row)
    # share the cell's caps; users without a segment count in the caps and
    # the overall row only.
    profit = (0.45, 3.5, 2.0)
    shop = Shop(rng, basket=35.0)
    segments = [("new", 0.45, 0.6), ("returning", 0.40, 2.2), (None, 0.15, 1.0)]
    rows = simulate(rng, shop, profit, 800, 250, 0.35, 0.33, 0.28, segments=segments)
    cases.append(("segments_share_the_cell_caps", 0.95, 0.9, None, profit, rows))

    # (e) 85% zeros: the 0.8 quantile of Y is 0, so only users with Y > 0 are
    # capped, not the zeros that tie with the cap.
    profit = (0.35, 2.0, 3.0)
    shop = Shop(rng, basket=50.0)
    rows = simulate(rng, shop, profit, 400, 200, 0.55, 0.085, 0.07, p_refund_only=0.06)
    cases.append(("many_users_tie_at_the_cap", 0.95, 0.8, None, profit, rows))

    # (f) Low margin, high cost per order: the exposed arm buys more often but
    # smaller (discounted) baskets: revenue lift > 0, profit lift < 0.
    profit = (0.22, 11.0, 4.0)
    shop = Shop(rng, basket=60.0, sigma=0.5, extra_orders=0.2, p_refund=0.04, p_cost=0.25, cost_share=0.75, cost_fixed=10.0)
    rows = simulate(rng, shop, profit, 1000, 1000, 0.4, 0.60, 0.30, scale_e=0.72, activity=0.5)
    cases.append(("low_margin_profit_lift_negative", 0.95, 0.99, None, profit, rows))

    # (g) Capping removes the pre-period variance of revenue (X capped ≡ 0),
    # so CUPED is not applied to revenue, while X_pi keeps negative values
    # (loss-making pre-period orders) and CUPED still applies to profit.
    profit = (0.2, 15.0, 5.0)
    shop = Shop(rng, basket=45.0, p_refund=0.0, p_cost=0.0)
    rows = simulate(rng, shop, profit, 60, 45, 0.08, 0.5, 0.45)
    cases.append(("capping_removes_pre_period_variance", 0.95, 0.8, None, profit, rows))

    out = []
    for name, conf, cap, cap_lower, (m, cpo, cpr), rows in cases:
        u = columns(rows)
        for k in ("x", "y", "xp", "yp"):
            u[k] = cents(u[k])
        assert 40 <= np.sum(u["arm"] == "e") <= 1500 and 40 <= np.sum(u["arm"] == "c") <= 1500
        assert u["y"].size <= 2000
        out.append(
            {
                "name": name,
                "settings": {"confidence": conf, "cap": cap, "cap_lower": cap_lower},
                "profit_settings": {"margin": m, "cost_per_order": cpo, "cost_per_refund": cpr},
                "users": {
                    "arm": [str(a) for a in u["arm"]],
                    "segment": list(u["segment"]),
                    "x": fl_list(u["x"]),
                    "y": fl_list(u["y"]),
                    "xp": fl_list(u["xp"]),
                    "yp": fl_list(u["yp"]),
                    "converted": [bool(b) for b in u["converted"]],
                },
                "expected": cell_expected(u, conf, cap, cap_lower),
            }
        )
        check_planted(name, u, out[-1]["expected"], conf)
    return out


def check_planted(name, u, exp, conf):
    """The property each case is there for actually holds."""
    rows = exp["rows"]
    top = rows[0]
    unc = top["uncapped"]
    raw_uncapped = unc["exposed"]["revenue_per_user"] - unc["control"]["revenue_per_user"]
    if name == "wholesale_buyer_flips_raw_lift":
        assert raw_uncapped < 0.0 < top["revenue"]["raw"]["estimate"]
        assert top["revenue"]["cuped"]["estimate"] > 0.0
        whale = int(np.argmax(u["y"]))
        assert u["arm"][whale] == "c" and u["y"][whale] > 40000.0 > exp["caps"]["revenue"]["upper"]
        assert 0 < top["users_capped_revenue"] <= 17
    elif name == "large_refunds_upper_and_lower_caps":
        c = exp["caps"]
        assert c["revenue"]["lower"] < 0.0 < c["revenue"]["upper"]
        assert c["profit"]["lower"] < 0.0 < c["profit"]["upper"]
        assert np.sum(u["y"] < c["revenue"]["lower"]) > 0 and np.sum(u["y"] > c["revenue"]["upper"]) > 0
        assert top["users_capped_revenue"] == int(np.sum(u["y"] < c["revenue"]["lower"]) + np.sum(u["y"] > c["revenue"]["upper"]))
    elif name == "no_capping":
        assert exp["caps"] is None and top["users_capped_revenue"] == 0 and top["users_capped_profit"] == 0
        x, y = u["x"], u["y"]
        e, c = u["arm"] == "e", u["arm"] == "c"
        ref = msr.lift_expected(x[e], y[e], x[c], y[c], conf)
        check(top["revenue"]["cuped"]["estimate"], ref["cuped"]["estimate"], 1e-9, "plain lift")
        check(top["revenue"]["raw"]["estimate"], raw_uncapped, 1e-9, "plain raw = uncapped difference")
        assert top["revenue"]["cuped"]["applied"] and top["profit"]["cuped"]["applied"]
    elif name == "segments_share_the_cell_caps":
        labels = [r["segment"] for r in rows[1:]]
        assert labels == ["new", "returning"]
        assert any(s is None for s in u["segment"])
        seg_capped = sum(r["users_capped_revenue"] for r in rows[1:])
        none_mask = np.array([s is None for s in u["segment"]])
        none_capped = int(np.sum(none_mask & (u["y"] > exp["caps"]["revenue"]["upper"])))
        assert seg_capped + none_capped == top["users_capped_revenue"]
        # A segment's own 0.9 quantile is not the cell's cap: the test tells them apart.
        cap = exp["caps"]["revenue"]["upper"]
        for s in ("new", "returning"):
            own = np_quantile(u["y"][np.array([t == s for t in u["segment"]])], 0.9)
            assert abs(own - cap) > 1.0, (s, own, cap)
        assert all(r["n_e"] >= 2 and r["n_c"] >= 2 for r in rows)
    elif name == "many_users_tie_at_the_cap":
        assert exp["caps"]["revenue"]["upper"] == 0.0
        assert exp["caps"]["pre_period"]["upper"] > 0.0
        zeros = int(np.sum(u["y"] == 0.0))
        assert zeros / u["y"].size >= 0.8
        assert top["users_capped_revenue"] == int(np.sum(u["y"] > 0.0)) < int(np.sum(u["y"] >= 0.0))
        assert np.sum(u["y"] < 0.0) > 0 and top["revenue"]["raw"]["se"] > 0.0
    elif name == "low_margin_profit_lift_negative":
        assert top["revenue"]["cuped"]["estimate"] > 0.0 > top["profit"]["cuped"]["estimate"]
        assert top["revenue"]["cuped"]["ci_low"] > 0.0 and top["profit"]["cuped"]["ci_high"] < 0.0
        assert top["incremental_profit"]["estimate"] < 0.0
    elif name == "capping_removes_pre_period_variance":
        assert exp["caps"]["pre_period"]["upper"] == 0.0 and np.var(u["x"]) > 0.0
        assert top["revenue"]["cuped"]["applied"] is False and top["revenue"]["cuped"]["theta"] is None
        assert top["profit"]["cuped"]["applied"] is True
        e, c = top["capped_moments"]["revenue"]["exposed"], top["capped_moments"]["revenue"]["control"]
        se_r = msr.relative_se(e["n"], e["mean_y"], e["var_y"], c["n"], c["mean_y"], c["var_y"])
        raw = top["revenue"]["raw"]
        assert top["revenue"]["relative"] == msr.relative_ci(raw["estimate"], c["mean_y"], se_r, raw["df"], conf)


# --------------------------------------------------------------------------
# welch_check: every Welch result against SciPy (asserted, not stored)
# --------------------------------------------------------------------------


def welch_check():
    for ye, yc, conf, res in WELCH_LOG:
        r = st.ttest_ind(ye, yc, equal_var=False)
        check(float(r.statistic), res["t"], 1e-10, "scipy welch t")
        check(float(r.df), res["df"], 1e-10, "scipy welch df")
        check(float(r.pvalue), res["p_value"], 1e-10, "scipy welch p")
        ci = r.confidence_interval(confidence_level=conf)
        check(float(ci.low), res["ci_low"], 1e-9, "scipy welch ci low")
        check(float(ci.high), res["ci_high"], 1e-9, "scipy welch ci high")
    return len(WELCH_LOG)


def main():
    doc = {
        "generator": {
            "script": "testdata/reference/make_profit_capping_reference.py",
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "statsmodels": statsmodels.__version__,
        },
        "order_profit": order_profit_cases(),
        "quantiles": quantile_cases(),
        "capped_lift_cases": capped_lift_cases(),
    }
    checked = welch_check()
    text = json.dumps(doc, indent=1, allow_nan=False)
    # One line per array of scalars (the data arrays), for a readable diff.
    scalar = r'(?:-?[0-9][0-9.eE+-]*|null|true|false|"[^"\\]*")'
    text = re.sub(
        r"\[\s*(" + scalar + r"(?:,\s*" + scalar + r")*)\s*\]",
        lambda m: "[" + ",".join(v.strip() for v in re.findall(scalar, m.group(1))) + "]",
        text,
    )
    assert json.loads(text) == doc
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    n_cases = len(doc["capped_lift_cases"])
    n_rows = sum(len(c["expected"]["rows"]) for c in doc["capped_lift_cases"])
    print(
        f"wrote {OUT} ({len(text) + 1} bytes): {len(doc['order_profit'])} order_profit, "
        f"{len(doc['quantiles'])} quantiles, {n_cases} capped_lift_cases ({n_rows} rows); "
        f"{checked} Welch results checked against scipy",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
