#!/usr/bin/env python3
"""GrowthBook's own test vectors for the sequential interval, and more from gbstats.

Writes testdata/reference/growthbook/sequential.json (next to this script).

The contract (shared/CONTRACT.md, "Beyond average revenue" -> "Sequential
reading") defines `--sequential` as the asymptotic confidence sequence of
Waudby-Smith et al. (2021) "as GrowthBook computes it". This script takes
GrowthBook's Python stats engine (gbstats) at one pinned commit of
https://github.com/growthbook/growthbook and:

1. transcribes the inputs and the asserted outputs of every two-sided
   sequential test case of GrowthBook's own test suite (the numbers below are
   copied from the test files named in SOURCE, rounded as GrowthBook asserts
   them);
2. reruns each case with gbstats (unrounded), in GrowthBook's tested
   difference type (relative) and in the absolute one, and records the
   estimate, its standard error and the sample size N that enter the
   interval, so that a kernel can be fed (estimate, se, N, alpha, tuning)
   directly;
3. adds cases run with gbstats only (tiny to huge N, alpha 0.01 / 0.05 / 0.1,
   tuning 10 to 10000, absolute and relative, means and proportions);
4. checks that the contract's formula, written out below in plain Python
   floats, reproduces every gbstats number (1e-12 relative) and every
   GrowthBook assertion (after GrowthBook's own rounding), and that the
   estimate and se recomputed here from the sums (n - 1 sample variance for
   SampleMeanStatistic, p(1 - p) for ProportionStatistic) equal gbstats'.

gbstats must be importable from the pinned commit: point GBSTATS_SRC at the
checkout's packages/stats directory (its dependencies numpy, scipy, pandas and
pydantic come from testdata/reference/requirements.txt plus `pydantic`). The
script refuses to run on other sources (it compares git blob hashes).

    git clone https://github.com/growthbook/growthbook /tmp/growthbook
    git -C /tmp/growthbook checkout 8f1db4456915a8e7b7faf23d5632ca7219d2f469
    GBSTATS_SRC=/tmp/growthbook/packages/stats \\
        python3 testdata/reference/growthbook/extract_sequential.py
"""

import hashlib
import json
import math
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "sequential.json")

REPOSITORY = "https://github.com/growthbook/growthbook"
COMMIT = "8f1db4456915a8e7b7faf23d5632ca7219d2f469"
COMMIT_DATE = "2026-08-21T14:38:25-07:00"
GBSTATS_VERSION = "0.8.0"

# git blob ids (sha1 of "blob <len>\0<bytes>") of the files used, at COMMIT.
BLOBS = {
    "gbstats/frequentist/tests.py": "288beff9d62e23776ca2f8ad49e1f367783ac50e",
    "gbstats/models/tests.py": "73a8d4e1b0b94e13e1e21ae7bd344dbcb0c81ee0",
    "gbstats/models/statistics.py": "9c4d63a99c307ffc9cd2278932ed9de1368c7544",
    "gbstats/utils.py": "40f09bbe15cedd3d52382781d38063a3f99e4c07",
    "tests/frequentist/test_tests.py": "b7d881a3a3172410a9459c6369914273eac0594a",
    "tests/test_gbstats.py": "d6395a02f674632db9ba0a0ec04cd91e3bfb3c16",
    "pyproject.toml": "8e82dbe46960711e41b3f277f773e6c4ff7a3b70",
}

