#!/usr/bin/env python3
"""Reference values for the kernels in src/stats/, computed independently.

Writes testdata/reference/stats.json (next to this script). Every number is
computed here from the textbook formula or a SciPy / statsmodels function, never
from the Rust code, and written with Python's float repr (shortest string that
round-trips, i.e. full precision).

Regenerate (from the repository root):

    python3 -m pip install -r testdata/reference/requirements.txt
    python3 testdata/reference/make_stats_reference.py

Sources per section:
- quantiles  scipy.stats.t.ppf / t.sf, scipy.stats.norm.ppf / norm.sf
- welch      scipy.stats.ttest_ind(equal_var=False) for t, df and the p-value;
             CI = d ± t.ppf((1+conf)/2, df)·se (cross-checked against the
             result's own confidence_interval()); welch_large_n from
             scipy.stats.ttest_ind_from_stats(equal_var=False)
- relative   the contract's delta-method formula, written out in numpy
- proportion statsmodels proportions_ztest (pooled z p-value) and
             confint_proportions_2indep(method="wald") for the Wald interval
- holm       statsmodels multipletests(method="holm")
- srm        scipy.stats.chisquare with the planned split as f_exp
- power      closed forms with scipy.stats.norm.ppf; mde_for_rate by brentq;
             users_for_mean cross-checked with statsmodels NormalIndPower
- describe   numpy mean / var(ddof=1) / cov(ddof=1)
- sum        math.fsum (correctly rounded sum)
- bootstrap  numpy.quantile(method="linear") (type 7)
- lift_cases the contract's "Lift" section end to end (raw Welch, CUPED,
             relative lift raw and CUPED, conversion-rate lift)
"""

import json
import math
import os
import platform
import re
import sys

import numpy as np
import scipy
import scipy.optimize
import scipy.stats as st
import statsmodels
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "stats.json")


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
    """Internal consistency check between two independent computations."""
    scale = max(abs(a), abs(b), 1.0)
    if abs(a - b) > rel * scale:
        raise AssertionError(f"{what}: {a!r} vs {b!r}")


# --------------------------------------------------------------------------
# quantile and tail functions (src/stats/mod.rs)
# --------------------------------------------------------------------------


def quantiles():
    t_q = []
    for df, q in [
        (1.0, 0.975),
        (2.0, 0.95),
        (3.0, 0.975),
        (2.5, 0.95),
        (5.0, 0.025),
        (7.3, 0.995),
        (30.0, 0.9),
        (117.42, 0.975),
        (1000.0, 0.975),
        (5000.0, 0.9),
        (1.0e4, 0.995),
    ]:
        t_q.append({"df": df, "q": q, "expected": fl(st.t.ppf(q, df))})
    # Degrees of freedom of tests with 10^4 to 10^7 users per arm (warehouse
    # scale), including both sides of mod.rs' 1e7 cut-over to the normal.
    t_q_large = []
    for df in [2.0e4, 1.0e5, 1.0e6, 3.0e6, 9.0e6, 1.0e7, 1.2e7, 2.0e7]:
        for q in [0.95, 0.975, 0.995]:
            t_q_large.append({"df": df, "q": q, "expected": fl(st.t.ppf(q, df))})
    t_p = []
    for t, df in [
        (0.0, 4.0),
        (2.1, 3.0),
        (-2.1, 3.0),
        (1.0, 2.5),
        (2.7, 11.6),
        (-4.2, 58.3),
        (1.96, 1.0e5),
        (8.5, 40.0),
        (3.0, 2.0e6),
        (1.0, 9.0e6),
        (2.5, 2.0e7),
    ]:
        t_p.append({"t": t, "df": df, "expected": fl(2.0 * st.t.sf(abs(t), df))})
    z_q = [{"q": q, "expected": fl(st.norm.ppf(q))} for q in [0.5, 0.8, 0.9, 0.95, 0.975, 0.995, 0.025, 0.9995]]
    z_p = [{"z": z, "expected": fl(2.0 * st.norm.sf(abs(z)))} for z in [0.0, 0.5, -1.2, 1.959963984540054, 3.1, -5.0]]
    return {"t_quantile": t_q, "t_quantile_large_df": t_q_large, "t_two_sided_p": t_p, "z_quantile": z_q, "z_two_sided_p": z_p}


