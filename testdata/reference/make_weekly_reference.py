#!/usr/bin/env python3
"""Reference values for the weekly-reading parts of a lift row, computed independently.

Writes testdata/reference/weekly.json (next to this script). The definitions
are those of shared/CONTRACT.md, "Beyond average revenue" -> "Sequential
reading", "Plan: power and days to a decision", "Pre-period balance" and
"Placebo (A/A) runs". Every number is computed here from the formula (mpmath
at 50 digits, or SciPy / statsmodels), never from the Rust code, and written
with Python's float repr (shortest string that round-trips).

Regenerate (from the repository root):

    python3 -m pip install -r testdata/reference/requirements.txt
    python3 testdata/reference/make_weekly_reference.py

Sections:
- sequential  (estimate, se, N, confidence, tuning) -> the confidence sequence
              and the always-valid p-value, in mpmath; checked against the
              same formula in IEEE doubles
- balance     Welch test of the pre-period X, exposed vs control:
              scipy.stats.ttest_ind(equal_var=False) and its
              confidence_interval() at 0.95 and 0.90; flag = p < 0.001
- plan        `status`: effect, power, users_needed, reached, days_to_power
              with scipy.stats.norm; power checked against statsmodels'
              NormalIndPower where the arms' variances are equal, and
              users_needed against NormalIndPower.solve_power
- wilson      placebo false-positive rate and its Wilson score interval:
              statsmodels proportion_confint(method="wilson"), checked
              against the closed form in mpmath
"""

import json
import math
import os
import platform
import re
import sys
from fractions import Fraction

import mpmath
import numpy as np
import scipy
import scipy.stats as st
import statsmodels
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_confint

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "weekly.json")

mpmath.mp.dps = 50


def fl(v):
    """A plain Python float (None for None / non-finite), for JSON."""
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def fl_list(a):
    return [fl(v) for v in a]


def cents(a):
    """Money-like data: rounded to cents, so the JSON stays short."""
    return np.round(np.asarray(a, dtype=float), 2) + 0.0  # + 0.0 turns -0.0 into 0.0


def check(a, b, rel=1e-12, what=""):
    """Agreement of two independent computations (relative, scale at least `floor`)."""
    scale = max(abs(a), abs(b))
    if abs(a - b) > rel * scale:
        raise AssertionError(f"{what}: {a!r} vs {b!r}")


ABOUT = {
    "conventions": (
        "Floats are Python repr (shortest round-trip). `confidence` is two-sided; alpha = 1 - confidence. "
        "null means undefined (the kernel returns None). Arrays of an arm are one value per user."
    ),
    "sequential": (
        "Contract 'Sequential reading'. Inputs: estimate, se, n_total (N = n_e + n_c), confidence, tuning (N*). "
        "expected: rho = sqrt((-2 ln a + ln(-2 ln a + 1)) / N*) with a = 1 - confidence; "
        "half_width = se sqrt(N) sqrt(2(N rho^2 + 1)/(N^2 rho^2) ln(sqrt(N rho^2 + 1)/a)); "
        "ci_low/ci_high = estimate -/+ half_width; "
        "p_value = min(1, sqrt(N rho^2 + 1) exp(-rho^2 N (estimate/se)^2 / (2(N rho^2 + 1)))). "
        "Computed in mpmath (50 digits) from the double inputs, then rounded to double."
    ),
    "balance": (
        "Contract 'Pre-period balance'. Inputs: x_e, x_c (pre-period revenue X per user, exposed and control). "
        "expected: difference = mean(x_e) - mean(x_c), se = sqrt(var_e/n_e + var_c/n_c) (n - 1 variances), "
        "df (Welch-Satterthwaite), t, p_value (two-sided): scipy.stats.ttest_ind(x_e, x_c, equal_var=False); "
        "intervals: [{confidence, ci_low, ci_high}] for 0.95 and 0.9 from the result's confidence_interval() "
        "(= difference -/+ t.ppf((1 + confidence)/2, df) se); flag = p_value < 0.001 (false when p_value is null). "
        "Degenerate arms follow stats.json's welch_degenerate: both variances 0 gives difference and se = 0 with "
        "df, t, p_value and the intervals null; an arm with fewer than 2 users gives every number null."
    ),
    "plan": (
        "Contract 'Plan: power and days to a decision' (an overall row's `status`). Inputs: n_e, n_c, "
        "mean_c (raw control mean), var_e, var_c (the arms' headline n - 1 variances), se (headline Welch "
        "standard error; here sqrt(var_e/n_e + var_c/n_c)), confidence, target_power, mde (R), labeled_users, "
        "labeled_days. expected: effect = R |mean_c|; z = Phi^-1((1 + confidence)/2); z_power = Phi^-1(target_power); "
        "power = Phi(effect/se - z) + Phi(-effect/se - z); w = n_e/(n_e + n_c); "
        "users_needed = ceil((z + z_power)^2 (var_e/w + var_c/(1 - w)) / effect^2); reached = power >= target_power; "
        "rate = labeled_users / labeled_days; days_to_power = null when reached, else "
        "ceil((users_needed - n_e - n_c) / rate). statsmodels_power: NormalIndPower().power(effect/sigma, n_e, "
        "1 - confidence, ratio = n_c/n_e, two-sided) when var_e = var_c = sigma^2 (null otherwise), asserted equal "
        "to power (1e-12); users_needed is asserted within 1e-4 of NormalIndPower.solve_power's total."
    ),
    "wilson": (
        "Contract 'Placebo (A/A) runs'. Inputs: false_positives, runs, confidence. expected: rate = "
        "false_positives/runs; ci_low, ci_high = statsmodels proportion_confint(false_positives, runs, "
        "alpha = 1 - confidence, method='wilson') (the closed form center -/+ half with z = Phi^-1((1 + confidence)/2), "
        "center = (rate + z^2/(2n))/(1 + z^2/n), half = z/(1 + z^2/n) sqrt(rate(1 - rate)/n + z^2/(4n^2)), "
        "checked in mpmath to 1e-12 absolute); at 0 of n and n of n the exact bound is 0, respectively 1, which statsmodels "
        "reproduces up to rounding noise (e.g. 1.7e-18 for 0 of 200 at 0.95): compare with an absolute tolerance. "
        "alpha = 1 - confidence (computed as a double, as statsmodels was called); "
        "flag = ci_low > alpha."
    ),
}