SOURCE = {
    "repository": REPOSITORY,
    "commit": COMMIT,
    "commit_date": COMMIT_DATE,
    "package": "packages/stats (gbstats), version " + GBSTATS_VERSION + " in its pyproject.toml at this commit",
    "license": "MIT (packages/stats/LICENSE)",
    "implementation": {
        "path": "packages/stats/gbstats/frequentist/tests.py",
        "blob": BLOBS["gbstats/frequentist/tests.py"],
        "names": [
            "sequential_rho (eq. 161 of arXiv:2103.06476v7)",
            "sequential_interval_halfwidth (eq. 9)",
            "SequentialTwoSidedTTest.halfwidth: s2 = standard_error**2 * n",
            "SequentialTwoSidedTTest.p_value (eq. 155)",
        ],
    },
    "moments": [
        {
            "path": "packages/stats/gbstats/models/tests.py",
            "blob": BLOBS["gbstats/models/tests.py"],
            "names": ["BaseABTest.n = stat_a.n + stat_b.n", "EffectMoments.point_estimate", "EffectMoments.variance"],
        },
        {
            "path": "packages/stats/gbstats/models/statistics.py",
            "blob": BLOBS["gbstats/models/statistics.py"],
            "names": ["SampleMeanStatistic.variance (n - 1)", "ProportionStatistic.variance (p(1 - p))"],
        },
        {
            "path": "packages/stats/gbstats/utils.py",
            "blob": BLOBS["gbstats/utils.py"],
            "names": ["frequentist_diff", "frequentist_variance", "variance_of_ratios"],
        },
    ],
    "tests": [
        {
            "path": "packages/stats/tests/frequentist/test_tests.py",
            "blob": BLOBS["tests/frequentist/test_tests.py"],
            "names": [
                "TestSequentialTTest.test_sequential_test_runs",
                "TestSequentialTTest.test_sequential_test_runs_prop",
                "TestSequentialTTest.test_sequential_test_runs_ra",
                "TestSequentialTTest.test_sequential_test_runs_ratio_ra",
                "TestSequentialTTest.test_sequential_test_tuning_as_expected (ordering only: its three runs are in gbstats_cases)",
            ],
            "rounding": "np.round(x, 5) (DECIMALS = 5)",
        },
        {
            "path": "packages/stats/tests/test_gbstats.py",
            "blob": BLOBS["tests/test_gbstats.py"],
            "names": ["TestAnalyzeMetricDfSequential.test_analyze_metric_df_sequential (dimension 'one')"],
            "rounding": "np.round(x, 9) (DECIMALS = 9)",
        },
    ],
    "not_extracted": [
        "test_tests.py TestSequentialOneSidedGreaterTTest / TestSequentialOneSidedLesserTTest: one-sided "
        "sequential intervals (sequential_interval_halfwidth_one_sided, eq. 134, rho at 2*alpha), not in the contract",
        "test_midexperimentpower.py: asserts a power scaling factor, not an interval",
    ],
}

ABOUT = (
    "GrowthBook's two-sided sequential interval (asymptotic confidence sequence of "
    "Waudby-Smith et al., eq. 9 and 161 of arXiv:2103.06476v7) and its always-valid "
    "p-value (eq. 155), as computed by gbstats at the commit in `source`. "
    "Kernel inputs of every case: estimate, se, n_total (N = n_control + n_treatment), "
    "alpha (confidence = 1 - alpha) and tuning (N*); outputs ci_low, ci_high, p_value "
    "(unrounded gbstats values; the contract's formula in doubles reproduces the intervals to 2e-15 "
    "and the p-values to 6e-14 relative, the largest for p = 5e-44 and 6e-76). "
    "`growthbook_tests`: the cases of GrowthBook's own tests; their `asserted` block holds "
    "the numbers GrowthBook's tests assert, rounded to `asserted.decimals` (null = not asserted); "
    "`relative` is the tested run (difference_type 'relative': estimate = (mean_t - mean_c)/|mean_c|, "
    "se by the delta method), `absolute` the same inputs with difference_type 'absolute' "
    "(estimate = mean_t - mean_c, se = sqrt(var_c/n_c + var_t/n_t)); GrowthBook asserts nothing "
    "about `absolute`. `gbstats_cases`: further runs of gbstats, same fields. "
    "control = GrowthBook's stat_a (baseline), treatment = stat_b. `arms` gives mean and var as "
    "GrowthBook computes them: SampleMeanStatistic var = (sum_squares - sum^2/n)/(n - 1); "
    "ProportionStatistic var = p(1 - p) (n denominator, i.e. the unpooled Wald error); for "
    "RegressionAdjustedStatistic (CUPED, Y = post, X = pre) `arms` gives each arm's "
    "{n, mean_y, mean_x, var_y, var_x, cov_xy} (n - 1) and `theta` = cov(X, Y)/var(X) over both arms pooled, "
    "and gbstats' estimate and se equal the contract's Lift formulas on them (Welch on Y' = Y - theta X, "
    "relative_cuped). `arms` is null for the ratio statistics."
)