# --------------------------------------------------------------------------
# Welch (src/stats/welch.rs)
# --------------------------------------------------------------------------


def summary(y):
    y = np.asarray(y, dtype=float)
    return {"n": int(y.size), "mean": fl(np.mean(y)), "var": fl(np.var(y, ddof=1))}


def welch_reference(ye, yc, conf):
    """Welch's test by SciPy, the CI from the t quantile."""
    ye = np.asarray(ye, dtype=float)
    yc = np.asarray(yc, dtype=float)
    res = st.ttest_ind(ye, yc, equal_var=False)
    ve = np.var(ye, ddof=1) / ye.size
    vc = np.var(yc, ddof=1) / yc.size
    se = math.sqrt(ve + vc)
    df = (ve + vc) ** 2 / (ve**2 / (ye.size - 1) + vc**2 / (yc.size - 1))
    d = float(np.mean(ye) - np.mean(yc))
    check(float(res.df), df, 1e-12, "welch df")
    check(float(res.statistic), d / se, 1e-12, "welch t")
    q = st.t.ppf((1.0 + conf) / 2.0, res.df)
    lo, hi = d - q * se, d + q * se
    ci = res.confidence_interval(confidence_level=conf)
    check(float(ci.low), lo, 1e-10, "welch ci low")
    check(float(ci.high), hi, 1e-10, "welch ci high")
    return {
        "estimate": fl(d),
        "se": fl(se),
        "df": fl(res.df),
        "t": fl(res.statistic),
        "ci_low": fl(lo),
        "ci_high": fl(hi),
        "p_value": fl(res.pvalue),
    }


def welch_cases():
    rng = np.random.default_rng(20260301)
    specs = [
        # name, n_e, n_c, mean_e, sd_e, mean_c, sd_c, confidence
        ("tiny_3_vs_5", 3, 5, 12.0, 2.0, 9.0, 6.0, 0.95),
        ("tiny_3_vs_5_at_90", 3, 5, 4.0, 1.0, 5.5, 3.0, 0.90),
        ("small_12_vs_40_at_99", 12, 40, 31.0, 14.0, 24.0, 5.0, 0.99),
        ("medium_250_vs_60", 250, 60, 18.0, 25.0, 14.5, 9.0, 0.95),
        ("large_5000_vs_800", 5000, 800, 42.0, 60.0, 39.0, 35.0, 0.95),
        ("large_5000_vs_800_at_99", 5000, 800, 10.0, 3.0, 10.4, 7.5, 0.99),
        ("large_5000_vs_800_at_90", 5000, 800, 7.0, 20.0, 7.0, 20.0, 0.90),
        ("strong_effect_tiny_p", 400, 300, 50.0, 10.0, 40.0, 12.0, 0.95),
    ]
    out = []
    for name, ne, nc, me, se_, mc, sc, conf in specs:
        ye = cents(rng.normal(me, se_, ne))
        yc = cents(rng.normal(mc, sc, nc))
        out.append(
            {
                "name": name,
                "confidence": conf,
                "y_e": fl_list(ye),
                "y_c": fl_list(yc),
                "e": summary(ye),
                "c": summary(yc),
                "expected": welch_reference(ye, yc, conf),
            }
        )
    return out


def welch_large_n():
    """Summary-level Welch cases with 10^4 to 10^7 users (no data arrays)."""
    specs = [
        # name, (n, mean, sd) exposed, (n, mean, sd) control, confidence
        ("fifty_thousand_vs_twenty_thousand", (50000, 12.40, 31.0), (20000, 12.05, 29.5), 0.95),
        ("two_million_vs_half_a_million", (2000000, 8.013, 22.0), (500000, 7.981, 21.0), 0.90),
        ("nine_million_vs_one_million", (9000000, 3.2051, 11.0), (1000000, 3.1987, 10.0), 0.95),
    ]
    out = []
    for name, (ne, me, sde), (nc, mc, sdc), conf in specs:
        res = st.ttest_ind_from_stats(me, sde, ne, mc, sdc, nc, equal_var=False)
        ve, vc = sde**2 / ne, sdc**2 / nc
        se = math.sqrt(ve + vc)
        df = (ve + vc) ** 2 / (ve**2 / (ne - 1) + vc**2 / (nc - 1))
        d = me - mc
        check(float(res.statistic), d / se, 1e-12, "welch_from_stats t")
        q = st.t.ppf((1.0 + conf) / 2.0, df)
        out.append(
            {
                "name": name,
                "confidence": conf,
                "e": {"n": ne, "mean": me, "var": fl(sde**2)},
                "c": {"n": nc, "mean": mc, "var": fl(sdc**2)},
                "expected": {
                    "estimate": fl(d),
                    "se": fl(se),
                    "df": fl(df),
                    "t": fl(res.statistic),
                    "ci_low": fl(d - q * se),
                    "ci_high": fl(d + q * se),
                    "p_value": fl(res.pvalue),
                },
            }
        )
    return out