# --------------------------------------------------------------------------
# sequential
# --------------------------------------------------------------------------


def sequential_mp(estimate, se, n, confidence, tuning):
    m = mpmath.mpf
    a = 1 - m(confidence)
    rho2 = (-2 * mpmath.log(a) + mpmath.log(-2 * mpmath.log(a) + 1)) / m(tuning)
    nn = m(n)
    half = m(se) * mpmath.sqrt(nn) * mpmath.sqrt(2 * (nn * rho2 + 1) / (nn * nn * rho2) * mpmath.log(mpmath.sqrt(nn * rho2 + 1) / a))
    est = m(estimate)
    if se == 0:
        p = None
    else:
        p = mpmath.sqrt(nn * rho2 + 1) * mpmath.exp(-rho2 * nn * (est / m(se)) ** 2 / (2 * (nn * rho2 + 1)))
        p = min(p, m(1))
    return {
        "rho": fl(mpmath.sqrt(rho2)),
        "half_width": fl(half),
        "ci_low": fl(est - half),
        "ci_high": fl(est + half),
        "p_value": fl(p) if p is not None else None,
    }


def sequential_double(estimate, se, n, confidence, tuning):
    a = 1.0 - confidence
    rho = math.sqrt((-2.0 * math.log(a) + math.log(-2.0 * math.log(a) + 1.0)) / tuning)
    nr2 = n * rho * rho
    half = se * math.sqrt(n) * math.sqrt(2.0 * (nr2 + 1.0) / (n * n * rho * rho) * math.log(math.sqrt(nr2 + 1.0) / a))
    p = min(1.0, math.sqrt(nr2 + 1.0) * math.exp(-rho * rho * n * (estimate / se) ** 2 / (2.0 * (nr2 + 1.0))))
    return rho, half, estimate - half, estimate + half, p


