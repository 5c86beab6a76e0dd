#!/usr/bin/env python3
"""Reference numbers for uplift's attribution models, from ChannelAttribution.

ChannelAttribution (Altomare & Loris, https://channelattribution.io, GPL-3) is
the R/Python package whose Markov removal-effect model uplift reproduces
exactly (by dynamic programming) instead of by simulation. This script runs
the package on the fixture `paths.csv` and writes `reference.json`, which the
Rust unit tests in `src/attribution/rules.rs` and `src/attribution/markov.rs`
compare against.

Usage (from this directory):

    pip install channelattribution==2.2.5 matplotlib   # compiles C++; imports matplotlib
    python3 make_reference.py               # writes reference.json

The Markov numbers come from a simulation: they carry Monte Carlo noise of
order 1/sqrt(NSIM / NFOLD) (the package keeps the fold closest to the median),
which is why the Rust test compares them with a tolerance and the heuristics
exactly.
"""

import json
import os
import sys

import pandas as pd

import ChannelAttribution as ca

HERE = os.path.dirname(os.path.abspath(__file__))

# Simulated walks: NSIM in total, split over NFOLD folds; the package reports
# one fold, so each figure rests on NSIM / NFOLD walks.
NSIM = 100_000_000
NFOLD = 10
SEED = 20260301
ORDERS = (1, 2)


def records(df):
    """A DataFrame as a list of dicts with plain Python numbers."""
    out = []
    for row in df.to_dict(orient="records"):
        out.append({k: (v if isinstance(v, str) else float(v)) for k, v in row.items()})
    return out


def main():
    data = pd.read_csv(os.path.join(HERE, "paths.csv"))

    heuristic = ca.heuristic_models(
        data,
        "path",
        "total_conversions",
        var_value="total_conversion_value",
        sep=">",
        flg_pro=False,
    )

    markov = {}
    for order in ORDERS:
        res = ca.markov_model(
            data,
            "path",
            "total_conversions",
            var_value="total_conversion_value",
            var_null="total_null",
            order=order,
            nsim_start=NSIM,
            max_step=None,  # the package's default: longest path + 1
            out_more=True,
            sep=">",
            ncore=1,
            nfold=NFOLD,
            seed=SEED,
            verbose=False,
            flg_pro=False,
        )
        markov[str(order)] = {
            "result": records(res["result"]),
            "removal_effects": records(res["removal_effects"]),
            "transition_matrix": records(res["transition_matrix"]),
        }

    reference = {
        "package": "ChannelAttribution",
        "package_version": getattr(ca, "__version__", None) or pip_version(),
        "python": sys.version.split()[0],
        "input": "paths.csv",
        "markov_parameters": {
            "nsim_start": NSIM,
            "nfold": NFOLD,
            "seed": SEED,
            "max_step": None,
            "sep": ">",
            "var_null": "total_null",
            "var_value": "total_conversion_value",
        },
        "heuristic": records(heuristic),
        "markov": markov,
    }
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump(reference, f, indent=1, sort_keys=True)
        f.write("\n")


def pip_version():
    try:
        from importlib.metadata import version

        return version("channelattribution")
    except Exception:  # noqa: BLE001 - only for the record
        return None


if __name__ == "__main__":
    main()