def welch_degenerate():
    """Inputs for which the contract gives no interval (summary-level)."""
    return [
        {
            "name": "both_variances_zero",
            "e": {"n": 4, "mean": 3.0, "var": 0.0},
            "c": {"n": 6, "mean": 1.0, "var": 0.0},
            "confidence": 0.95,
            "expected": {"estimate": 2.0, "se": 0.0, "df": None, "ci_low": None, "ci_high": None, "p_value": None},
        },
        {
            "name": "one_user_in_control",
            "e": {"n": 10, "mean": 3.0, "var": 2.0},
            "c": {"n": 1, "mean": 1.0, "var": 0.0},
            "confidence": 0.95,
            "expected": None,
        },
    ]


# --------------------------------------------------------------------------
# Relative lift, delta method (contract "Lift"; src/stats/welch.rs relative)
# --------------------------------------------------------------------------


def relative_se(ne, ye_bar, s2_ye, nc, yc_bar, s2_yc, theta=0.0, s2_xe=0.0, s2_xc=0.0, c_e=0.0, c_c=0.0):
    """se_r exactly as the contract writes it (theta = 0: the raw formula)."""
    if theta == 0.0:
        # s_e²/(n_e·ȳ_c²) + s_c²·ȳ_e²/(n_c·ȳ_c⁴)
        v = s2_ye / (ne * yc_bar**2) + s2_yc * ye_bar**2 / (nc * yc_bar**4)
    else:
        # (s²_Ye + θ²s²_Xe − 2θ·c_e)/(n_e·ȳ_c²)
        #   + (s²_Yc·ȳ_e²/ȳ_c² − 2θ·c_c·ȳ_e/ȳ_c + θ²s²_Xc)/(n_c·ȳ_c²)
        v = (s2_ye + theta**2 * s2_xe - 2.0 * theta * c_e) / (ne * yc_bar**2) + (
            s2_yc * ye_bar**2 / yc_bar**2 - 2.0 * theta * c_c * ye_bar / yc_bar + theta**2 * s2_xc
        ) / (nc * yc_bar**2)
    return math.sqrt(max(v, 0.0))


def relative_ci(diff, yc_bar, se_r, df, conf):
    if yc_bar == 0.0:
        return None
    r = diff / abs(yc_bar)
    if df is None or not se_r > 0.0:
        return {"estimate": fl(r), "ci_low": None, "ci_high": None, "se": fl(se_r)}
    q = st.t.ppf((1.0 + conf) / 2.0, df)
    return {"estimate": fl(r), "ci_low": fl(r - q * se_r), "ci_high": fl(r + q * se_r), "se": fl(se_r)}