# --------------------------------------------------------------------------
# The contract's formula, in plain Python floats (nothing from gbstats)
# --------------------------------------------------------------------------


def contract_rho(alpha, tuning):
    return math.sqrt((-2.0 * math.log(alpha) + math.log(-2.0 * math.log(alpha) + 1.0)) / tuning)


def contract_sequential(estimate, se, n, alpha, tuning):
    """(ci_low, ci_high, p_value) by the contract's words."""
    rho = contract_rho(alpha, tuning)
    nr2 = n * rho * rho
    half = se * math.sqrt(n) * math.sqrt(2.0 * (nr2 + 1.0) / (n * n * rho * rho) * math.log(math.sqrt(nr2 + 1.0) / alpha))
    if se == 0.0:
        p = None
    else:
        p = min(1.0, math.sqrt(nr2 + 1.0) * math.exp(-rho * rho * n * (estimate / se) ** 2 / (2.0 * (nr2 + 1.0))))
    return estimate - half, estimate + half, p


# --------------------------------------------------------------------------
# GrowthBook's estimate and se for plain means and proportions, re-derived
# --------------------------------------------------------------------------


def arm_moments(stat):
    """(n, mean, var) as gbstats computes them."""
    n = stat["n"]
    if stat["type"] == "ProportionStatistic":
        mean = stat["sum"] / n
        return n, mean, mean * (1 - mean)
    if stat["type"] == "SampleMeanStatistic":
        return n, stat["sum"] / n, (stat["sum_squares"] - stat["sum"] ** 2 / n) / (n - 1)
    return None


def effect(control, treatment, relative):
    """(estimate, se) re-derived: frequentist_diff and frequentist_variance."""
    n_a, m_a, v_a = arm_moments(control)
    n_b, m_b, v_b = arm_moments(treatment)
    if relative:
        est = (m_b - m_a) / abs(m_a)
        var = v_b / n_b / m_a**2 + v_a / n_a * m_b**2 / m_a**4
    else:
        est = m_b - m_a
        var = v_b / n_b + v_a / n_a
    return est, math.sqrt(var)


# --------------------------------------------------------------------------
# gbstats
# --------------------------------------------------------------------------


def git_blob(path):
    with open(path, "rb") as f:
        data = f.read()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def load_gbstats():
    src = os.environ.get("GBSTATS_SRC")
    if not src:
        sys.exit("set GBSTATS_SRC to packages/stats of a growthbook checkout at " + COMMIT)
    for rel, blob in BLOBS.items():
        got = git_blob(os.path.join(src, rel))
        if got != blob:
            sys.exit(f"{rel}: blob {got}, expected {blob} (growthbook commit {COMMIT})")
    sys.path.insert(0, src)
    import gbstats.frequentist.tests as ft
    import gbstats.models.statistics as gs

    return ft, gs


def build(gs, d):
    kw = {}
    for k, v in d.items():
        if k == "type":
            continue
        kw[k] = build(gs, v) if isinstance(v, dict) else v
    return getattr(gs, d["type"])(**kw)


def run_gbstats(ft, gs, control, treatment, alpha, tuning, difference_type):
    cfg = ft.SequentialConfig(alpha=alpha, sequential_tuning_parameter=tuning, difference_type=difference_type)
    test = ft.SequentialTwoSidedTTest([(build(gs, control), build(gs, treatment))], cfg)
    res = test.compute_result()
    assert res.errorMessage is None, res.errorMessage
    m = test.moments_result
    assert res.uplift.stddev == m.standard_error and res.expected == m.point_estimate
    return {
        "estimate": float(m.point_estimate),
        "se": float(m.standard_error),
        "n_total": int(test.n),
        "ci_low": float(res.ci[0]),
        "ci_high": float(res.ci[1]),
        "p_value": float(res.pValue),
    }