def sequential_cases():
    specs = [
        # name, estimate, se, n_total, confidence, tuning, what it exercises
        ("typical_95", 2.7, 0.5822370651203854, 5100, 0.95, 5000, "moderate N, p well below 1"),
        ("p_clipped_at_one", 0.5033610858562358, 0.3334122146400735, 6461, 0.95, 1000, "|estimate/se| = 1.5: sqrt(N rho^2 + 1) exp(...) > 1, p = 1"),
        ("estimate_zero", 0.0, 1.25, 2000, 0.95, 5000, "p = min(1, sqrt(N rho^2 + 1)) = 1; symmetric interval"),
        ("negative_estimate_90", -7.5, 2.629538682775084, 1560, 0.90, 5000, "negative estimate, confidence 0.90"),
        ("confidence_99_tuning_10000", 0.011097560975609759, 0.005296180133088221, 8100, 0.99, 10000, "conversion-rate difference"),
        ("tuning_equals_n", 0.0865, 0.0195, 5000, 0.95, 5000, "N = N*: the narrowest sequence for this N"),
        ("tuning_far_below_n", 0.0865, 0.0195, 5000, 0.95, 10, "N* = 10 << N: wide"),
        ("tiny_n_4", 2.0, 2.23606797749979, 4, 0.90, 5000, "N = 4: N rho^2 << 1, very wide"),
        ("large_n_1e7", 0.06, 0.019, 10_000_000, 0.95, 5000, "N = 1e7, p < 1"),
        ("large_n_1e7_significant", 0.001, 0.00012739603604508266, 10_000_000, 0.90, 10000, "N = 1e7, p ~ 1e-12"),
        ("large_n_1e7_estimate_zero", 0.0, 0.019, 10_000_000, 0.95, 5000, "N = 1e7, p = 1"),
        ("very_small_p", 0.23446441298276027, 0.011984665588422325, 6461, 0.95, 5000, "z = 19.6: p ~ 6e-76 (no underflow)"),
        ("money_scale", 1250.75, 310.4, 48000, 0.95, 5000, "incremental revenue-sized numbers"),
        ("near_threshold", 0.36, 0.1, 3000, 0.95, 5000, "p between 0.01 and 0.05"),
    ]
    out = []
    for name, est, se, n, conf, tun, what in specs:
        e = sequential_mp(est, se, n, conf, tun)
        rho, half, lo, hi, p = sequential_double(est, se, n, conf, tun)
        check(rho, e["rho"], what=name + " rho")
        check(half, e["half_width"], what=name + " half_width")
        check(lo, e["ci_low"], what=name + " ci_low")
        check(hi, e["ci_high"], what=name + " ci_high")
        check(p, e["p_value"], rel=1e-11, what=name + " p_value")
        out.append(
            {
                "name": name,
                "what": what,
                "estimate": est,
                "se": se,
                "n_total": n,
                "confidence": conf,
                "tuning": tun,
                "expected": e,
            }
        )
    by = {c["name"]: c["expected"] for c in out}
    assert by["p_clipped_at_one"]["p_value"] == 1.0 and by["estimate_zero"]["p_value"] == 1.0
    assert by["large_n_1e7_estimate_zero"]["p_value"] == 1.0
    assert 0.01 < by["near_threshold"]["p_value"] < 0.05
    assert 0.0 < by["very_small_p"]["p_value"] < 1e-70
    assert by["tuning_far_below_n"]["half_width"] > by["tuning_equals_n"]["half_width"]
    return out


# --------------------------------------------------------------------------
# balance
# --------------------------------------------------------------------------


def welch_balance(xe, xc):
    xe = np.asarray(xe, dtype=float)
    xc = np.asarray(xc, dtype=float)
    ne, nc = len(xe), len(xc)
    if ne < 2 or nc < 2:
        return {
            "difference": None,
            "se": None,
            "df": None,
            "t": None,
            "p_value": None,
            "flag": False,
            "intervals": [{"confidence": c, "ci_low": None, "ci_high": None} for c in (0.95, 0.9)],
        }
    me, mc = math.fsum(xe) / ne, math.fsum(xc) / nc
    d = me - mc
    ve = math.fsum((xe - me) ** 2) / (ne - 1)
    vc = math.fsum((xc - mc) ** 2) / (nc - 1)
    check(ve, float(np.var(xe, ddof=1)), rel=1e-10, what="var_e")
    check(vc, float(np.var(xc, ddof=1)), rel=1e-10, what="var_c")
    se = math.sqrt(ve / ne + vc / nc)
    if se == 0.0:
        return {
            "difference": fl(d),
            "se": 0.0,
            "df": None,
            "t": None,
            "p_value": None,
            "flag": False,
            "intervals": [{"confidence": c, "ci_low": None, "ci_high": None} for c in (0.95, 0.9)],
        }
    res = st.ttest_ind(xe, xc, equal_var=False)
    ae, ac = ve / ne, vc / nc
    df = (ae + ac) ** 2 / (ae**2 / (ne - 1) + ac**2 / (nc - 1))
    check(float(res.df), df, rel=1e-10, what="df")
    check(float(res.statistic), d / se, rel=1e-10, what="t")
    p = float(res.pvalue)
    check(p, float(2.0 * st.t.sf(abs(d / se), df)), rel=1e-9, what="p")
    intervals = []
    for conf in (0.95, 0.9):
        ci = res.confidence_interval(confidence_level=conf)
        q = float(st.t.ppf((1.0 + conf) / 2.0, df))
        check(float(ci.low), d - q * se, rel=1e-10, what="ci_low")
        check(float(ci.high), d + q * se, rel=1e-10, what="ci_high")
        intervals.append({"confidence": conf, "ci_low": fl(ci.low), "ci_high": fl(ci.high)})
    return {
        "difference": fl(d),
        "se": fl(se),
        "df": fl(res.df),
        "t": fl(res.statistic),
        "p_value": fl(p),
        "flag": p < 0.001,
        "intervals": intervals,
    }