def relative_cases():
    """Summary-level cases for welch::relative (the lift_cases add data-level ones)."""
    cases = [
        # name, e(n,mean,var), c(n,mean,var), theta, var_x_e, var_x_c, cov_e, cov_c, diff, df, conf
        ("raw_positive_baseline", (500, 12.5, 90.0), (120, 10.0, 70.0), 0.0, 0.0, 0.0, 0.0, 0.0, None, None, 0.95),
        ("raw_negative_baseline", (300, -1.2, 40.0), (80, -2.0, 35.0), 0.0, 0.0, 0.0, 0.0, 0.0, None, None, 0.90),
        ("raw_small_at_99", (8, 4.4, 3.1), (5, 3.9, 1.7), 0.0, 0.0, 0.0, 0.0, 0.0, None, None, 0.99),
        ("cuped_positive_baseline", (800, 20.0, 400.0), (150, 18.0, 380.0), 0.7, 300.0, 290.0, 220.0, 205.0, 1.83, 212.4, 0.95),
        ("cuped_negative_baseline", (200, -3.0, 60.0), (90, -4.5, 55.0), 0.55, 80.0, 75.0, 41.0, 38.0, 1.31, 170.2, 0.95),
        ("zero_baseline_is_null", (100, 1.0, 4.0), (100, 0.0, 4.0), 0.0, 0.0, 0.0, 0.0, 0.0, None, None, 0.95),
    ]
    out = []
    for name, e, c, theta, vxe, vxc, ce, cc, diff, df, conf in cases:
        ne, me, ve = e
        nc, mc, vc = c
        if diff is None:
            diff = me - mc
        if df is None:
            a, b = ve / ne, vc / nc
            df = (a + b) ** 2 / (a * a / (ne - 1) + b * b / (nc - 1))
        se_r = relative_se(ne, me, ve, nc, mc, vc, theta, vxe, vxc, ce, cc) if mc != 0.0 else None
        exp = relative_ci(diff, mc, se_r, df, conf) if mc != 0.0 else None
        out.append(
            {
                "name": name,
                "inputs": {
                    "e": {"n": ne, "mean": me, "var": ve},
                    "c": {"n": nc, "mean": mc, "var": vc},
                    "theta": theta,
                    "var_x_e": vxe,
                    "var_x_c": vxc,
                    "cov_e": ce,
                    "cov_c": cc,
                },
                "diff": fl(diff),
                "df": fl(df),
                "confidence": conf,
                "expected": exp,
            }
        )
    return out


# --------------------------------------------------------------------------
# Two proportions (src/stats/proportion.rs)
# --------------------------------------------------------------------------


def proportion_reference(xe, ne, xc, nc, conf):
    pe, pc = xe / ne, xc / nc
    d = pe - pc
    z = st.norm.ppf((1.0 + conf) / 2.0)
    se = math.sqrt(pe * (1 - pe) / ne + pc * (1 - pc) / nc)
    lo, hi = d - z * se, d + z * se
    if not (xe == 0 and xc == 0) and not (xe == ne and xc == nc):
        lo_sm, hi_sm = confint_proportions_2indep(xe, ne, xc, nc, method="wald", compare="diff", alpha=1 - conf)
        check(float(lo_sm), lo, 1e-12, "wald low")
        check(float(hi_sm), hi, 1e-12, "wald high")
    pooled = (xe + xc) / (ne + nc)
    if 0.0 < pooled < 1.0:
        _, p = proportions_ztest([xe, xc], [ne, nc], value=0, alternative="two-sided", prop_var=False)
        p = fl(p)
    else:
        p = None
    return {"estimate": fl(d), "ci_low": fl(lo), "ci_high": fl(hi), "p_value": p}


def proportion_cases():
    specs = [
        (60, 500, 40, 500, 0.95),
        (3, 7, 1, 5, 0.95),
        (412, 5000, 58, 800, 0.95),
        (412, 5000, 58, 800, 0.99),
        (130, 1200, 151, 1190, 0.90),
        (1, 1000, 0, 1000, 0.95),
        (0, 300, 0, 80, 0.95),  # pooled rate 0: no p-value
        (40, 40, 25, 25, 0.95),  # pooled rate 1: no p-value
        (9999, 10000, 9990, 10000, 0.99),
    ]
    out = [
        {"x_e": xe, "n_e": ne, "x_c": xc, "n_c": nc, "confidence": conf, "expected": proportion_reference(xe, ne, xc, nc, conf)}
        for xe, ne, xc, nc, conf in specs
    ]
    out.append({"x_e": 0, "n_e": 0, "x_c": 3, "n_c": 10, "confidence": 0.95, "expected": None})
    return out


# --------------------------------------------------------------------------
# Holm (src/stats/holm.rs)
# --------------------------------------------------------------------------