def close(a, b, rel=1e-12, what=""):
    if a is None or b is None:
        assert a is None and b is None, f"{what}: {a!r} vs {b!r}"
        return
    if a == b:
        return
    if abs(a - b) > rel * max(abs(a), abs(b)):
        raise AssertionError(f"{what}: {a!r} vs {b!r}")


def check_against_contract(r, alpha, tuning, what):
    """The contract's formula on gbstats' (estimate, se, N) gives gbstats' numbers,
    with alpha as given and with alpha = 1 - confidence as a kernel computes it."""
    conf = round(1.0 - alpha, 12)
    for a in (alpha, 1.0 - conf):
        lo, hi, p = contract_sequential(r["estimate"], r["se"], r["n_total"], a, tuning)
        close(lo, r["ci_low"], what=what + " ci_low")
        close(hi, r["ci_high"], what=what + " ci_high")
        close(p, r["p_value"], what=what + " p_value")


def ra_arm(stat):
    """Per-arm moments of a RegressionAdjustedStatistic: Y = post, X = pre (n - 1)."""
    n = stat["n"]
    y, x = stat["post_statistic"], stat["pre_statistic"]
    return {
        "n": n,
        "mean_y": y["sum"] / n,
        "mean_x": x["sum"] / n,
        "var_y": (y["sum_squares"] - y["sum"] ** 2 / n) / (n - 1),
        "var_x": (x["sum_squares"] - x["sum"] ** 2 / n) / (n - 1),
        "cov_xy": (stat["post_pre_sum_of_products"] - y["sum"] * x["sum"] / n) / (n - 1),
    }


def ra_theta(a, b):
    """theta = cov(X, Y) / var(X) over both arms pooled (n - 1), from the sums."""
    n = a["n"] + b["n"]
    sy = a["post_statistic"]["sum"] + b["post_statistic"]["sum"]
    sx = a["pre_statistic"]["sum"] + b["pre_statistic"]["sum"]
    sxx = a["pre_statistic"]["sum_squares"] + b["pre_statistic"]["sum_squares"]
    sxy = a["post_pre_sum_of_products"] + b["post_pre_sum_of_products"]
    return ((sxy - sx * sy / n) / (n - 1)) / ((sxx - sx * sx / n) / (n - 1))


def ra_effect(a, b, relative):
    """The contract's CUPED estimate and se ("Lift": Welch on Y' and relative_cuped)."""
    c, e = ra_arm(a), ra_arm(b)
    th = ra_theta(a, b)
    d = (e["mean_y"] - th * e["mean_x"]) - (c["mean_y"] - th * c["mean_x"])
    ve = e["var_y"] + th * th * e["var_x"] - 2 * th * e["cov_xy"]
    vc = c["var_y"] + th * th * c["var_x"] - 2 * th * c["cov_xy"]
    if not relative:
        return d, math.sqrt(ve / e["n"] + vc / c["n"])
    yc, ye = c["mean_y"], e["mean_y"]
    var = ve / (e["n"] * yc**2) + (
        c["var_y"] * ye**2 / yc**2 - 2 * th * c["cov_xy"] * ye / yc + th * th * c["var_x"]
    ) / (c["n"] * yc**2)
    return d / abs(yc), math.sqrt(var)


def arms_block(control, treatment):
    if control["type"] == "RegressionAdjustedStatistic":
        return {"control": ra_arm(control), "treatment": ra_arm(treatment), "theta": ra_theta(control, treatment)}
    if arm_moments(control) is None:
        return None
    out = {}
    for name, st in (("control", control), ("treatment", treatment)):
        n, m, v = arm_moments(st)
        out[name] = {"n": n, "mean": m, "var": v}
    return out


# --------------------------------------------------------------------------
# GrowthBook's test cases (transcribed from the test files at COMMIT)
# --------------------------------------------------------------------------


def sm(n, s, ss):
    return {"type": "SampleMeanStatistic", "n": n, "sum": s, "sum_squares": ss}