def balance_cases():
    rng = np.random.default_rng(20240601)
    specs = []

    # 1. Balanced, roughly normal pre-period spend.
    specs.append(("balanced_normal", cents(rng.normal(42.0, 11.0, 20)), cents(rng.normal(42.0, 11.0, 25)), "no real difference"))

    # 2. Heavy-tailed: most users spent nothing before, a few a lot.
    def heavy(n, big):
        x = np.where(rng.random(n) < 0.6, 0.0, rng.lognormal(3.0, 1.4, n))
        x[rng.integers(n)] = big
        return cents(x)

    specs.append(("heavy_tailed_zeros_and_a_whale", heavy(30, 4200.0), heavy(40, 95.0), "60% zeros, one 4,200 spender in the exposed arm"))

    # 3. Planted imbalance: the exposed arm was picked among past buyers.
    specs.append(
        (
            "planted_imbalance",
            cents(rng.normal(80.0, 15.0, 35)),
            cents(rng.normal(50.0, 15.0, 30)),
            "exposed users spent ~30 more before the test: p < 0.001, flagged",
        )
    )

    # 4. An arm of two users.
    specs.append(("two_users_in_exposed", cents([12.5, 80.0]), cents(rng.normal(40.0, 20.0, 12)), "n_e = 2: df close to 1"))

    # 5. Pareto tails on both sides.
    specs.append(("pareto_tails", cents((rng.pareto(1.3, 15) + 1.0) * 10.0), cents((rng.pareto(1.3, 10) + 1.0) * 10.0), "Pareto(1.3) spend, 15 vs 10"))

    # 6. Refunds: negative pre-period net revenue.
    xe = cents(rng.normal(5.0, 30.0, 18))
    xc = cents(rng.normal(8.0, 30.0, 22))
    xe[:3] = [-120.0, -45.5, -310.0]
    specs.append(("refunds_negative_values", xe, xc, "net revenue with refunds below zero"))

    # 7. Imbalance that is significant at 5% but not flagged (p between 0.001 and 0.05).
    specs.append(
        (
            "significant_but_not_flagged",
            cents([55.1, 61.0, 48.3, 70.2, 66.0, 52.4, 58.8, 63.5, 49.9, 71.3, 60.0, 57.2]),
            cents([45.0, 50.3, 41.2, 58.8, 47.7, 53.1, 44.4, 60.2, 39.9, 55.5]),
            "p < 0.05 yet >= 0.001: flag false",
        )
    )

    # 8. Nobody spent anything in the pre-period (both variances zero).
    specs.append(("no_pre_period_revenue", np.zeros(8), np.zeros(5), "X = 0 everywhere: difference 0, se 0, p null, flag false"))

    # 9. A single control user.
    specs.append(("one_control_user", cents(rng.normal(30.0, 8.0, 6)), cents([27.5]), "n_c = 1: every number null, flag false"))

    out = []
    for name, xe, xc, what in specs:
        out.append({"name": name, "what": what, "x_e": fl_list(xe), "x_c": fl_list(xc), "expected": welch_balance(xe, xc)})
    by = {c["name"]: c["expected"] for c in out}
    assert by["planted_imbalance"]["p_value"] < 0.001 and by["planted_imbalance"]["flag"] is True
    assert 0.001 <= by["significant_but_not_flagged"]["p_value"] < 0.05 and by["significant_but_not_flagged"]["flag"] is False
    assert not by["balanced_normal"]["flag"] and not by["heavy_tailed_zeros_and_a_whale"]["flag"]
    assert by["no_pre_period_revenue"]["p_value"] is None and by["one_control_user"]["difference"] is None
    assert all(5 <= len(c["x_e"]) + len(c["x_c"]) for c in out)
    return out


# --------------------------------------------------------------------------
# plan
# --------------------------------------------------------------------------