def holm_cases():
    rng = np.random.default_rng(7)
    random_p = np.round(rng.uniform(0, 1, 12) ** 3, 6)
    random_p[4] = random_p[9]  # a tie at a random place
    vectors = [
        ("docstring_example", [0.01, 0.04, 0.03]),
        ("ties", [0.02, 0.02, 0.02, 0.5]),
        ("ties_at_the_top", [0.3, 0.01, 0.3, 0.3]),
        ("clipping_at_one", [0.3, 0.6, 0.01, 0.9]),
        ("all_clip", [0.5, 0.5]),
        ("zero_and_one", [0.0, 1.0, 0.2, 0.0]),
        ("single", [0.2]),
        ("running_max_matters", [0.011, 0.012, 0.013, 0.04, 0.0105]),
        ("twelve_random_with_a_tie", fl_list(random_p)),
    ]
    out = []
    for name, p in vectors:
        _, adj, _, _ = multipletests(p, alpha=0.05, method="holm")
        out.append({"name": name, "p": fl_list(p), "expected": fl_list(adj)})
    out.append({"name": "empty", "p": [], "expected": []})
    return out


# --------------------------------------------------------------------------
# SRM (src/stats/srm.rs)
# --------------------------------------------------------------------------


def srm_cases():
    specs = [
        (5000, 5000, 0.5),
        (9000, 1000, 0.1),
        (9100, 900, 0.1),
        (8000, 2000, 0.2),
        (7912, 2088, 0.2),
        (830, 170, 0.2),
        (6, 4, 0.3),
        (1, 0, 0.5),
        (100000, 9000, 0.1),
        (25000, 2000, 0.1),
    ]
    out = []
    for ne, nc, pi in specs:
        n = ne + nc
        res = st.chisquare([nc, ne], f_exp=[n * pi, n * (1 - pi)])
        out.append({"n_e": ne, "n_c": nc, "control_share": pi, "chi2": fl(res.statistic), "expected": fl(res.pvalue)})
    out.append({"n_e": 0, "n_c": 0, "control_share": 0.5, "chi2": None, "expected": None})
    out.append({"n_e": 10, "n_c": 5, "control_share": 1.0, "chi2": None, "expected": None})
    return out


# --------------------------------------------------------------------------
# Power (src/stats/power.rs): normal approximation, two-sided level 1 − conf
# --------------------------------------------------------------------------


def z_sum(conf, power):
    return st.norm.ppf((1.0 + conf) / 2.0) + st.norm.ppf(power)


def users_for_mean(mde, sd, conf, power, pi):
    z = z_sum(conf, power)
    return z * z * sd * sd * (1.0 / pi + 1.0 / (1.0 - pi)) / mde**2


def rate_var(rate, mde, pi):
    pe = rate + mde
    return pe * (1 - pe) / (1 - pi) + rate * (1 - rate) / pi


def users_for_rate(mde, rate, conf, power, pi):
    z = z_sum(conf, power)
    return z * z * rate_var(rate, mde, pi) / mde**2