def prop(n, s):
    return {"type": "ProportionStatistic", "n": n, "sum": s}


RA_A = {
    "type": "RegressionAdjustedStatistic",
    "n": 3000,
    "post_statistic": sm(3000, 1396.87, 52377.9767),
    "pre_statistic": sm(3000, 16.87, 527.9767),
    "post_pre_sum_of_products": 1,
    "theta": None,
}
RA_B = {
    "type": "RegressionAdjustedStatistic",
    "n": 3461,
    "post_statistic": sm(3461, 2422.7, 134698.29),
    "pre_statistic": sm(3461, 22.7, 1348.29),
    "post_pre_sum_of_products": 1,
    "theta": None,
}
RATIO_RA_A = {
    "type": "RegressionAdjustedRatioStatistic",
    "n": 100,
    "m_statistic_post": sm(100, 485.112236689623, 2715.484666118136),
    "d_statistic_post": sm(100, 679.9093275844917, 4939.424001640236),
    "m_statistic_pre": sm(100, 192.59138069991536, 460.076026390857),
    "d_statistic_pre": sm(100, 290.1398399750233, 920.9461385038898),
    "m_post_m_pre_sum_of_products": 1113.6215759318352,
    "d_post_d_pre_sum_of_products": 2130.9404074446747,
    "m_pre_d_pre_sum_of_products": 634.239482353647,
    "m_post_d_post_sum_of_products": 3602.146836776702,
    "m_post_d_pre_sum_of_products": 1559.2878434944676,
    "m_pre_d_post_sum_of_products": 1460.3181079276983,
    "theta": None,
}
RATIO_RA_B = {
    "type": "RegressionAdjustedRatioStatistic",
    "n": 100,
    "m_statistic_post": sm(100, 514.7757826608777, 2994.897482705013),
    "d_statistic_post": sm(100, 705.4090874383759, 5291.36604146392),
    "m_statistic_pre": sm(100, 206.94157227402536, 514.2903702246757),
    "d_statistic_pre": sm(100, 302.54389139107326, 994.4506208125663),
    "m_post_m_pre_sum_of_products": 1237.0953021125997,
    "d_post_d_pre_sum_of_products": 2292.081739775257,
    "m_pre_d_pre_sum_of_products": 698.4173425817908,
    "m_post_d_post_sum_of_products": 3918.1561431600717,
    "m_post_d_pre_sum_of_products": 1701.0287270040265,
    "m_pre_d_post_sum_of_products": 1604.0759503266522,
    "theta": None,
}

TT = "packages/stats/tests/frequentist/test_tests.py"
TG = "packages/stats/tests/test_gbstats.py"

# name, test, control (stat_a), treatment (stat_b), alpha, tuning, asserted
GROWTHBOOK_TESTS = [
    (
        "sequential_test_runs",
        TT + "::TestSequentialTTest::test_sequential_test_runs",
        sm(3000, 1396.87, 52377.9767),
        sm(3461, 2422.7, 134698.29),
        0.05,
        1000,
        {"decimals": 5, "estimate": 0.50336, "se": 0.33341, "ci_low": -0.55844, "ci_high": 1.56516, "p_value": 1.0},
    ),
    (
        "sequential_test_runs_prop",
        TT + "::TestSequentialTTest::test_sequential_test_runs_prop",
        prop(3000, 1396),
        prop(3461, 2422),
        0.05,
        5000,
        {"decimals": 5, "estimate": 0.50386, "se": 0.03386, "ci_low": 0.40098, "ci_high": 0.60675, "p_value": 0.0},
    ),
    (
        "sequential_test_runs_ra",
        TT + "::TestSequentialTTest::test_sequential_test_runs_ra",
        RA_A,
        RA_B,
        0.05,
        5000,
        {"decimals": 5, "estimate": 0.50338, "se": 0.33341, "ci_low": -0.50969, "ci_high": 1.51646, "p_value": 1.0},
    ),
    (
        "sequential_test_runs_ratio_ra",
        TT + "::TestSequentialTTest::test_sequential_test_runs_ratio_ra",
        RATIO_RA_A,
        RATIO_RA_B,
        0.05,
        5000,
        {"decimals": 5, "estimate": -0.0007, "se": 0.00391, "ci_low": -0.02063, "ci_high": 0.01923, "p_value": 1.0},
    ),
    (
        "analyze_metric_df_sequential_dimension_one",
        TG + "::TestAnalyzeMetricDfSequential::test_analyze_metric_df_sequential",
        sm(100, 270, 848.79),
        sm(120, 300, 869),
        0.05,
        600,
        {"decimals": 9, "estimate": -0.074074074, "se": None, "ci_low": -0.233322085, "ci_high": None, "p_value": 0.892332229},
    ),
]