def plan_expected(n_e, n_c, mean_c, var_e, var_c, se, conf, target, mde, users, days):
    effect = mde * abs(mean_c)
    z = float(st.norm.ppf((1.0 + conf) / 2.0))
    zp = float(st.norm.ppf(target))
    power = float(st.norm.cdf(effect / se - z) + st.norm.cdf(-effect / se - z))
    w = n_e / (n_e + n_c)
    raw = (z + zp) ** 2 * (var_e / w + var_c / (1.0 - w)) / effect**2
    assert abs(raw - round(raw)) > 1e-6, "users_needed too close to an integer"
    users_needed = math.ceil(raw)
    # The same in mpmath.
    m = mpmath.mpf
    zm = mpmath.sqrt(2) * mpmath.erfinv(m(conf))
    zpm = mpmath.sqrt(2) * mpmath.erfinv(2 * m(target) - 1)
    em = m(mde) * abs(m(mean_c))
    sem = m(se)
    pm = mpmath.ncdf(em / sem - zm) + mpmath.ncdf(-em / sem - zm)
    check(power, float(pm), rel=1e-12, what="power")
    wm = m(n_e) / (n_e + n_c)
    assert int(mpmath.ceil((zm + zpm) ** 2 * (m(var_e) / wm + m(var_c) / (1 - wm)) / em**2)) == users_needed
    reached = power >= target
    rate = users / days
    if reached:
        days_to_power = None
    else:
        q = (users_needed - n_e - n_c) / rate
        days_to_power = math.ceil(q)
        # Exact rational arithmetic agrees (no float artefact at an integer).
        assert days_to_power == math.ceil(Fraction(users_needed - n_e - n_c) * Fraction(days) / Fraction(users))
        assert days_to_power > 0
    # statsmodels cross-checks
    alpha = 1.0 - conf
    sm_power = None
    if var_e == var_c:
        sigma = math.sqrt(var_e)
        sm_power = float(NormalIndPower().power(effect_size=effect / sigma, nobs1=n_e, alpha=alpha, ratio=n_c / n_e, alternative="two-sided"))
        check(sm_power, power, rel=1e-12, what="NormalIndPower power")
        nobs1 = float(NormalIndPower().solve_power(effect_size=effect / sigma, alpha=alpha, power=target, ratio=(1.0 - w) / w, alternative="two-sided"))
        check(nobs1 / w, raw, rel=1e-4, what="NormalIndPower solve_power total")
    return {
        "effect": fl(effect),
        "z": fl(z),
        "z_power": fl(zp),
        "power": fl(power),
        "w": fl(w),
        "users_needed": users_needed,
        "reached": reached,
        "rate": fl(rate),
        "days_to_power": days_to_power,
        "statsmodels_power": fl(sm_power),
    }


def plan_cases():
    specs = [
        # name, n_e, n_c, mean_c, var_e, var_c, conf, target, mde, labeled users, labeled days, what
        ("not_reached_typical", 1200, 400, 30.5, 2500.0, 2400.0, 0.95, 0.8, 0.05, 1800, 14, "90/10-ish split, 5% planned lift: more weeks needed"),
        ("reached_large_holdout", 60000, 20000, 30.5, 2500.0, 2400.0, 0.95, 0.8, 0.05, 90000, 28, "reached: days_to_power null"),
        ("equal_variances_half_split", 3000, 3000, 12.0, 400.0, 400.0, 0.95, 0.8, 0.1, 6500, 21, "equal variances: statsmodels NormalIndPower comparable"),
        ("equal_variances_unbalanced_90", 9000, 1000, 48.2, 3600.0, 3600.0, 0.90, 0.9, 0.03, 10400, 30, "confidence 0.90, target 0.90, 10% holdout"),
        ("negative_control_mean", 800, 700, -4.2, 90.0, 110.0, 0.95, 0.8, 0.1, 1600, 10, "refund-heavy channel: effect = R |mean_c|"),
        ("cuped_headline_variances", 2500, 2500, 22.0, 150.0, 160.0, 0.95, 0.8, 0.05, 5100, 7, "CUPED-adjusted variances (smaller than raw)"),
        ("fractional_rate", 500, 500, 10.0, 900.0, 900.0, 0.95, 0.8, 0.2, 1000, 3, "rate = 333.33 users/day"),
        ("large_mde_reached_small_n", 150, 150, 20.0, 100.0, 120.0, 0.95, 0.8, 0.5, 310, 5, "a 50% planned lift is detectable at once"),
        ("high_target_99", 4000, 4000, 7.5, 64.0, 64.0, 0.99, 0.95, 0.05, 8200, 12, "confidence 0.99, target power 0.95"),
    ]
    out = []
    for name, ne, nc, mc, ve, vc, conf, target, mde, users, days, what in specs:
        se = math.sqrt(ve / ne + vc / nc)
        out.append(
            {
                "name": name,
                "what": what,
                "n_e": ne,
                "n_c": nc,
                "mean_c": mc,
                "var_e": ve,
                "var_c": vc,
                "se": se,
                "confidence": conf,
                "target_power": target,
                "mde": mde,
                "labeled_users": users,
                "labeled_days": days,
                "expected": plan_expected(ne, nc, mc, ve, vc, se, conf, target, mde, users, days),
            }
        )
    by = {c["name"]: c["expected"] for c in out}
    assert by["reached_large_holdout"]["reached"] and by["reached_large_holdout"]["days_to_power"] is None
    assert by["large_mde_reached_small_n"]["reached"]
    assert not by["not_reached_typical"]["reached"] and by["not_reached_typical"]["days_to_power"] > 0
    assert sum(c["expected"]["statsmodels_power"] is not None for c in out) >= 3
    return out