def power_cases():
    mean_specs = [
        # mde, sd, confidence, power, control_share
        (0.5, 1.0, 0.95, 0.8, 0.5),
        (0.7, 12.0, 0.95, 0.8, 0.2),
        (2.0, 35.0, 0.99, 0.9, 0.1),
        (0.25, 3.3, 0.90, 0.8, 0.3),
    ]
    users_mean = []
    for mde, sd, conf, power, pi in mean_specs:
        n = users_for_mean(mde, sd, conf, power, pi)
        # statsmodels: nobs1 = exposed users, ratio = nobs2/nobs1 = control/exposed.
        # Its power also counts the (negligible) rejections in the wrong tail.
        nobs1 = NormalIndPower().solve_power(
            effect_size=mde / sd, nobs1=None, alpha=1 - conf, power=power, ratio=pi / (1 - pi), alternative="two-sided"
        )
        sm_total = float(nobs1) / (1 - pi)
        check(sm_total, n, 1e-4, "NormalIndPower cross-check")
        users_mean.append(
            {
                "mde": mde,
                "sd": sd,
                "design": {"confidence": conf, "power": power, "control_share": pi},
                "expected": fl(n),
                "statsmodels_normal_ind_power_total": fl(sm_total),
            }
        )
    mde_mean = []
    for users, sd, conf, power, pi in [(126.0, 1.0, 0.95, 0.8, 0.5), (20000.0, 45.0, 0.95, 0.8, 0.1), (3000.0, 8.0, 0.99, 0.9, 0.25)]:
        z = z_sum(conf, power)
        d = z * sd * math.sqrt((1.0 / pi + 1.0 / (1.0 - pi)) / users)
        mde_mean.append(
            {"users": users, "sd": sd, "design": {"confidence": conf, "power": power, "control_share": pi}, "expected": fl(d)}
        )
    rate_specs = [
        # mde, baseline rate, confidence, power, control_share
        (0.005, 0.04, 0.95, 0.8, 0.2),
        (0.01, 0.2, 0.99, 0.9, 0.1),
        (0.002, 0.01, 0.95, 0.8, 0.5),
        (0.05, 0.5, 0.90, 0.8, 0.3),
    ]
    users_rate = [
        {
            "mde": mde,
            "rate": rate,
            "design": {"confidence": conf, "power": power, "control_share": pi},
            "expected": fl(users_for_rate(mde, rate, conf, power, pi)),
        }
        for mde, rate, conf, power, pi in rate_specs
    ]
    mde_rate = []
    for users, rate, conf, power, pi in [(50000.0, 0.04, 0.95, 0.8, 0.2), (2000.0, 0.1, 0.95, 0.8, 0.5), (1.0e6, 0.003, 0.99, 0.9, 0.1)]:
        f = lambda d: users_for_rate(d, rate, conf, power, pi) - users  # noqa: E731
        d = scipy.optimize.brentq(f, 1e-9, 1.0 - rate - 1e-12, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
        mde_rate.append(
            {"users": users, "rate": rate, "design": {"confidence": conf, "power": power, "control_share": pi}, "expected": fl(d)}
        )
    return {"users_for_mean": users_mean, "mde_for_mean": mde_mean, "users_for_rate": users_rate, "mde_for_rate": mde_rate}


# --------------------------------------------------------------------------
# describe, sum, bootstrap quantile
# --------------------------------------------------------------------------


def describe_cases():
    rng = np.random.default_rng(11)
    out = []
    for name, n, shift in [("small", 7, 0.0), ("offset_large_mean", 200, 1.0e6), ("pair", 2, -3.0)]:
        x = cents(rng.normal(shift, 5.0, n))
        y = cents(0.5 * x + rng.normal(2.0, 3.0, n))
        out.append(
            {
                "name": name,
                "x": fl_list(x),
                "y": fl_list(y),
                "expected": {
                    "n": n,
                    "mean_x": fl(np.mean(x)),
                    "mean_y": fl(np.mean(y)),
                    "var_x": fl(np.var(x, ddof=1)),
                    "var_y": fl(np.var(y, ddof=1)),
                    "cov_xy": fl(np.cov(x, y, ddof=1)[0, 1]),
                },
            }
        )
    return out


def sum_cases():
    rng = np.random.default_rng(5)
    money = cents(rng.lognormal(3.0, 1.5, 20000) * rng.choice([1.0, 1.0, 1.0, -1.0], 20000))
    spread = np.concatenate([[1.0e15, 0.01, -1.0e15, 0.01], cents(rng.normal(0, 1.0e6, 1000))])
    return [
        {"name": "twenty_thousand_orders_with_refunds", "values": fl_list(money), "expected": fl(math.fsum(money))},
        {"name": "cancellation_and_large_magnitudes", "values": fl_list(spread), "expected": fl(math.fsum(spread))},
    ]


def quantile_cases():
    rng = np.random.default_rng(3)
    data = np.sort(cents(rng.normal(0.0, 10.0, 37)))
    qs = [0.0, 0.005, 0.025, 0.05, 0.1, 0.5, 0.9, 0.95, 0.975, 0.995, 1.0]
    return [
        {"sorted": fl_list(data), "q": q, "expected": fl(np.quantile(data, q, method="linear"))} for q in qs
    ] + [{"sorted": [4.0], "q": 0.3, "expected": 4.0}]


# --------------------------------------------------------------------------
# lift_cases: the contract's "Lift" section end to end
# --------------------------------------------------------------------------


def moments(x, y):
    return {
        "n": int(x.size),
        "mean_x": fl(np.mean(x)),
        "mean_y": fl(np.mean(y)),
        "var_x": fl(np.var(x, ddof=1)) if x.size >= 2 else None,
        "var_y": fl(np.var(y, ddof=1)) if y.size >= 2 else None,
        "cov_xy": fl(np.cov(x, y, ddof=1)[0, 1]) if x.size >= 2 else None,
    }


NULL_EST = {"estimate": None, "se": None, "df": None, "t": None, "ci_low": None, "ci_high": None, "p_value": None}
NULL_REL = {"estimate": None, "ci_low": None, "ci_high": None, "se": None}
NULL_ADJ = {"mean_adj_e": None, "mean_adj_c": None, "var_adj_e": None, "var_adj_c": None}


def lift_expected(xe, ye, xc, yc, conf):
    ne, nc = xe.size, yc.size
    x_all = np.concatenate([xe, xc])
    y_all = np.concatenate([ye, yc])
    exp = {
        "n_e": int(ne),
        "n_c": int(nc),
        "exposed": moments(xe, ye),
        "control": moments(xc, yc),
        "pooled": moments(x_all, y_all),
    }
    conv_e = int(np.sum(ye > 0))
    conv_c = int(np.sum(yc > 0))
    exp["conversion"] = {"converted_e": conv_e, "converted_c": conv_c}

    if ne < 2 or nc < 2:
        # Contract: a row with an arm of fewer than 2 users has null estimates.
        exp["raw"] = dict(NULL_EST)
        exp["cuped"] = {"applied": False, "theta": None, "variance_reduction": None, **NULL_ADJ, **NULL_EST}
        exp["relative_raw"] = dict(NULL_REL)
        exp["relative_cuped"] = dict(NULL_REL)
        exp["conversion"].update({"estimate": None, "ci_low": None, "ci_high": None, "p_value": None})
        return exp

    # Raw Welch.
    raw = welch_reference(ye, yc, conf)
    exp["raw"] = raw

    ye_bar, yc_bar = float(np.mean(ye)), float(np.mean(yc))
    s2_ye, s2_yc = float(np.var(ye, ddof=1)), float(np.var(yc, ddof=1))

    # Relative lift, raw.
    if yc_bar != 0.0:
        se_r = relative_se(ne, ye_bar, s2_ye, nc, yc_bar, s2_yc)
        rr = relative_ci(raw["estimate"], yc_bar, se_r, raw["df"], conf)
        exp["relative_raw"] = rr
    else:
        exp["relative_raw"] = dict(NULL_REL)

    # CUPED: theta over both groups pooled (n − 1 denominators).
    var_x = float(np.var(x_all, ddof=1))
    if var_x > 0.0:
        cov = float(np.cov(x_all, y_all, ddof=1)[0, 1])
        theta = cov / var_x
        check(theta, float(np.polyfit(x_all, y_all, 1)[0]), 1e-9, "theta = OLS slope")
        xbar = float(np.mean(x_all))
        ye_adj = ye - theta * (xe - xbar)
        yc_adj = yc - theta * (xc - xbar)
        cup = welch_reference(ye_adj, yc_adj, conf)
        vr = 1.0 - cup["se"] ** 2 / raw["se"] ** 2
        exp["cuped"] = {
            "applied": True,
            "theta": fl(theta),
            "variance_reduction": fl(vr),
            "mean_adj_e": fl(np.mean(ye_adj)),
            "mean_adj_c": fl(np.mean(yc_adj)),
            "var_adj_e": fl(np.var(ye_adj, ddof=1)),
            "var_adj_c": fl(np.var(yc_adj, ddof=1)),
            **cup,
        }
        if yc_bar != 0.0:
            se_r = relative_se(
                ne,
                ye_bar,
                s2_ye,
                nc,
                yc_bar,
                s2_yc,
                theta,
                float(np.var(xe, ddof=1)),
                float(np.var(xc, ddof=1)),
                float(np.cov(xe, ye, ddof=1)[0, 1]),
                float(np.cov(xc, yc, ddof=1)[0, 1]),
            )
            exp["relative_cuped"] = relative_ci(cup["estimate"], yc_bar, se_r, cup["df"], conf)
        else:
            exp["relative_cuped"] = dict(NULL_REL)
    else:
        # Not applied: theta and variance_reduction null, headline = raw.
        exp["cuped"] = {"applied": False, "theta": None, "variance_reduction": None, **NULL_ADJ, **raw}
        exp["relative_cuped"] = exp["relative_raw"]

    exp["conversion"].update(proportion_reference(conv_e, ne, conv_c, nc, conf))
    return exp


def revenue_like(rng, n, p_buy, scale):
    """Zero for non-buyers, a lognormal basket otherwise."""
    buy = rng.uniform(size=n) < p_buy
    return np.where(buy, rng.lognormal(np.log(scale), 0.8, n), 0.0)


def lift_cases():
    rng = np.random.default_rng(424242)
    cases = []

    # 1. Typical: many zeros, Y strongly correlated with X, positive lift.
    ne, nc = 300, 120
    xe = revenue_like(rng, ne, 0.45, 40.0)
    xc = revenue_like(rng, nc, 0.45, 40.0)
    ye = np.where(rng.uniform(size=ne) < 0.55, 0.8 * xe + rng.normal(6.0, 8.0, ne), 0.0)
    yc = np.where(rng.uniform(size=nc) < 0.50, 0.8 * xc + rng.normal(2.0, 8.0, nc), 0.0)
    cases.append(("typical_positive_lift", 0.95, xe, ye, xc, yc))

    # 2. Small and noisy, 99% confidence, weaker correlation.
    ne, nc = 40, 55
    xe = revenue_like(rng, ne, 0.6, 25.0)
    xc = revenue_like(rng, nc, 0.6, 25.0)
    ye = np.maximum(0.0, 0.4 * xe + rng.normal(3.0, 15.0, ne))
    yc = np.maximum(0.0, 0.4 * xc + rng.normal(1.0, 15.0, nc))
    cases.append(("small_noisy_at_99", 0.99, xe, ye, xc, yc))

    # 3. Refund-heavy channel: the control mean is negative (net of refunds).
    ne, nc = 220, 180
    xe = rng.normal(-4.0, 12.0, ne)
    xc = rng.normal(-4.0, 12.0, nc)
    ye = np.where(rng.uniform(size=ne) < 0.7, 0.9 * xe + rng.normal(1.5, 6.0, ne), 0.0)
    yc = np.where(rng.uniform(size=nc) < 0.7, 0.9 * xc + rng.normal(-1.0, 6.0, nc), 0.0)
    cases.append(("negative_control_mean_at_90", 0.90, xe, ye, xc, yc))

    # 4. No pre-period revenue for anyone: var(X) = 0, CUPED not applied.
    ne, nc = 60, 45
    xe, xc = np.zeros(ne), np.zeros(nc)
    ye = revenue_like(rng, ne, 0.3, 30.0)
    yc = revenue_like(rng, nc, 0.25, 30.0)
    cases.append(("no_pre_period_variance", 0.95, xe, ye, xc, yc))

    # 5. One user in the control arm: null estimates.
    ne, nc = 25, 1
    xe = revenue_like(rng, ne, 0.5, 20.0)
    xc = np.array([12.5])
    ye = 0.5 * xe + revenue_like(rng, ne, 0.5, 20.0)
    yc = np.array([30.0])
    cases.append(("one_control_user", 0.95, xe, ye, xc, yc))

    out = []
    for name, conf, xe, ye, xc, yc in cases:
        xe, ye, xc, yc = cents(xe), cents(ye), cents(xc), cents(yc)
        out.append(
            {
                "name": name,
                "confidence": conf,
                "x_e": fl_list(xe),
                "y_e": fl_list(ye),
                "x_c": fl_list(xc),
                "y_c": fl_list(yc),
                "expected": lift_expected(xe, ye, xc, yc, conf),
            }
        )
    # Sanity of the planted properties.
    assert out[2]["expected"]["control"]["mean_y"] < 0.0
    assert out[3]["expected"]["cuped"]["applied"] is False
    assert all(np.any(np.asarray(c["y_e"]) == 0.0) for c in out[:3])
    return out


def main():
    doc = {
        "generator": {
            "script": "testdata/reference/make_stats_reference.py",
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "statsmodels": statsmodels.__version__,
        },
        "quantiles": quantiles(),
        "welch": welch_cases(),
        "welch_large_n": welch_large_n(),
        "welch_degenerate": welch_degenerate(),
        "relative": relative_cases(),
        "proportion": proportion_cases(),
        "holm": holm_cases(),
        "srm": srm_cases(),
        "power": power_cases(),
        "describe": describe_cases(),
        "sum": sum_cases(),
        "bootstrap_quantile": quantile_cases(),
        "lift_cases": lift_cases(),
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
    print(f"wrote {OUT} ({len(text)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