NOTES = {
    "sequential_test_runs": "SampleMeanStatistic; p-value clipped at 1",
    "sequential_test_runs_prop": "ProportionStatistic (var = p(1 - p)); p = 5.2e-44, asserted as 0.0",
    "sequential_test_runs_ra": (
        "RegressionAdjustedStatistic (CUPED; theta from both arms pooled, as gbstats' compute_theta); "
        "relative se by frequentist_variance_relative_cuped"
    ),
    "sequential_test_runs_ratio_ra": "RegressionAdjustedRatioStatistic (CUPED ratio metric); n_total = 200 units",
    "analyze_metric_df_sequential_dimension_one": (
        "end-to-end analyze_metric_df, count metric, rows 'zero' (control) and 'one' (treatment) of "
        "dimension 'one' of QUERY_OUTPUT; gbstats builds SampleMeanStatistic(n=users, sum=main_sum, "
        "sum_squares=main_sum_squares); only estimate, ci[0] and pValue are asserted"
    ),
}


def growthbook_tests(ft, gs):
    out = []
    for name, test, a, b, alpha, tuning, asserted in GROWTHBOOK_TESTS:
        rel = run_gbstats(ft, gs, a, b, alpha, tuning, "relative")
        ab = run_gbstats(ft, gs, a, b, alpha, tuning, "absolute")
        check_against_contract(rel, alpha, tuning, name + " relative")
        check_against_contract(ab, alpha, tuning, name + " absolute")
        # GrowthBook's assertion holds for gbstats here and for the contract's formula.
        lo, hi, p = contract_sequential(rel["estimate"], rel["se"], rel["n_total"], alpha, tuning)
        mine = {"estimate": rel["estimate"], "se": rel["se"], "ci_low": lo, "ci_high": hi, "p_value": p}
        for k in ("estimate", "se", "ci_low", "ci_high", "p_value"):
            if asserted[k] is None:
                continue
            for v, who in ((rel[k], "gbstats"), (mine[k], "contract")):
                got = float(np.round(v, asserted["decimals"]))
                assert got == asserted[k], f"{name} {k} ({who}): {got!r} vs asserted {asserted[k]!r}"
        if a["type"] == "RegressionAdjustedStatistic":
            # gbstats' CUPED = the contract's: pooled theta, Welch on Y', relative_cuped se.
            for r, relative in ((rel, True), (ab, False)):
                est, se = ra_effect(a, b, relative)
                close(est, r["estimate"], what=name + " CUPED estimate")
                close(se, r["se"], what=name + " CUPED se")
        elif arm_moments(a) is not None:
            for r, relative in ((rel, True), (ab, False)):
                est, se = effect(a, b, relative)
                close(est, r["estimate"], what=name + " estimate")
                close(se, r["se"], what=name + " se")
        out.append(
            {
                "name": name,
                "test": test,
                "note": NOTES[name],
                "growthbook_class": "SequentialTwoSidedTTest",
                "control": a,
                "treatment": b,
                "alpha": alpha,
                "confidence": round(1.0 - alpha, 12),
                "tuning": tuning,
                "asserted": asserted,
                "arms": arms_block(a, b),
                "relative": rel,
                "absolute": ab,
            }
        )
    return out


# --------------------------------------------------------------------------
# Further gbstats runs
# --------------------------------------------------------------------------


def sm_from(n, mean, var):
    """A SampleMeanStatistic with the given mean and n - 1 variance."""
    s = n * mean
    return sm(n, s, (n - 1) * var + s * s / n)