# --------------------------------------------------------------------------
# wilson
# --------------------------------------------------------------------------


def wilson_mp(k, n, conf):
    m = mpmath.mpf
    z = mpmath.sqrt(2) * mpmath.erfinv(m(conf))
    p = m(k) / n
    den = 1 + z * z / n
    center = (p + z * z / (2 * n)) / den
    half = z / den * mpmath.sqrt(p * (1 - p) / n + z * z / (4 * m(n) ** 2))
    return center - half, center + half


def wilson_cases():
    specs = [
        (0, 200, 0.95),
        (200, 200, 0.95),
        (10, 200, 0.95),
        (13, 100, 0.95),
        (0, 200, 0.9),
        (200, 200, 0.9),
        (10, 200, 0.9),
        (13, 100, 0.9),
        (25, 100, 0.9),
        (1, 1000, 0.95),
        (7, 20, 0.99),
        (0, 1, 0.95),
    ]
    out = []
    for k, n, conf in specs:
        alpha = 1.0 - conf
        lo, hi = proportion_confint(k, n, alpha=alpha, method="wilson")
        lo, hi = float(lo), float(hi)
        mlo, mhi = wilson_mp(k, n, conf)
        assert abs(lo - float(mlo)) < 1e-12 and abs(hi - float(mhi)) < 1e-12, (k, n, conf, lo, hi, mlo, mhi)
        out.append(
            {
                "name": f"{k}_of_{n}_at_{conf}",
                "false_positives": k,
                "runs": n,
                "confidence": conf,
                "expected": {"rate": k / n, "ci_low": lo, "ci_high": hi, "alpha": alpha, "flag": lo > alpha},
            }
        )
    by = {c["name"]: c["expected"] for c in out}
    assert abs(by["0_of_200_at_0.95"]["ci_low"]) < 1e-15 and abs(by["200_of_200_at_0.95"]["ci_high"] - 1.0) < 1e-15
    assert by["13_of_100_at_0.95"]["flag"] and not by["13_of_100_at_0.9"]["flag"] and not by["10_of_200_at_0.95"]["flag"]
    return out


def main():
    doc = {
        "about": ABOUT,
        "generator": {
            "script": "testdata/reference/make_weekly_reference.py",
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "statsmodels": statsmodels.__version__,
            "mpmath": mpmath.__version__,
        },
        "sequential": sequential_cases(),
        "balance": balance_cases(),
        "plan": plan_cases(),
        "wilson": wilson_cases(),
    }
    text = json.dumps(doc, indent=1, allow_nan=False)
    # One line per array of scalars (the data arrays), for a readable diff.
    text = re.sub(
        r"\[\s*((?:-?[0-9][0-9.eE+-]*|null|true|false)(?:,\s*(?:-?[0-9][0-9.eE+-]*|null|true|false))*)\s*\]",
        lambda m: "[" + ",".join(v.strip() for v in m.group(1).split(",")) + "]",
        text,
    )
    assert json.loads(text) == doc
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    counts = ", ".join(f"{k} {len(doc[k])}" for k in ("sequential", "balance", "plan", "wilson"))
    print(f"wrote {OUT} ({len(text)} bytes; {counts} cases)", file=sys.stderr)


if __name__ == "__main__":
    main()