def ra_from_data(x, y):
    """A RegressionAdjustedStatistic (post = Y, pre = X) from per-user data, sums by math.fsum."""
    n = len(x)
    return {
        "type": "RegressionAdjustedStatistic",
        "n": n,
        "post_statistic": sm(n, math.fsum(y), math.fsum(y * y)),
        "pre_statistic": sm(n, math.fsum(x), math.fsum(x * x)),
        "post_pre_sum_of_products": math.fsum(x * y),
        "theta": None,
    }


def cuped_pair():
    rng = np.random.default_rng(7)
    out = []
    for n, lift in ((1500, 0.0), (1400, 2.5)):
        x = np.round(np.where(rng.random(n) < 0.3, 0.0, rng.lognormal(3.0, 0.8, n)), 2)
        y = np.round(0.8 * x + rng.normal(10.0 + lift, 12.0, n), 2)
        out.append(ra_from_data(x, y))
    return out


def gbstats_cases(ft, gs):
    base_a = sm(3000, 1396.87, 52377.9767)
    base_b = sm(3461, 2422.7, 134698.29)
    ra_a, ra_b = cuped_pair()
    specs = [
        # name, control, treatment, alpha, tuning, difference type, note
        ("tuning_as_expected_10", base_a, base_b, 0.05, 10, "relative", "test_sequential_test_tuning_as_expected, tuning far below N: widest"),
        ("tuning_as_expected_6461", base_a, base_b, 0.05, 6461, "relative", "test_sequential_test_tuning_as_expected, tuning = N: narrowest"),
        ("tuning_as_expected_10000", base_a, base_b, 0.05, 10000, "relative", "test_sequential_test_tuning_as_expected, tuning above N"),
        ("means_abs_alpha05_t5000", sm_from(2500, 31.2, 410.0), sm_from(2600, 33.9, 455.0), 0.05, 5000, "absolute", "moderate N, p < 1"),
        ("means_abs_alpha10_t5000", sm_from(2500, 31.2, 410.0), sm_from(2600, 33.9, 455.0), 0.10, 5000, "absolute", "same data at alpha 0.1"),
        ("means_abs_alpha05_t10000", sm_from(2500, 31.2, 410.0), sm_from(2600, 33.9, 455.0), 0.05, 10000, "absolute", "same data at tuning 10000"),
        ("means_abs_alpha01_t5000", sm_from(2500, 31.2, 410.0), sm_from(2600, 33.9, 455.0), 0.01, 5000, "absolute", "same data at alpha 0.01"),
        ("means_rel_alpha10_t10000", sm_from(2500, 31.2, 410.0), sm_from(2600, 33.9, 455.0), 0.10, 10000, "relative", "relative lift, alpha 0.1, tuning 10000"),
        ("means_abs_negative_effect", sm_from(800, 52.0, 2900.0), sm_from(760, 44.5, 2500.0), 0.05, 5000, "absolute", "negative estimate"),
        ("means_abs_tiny_n_3_vs_4", sm(3, 30.0, 350.0), sm(4, 60.0, 1000.0), 0.05, 5000, "absolute", "N = 7: very wide"),
        ("means_abs_tiny_n_2_vs_2", sm(2, 10.0, 58.0), sm(2, 14.0, 100.0), 0.10, 5000, "absolute", "N = 4"),
        ("means_abs_huge_n_5e6_each", sm_from(5_000_000, 12.34, 900.0), sm_from(5_000_000, 12.40, 905.0), 0.05, 5000, "absolute", "N = 1e7"),
        ("means_rel_huge_n_5e6_each", sm_from(5_000_000, 12.34, 900.0), sm_from(5_000_000, 12.40, 905.0), 0.10, 10000, "relative", "N = 1e7, relative"),
        ("prop_abs_alpha05_t5000", prop(4000, 220), prop(4100, 271), 0.05, 5000, "absolute", "conversion rates 5.5% vs 6.6%"),
        ("prop_abs_alpha10_t10000", prop(4000, 220), prop(4100, 271), 0.10, 10000, "absolute", "same at alpha 0.1, tuning 10000"),
        ("prop_abs_huge_n", prop(6_000_000, 240_000), prop(4_000_000, 164_000), 0.05, 5000, "absolute", "N = 1e7, 4% vs 4.1%: p far below 1e-6"),
        ("prop_rel_alpha05_t5000", prop(4000, 220), prop(4100, 271), 0.05, 5000, "relative", "relative lift of a rate"),
        ("cuped_abs_alpha05_t5000", ra_a, ra_b, 0.05, 5000, "absolute", "RegressionAdjustedStatistic, Y = 0.8 X + noise: CUPED difference"),
        ("cuped_rel_alpha10_t10000", ra_a, ra_b, 0.10, 10000, "relative", "the same, relative CUPED lift"),
    ]
    out = []
    for name, a, b, alpha, tuning, dt, note in specs:
        r = run_gbstats(ft, gs, a, b, alpha, tuning, dt)
        check_against_contract(r, alpha, tuning, name)
        est, se = (ra_effect if a["type"] == "RegressionAdjustedStatistic" else effect)(a, b, dt == "relative")
        close(est, r["estimate"], what=name + " estimate")
        close(se, r["se"], what=name + " se")
        out.append(
            {
                "name": name,
                "note": note,
                "control": a,
                "treatment": b,
                "alpha": alpha,
                "confidence": round(1.0 - alpha, 12),
                "tuning": tuning,
                "difference_type": dt,
                "arms": arms_block(a, b),
                "expected": r,
            }
        )
    by = {c["name"]: c["expected"] for c in out}
    # GrowthBook's ordering assertions of test_sequential_test_tuning_as_expected.
    lo10, lo6461, lo10000 = (by["tuning_as_expected_" + t] for t in ("10", "6461", "10000"))
    assert lo10["ci_low"] < lo10000["ci_low"] < lo6461["ci_low"] and lo6461["ci_high"] < lo10000["ci_high"] < lo10["ci_high"]
    assert any(c["p_value"] == 1.0 for c in by.values()) and any(c["p_value"] < 1e-6 for c in by.values())
    return out


def main():
    ft, gs = load_gbstats()
    doc = {
        "about": ABOUT,
        "source": SOURCE,
        "formula": {
            "rho": "sqrt((-2 ln(alpha) + ln(-2 ln(alpha) + 1)) / tuning)",
            "half_width": "se * sqrt(N) * sqrt(2 (N rho^2 + 1) / (N^2 rho^2) * ln(sqrt(N rho^2 + 1) / alpha))",
            "ci": "[estimate - half_width, estimate + half_width]",
            "p_value": "min(1, sqrt(N rho^2 + 1) * exp(-rho^2 N (estimate/se)^2 / (2 (N rho^2 + 1))))",
            "growthbook_p_value": (
                "st2 = estimate^2 N / se^2; evalue = exp(rho^2 st2 / (2 (N rho^2 + 1))) / sqrt(N rho^2 + 1); "
                "p = min(1/evalue, 1) (the same number; exp overflows to inf, so p = 0, once the exponent "
                "exceeds ~709.78, where the contract's form still gives a subnormal)"
            ),
        },
        "growthbook_tests": growthbook_tests(ft, gs),
        "gbstats_cases": gbstats_cases(ft, gs),
    }
    text = json.dumps(doc, indent=1, allow_nan=False)
    text = re.sub(
        r"\[\s*((?:-?[0-9][0-9.eE+-]*|null|true|false)(?:,\s*(?:-?[0-9][0-9.eE+-]*|null|true|false))*)\s*\]",
        lambda m: "[" + ",".join(v.strip() for v in m.group(1).split(",")) + "]",
        text,
    )
    assert json.loads(text) == doc
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    n = len(doc["growthbook_tests"]) + len(doc["gbstats_cases"])
    print(f"wrote {OUT} ({len(text)} bytes, {n} cases, contract formula = gbstats to 1e-12)", file=sys.stderr)


if __name__ == "__main__":
    main()
