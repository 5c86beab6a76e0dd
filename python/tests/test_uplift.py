"""Tests of the Python package on the shipped data (testdata/sim).

Run by scripts/python-test.sh after `pip install .` in a fresh virtual
environment. For development without installing, point UPLIFT_BIN at a
built binary and put python/ on the path:

    UPLIFT_BIN=target/release/uplift PYTHONPATH=python python -m pytest python/tests
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import pathlib
import pickle
import subprocess
import sys
import sysconfig

import pytest
import uplift
from uplift import UpliftError
from uplift._frames import LIFT_COLUMNS

ROOT = pathlib.Path(__file__).resolve().parents[2]
SIM = ROOT / "testdata" / "sim"
BAD = ROOT / "testdata" / "bad"

# The README's main command, on the shipped data.
FILES = dict(
    exposures=SIM / "exposures.csv.gz",
    revenue=SIM / "revenue.csv.gz",
    spend=SIM / "spend.csv",
    finance=SIM / "finance.csv",
    config=SIM / "uplift.toml",
)
WINDOWS = (30, 60, 90)
CLI_ARGS = [
    "run",
    *(a for name, path in FILES.items() for a in (f"--{name}", str(path))),
    *(a for w in WINDOWS for a in ("--window", str(w))),
]


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """The uplift command itself."""
    return subprocess.run(
        [uplift.find_uplift_bin(), *args], capture_output=True, text=True, check=check
    )


@pytest.fixture(scope="module")
def report() -> dict:
    return uplift.run(
        FILES["exposures"],
        FILES["revenue"],
        spend=FILES["spend"],
        finance=FILES["finance"],
        config=FILES["config"],
        windows=WINDOWS,
    )


# --- the command ---------------------------------------------------------


def test_the_command_is_installed_in_the_environments_scripts():
    if os.environ.get("UPLIFT_BIN"):
        pytest.skip("UPLIFT_BIN names the binary")
    found = pathlib.Path(uplift.find_uplift_bin())
    assert found.parent == pathlib.Path(sysconfig.get_path("scripts"))
    assert os.access(found, os.X_OK)


def test_the_command_prints_a_report():
    out = cli(*CLI_ARGS).stdout
    for channel in ("affiliate", "display", "email", "paid_search", "push", "social"):
        assert channel in out
    assert "mismatch" in out  # the planted 3% finance gap


def test_python_dash_m_runs_the_command():
    out = subprocess.run(
        [sys.executable, "-m", "uplift", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == f"uplift {uplift.version()}"


def test_version_is_the_binarys_and_the_packages():
    assert cli("--version").stdout.strip() == f"uplift {uplift.version()}"
    if not os.environ.get("UPLIFT_BIN"):
        from importlib.metadata import version

        assert version("uplift") == uplift.version()


def test_uplift_bin_names_the_binary(monkeypatch, tmp_path):
    real = uplift.find_uplift_bin()
    monkeypatch.setenv("UPLIFT_BIN", real)
    assert uplift.find_uplift_bin() == real
    missing = tmp_path / "no-such-uplift"
    monkeypatch.setenv("UPLIFT_BIN", str(missing))
    with pytest.raises(uplift.UpliftNotFound, match="no-such-uplift"):
        uplift.find_uplift_bin()
    with pytest.raises(FileNotFoundError):
        uplift.version()


# --- run -----------------------------------------------------------------


def test_run_equals_the_commands_json(report):
    from_cli = json.loads(cli(*CLI_ARGS, "--format", "json").stdout)
    assert report == from_cli
    assert report["schema_version"] >= 1
    assert [w for w in report["config"]["windows"]] == list(WINDOWS)
    assert {row["window_days"] for row in report["lift"]} == set(WINDOWS)


def test_paths_may_be_str_or_pathlike(report):
    as_str = uplift.run(
        str(FILES["exposures"]),
        os.fspath(FILES["revenue"]),
        spend=str(FILES["spend"]),
        finance=FILES["finance"],
        config=str(FILES["config"]),
        windows=list(WINDOWS),
    )
    assert as_str == report


def test_flags_reach_the_command():
    r = uplift.run(
        FILES["exposures"],
        FILES["revenue"],
        config=FILES["config"],
        windows=30,
        as_of=datetime.date(2026, 6, 30),
        bootstrap=50,
        seed=3,
        cuped=False,
        model=["markov", "linear"],
        confidence=0.9,
        hurdle_iroas=2.5,
        position_weights=(0.3, 0.5),
    )
    config = r["config"]
    assert r["as_of"].startswith("2026-06-30")
    assert config["bootstrap"] == 50 and config["seed"] == 3
    assert config["cuped"] is False and config["confidence"] == 0.9
    assert sorted(config["models"]) == ["linear", "markov"]
    assert config["hurdle_iroas"] == 2.5
    assert {row["model"] for row in r["attribution"]} == {"markov", "linear"}
    assert all(row["bootstrap"]["resamples"] == 50 for row in r["lift"])
    assert not any(row["cuped"]["applied"] for row in r["lift"])


def test_argv_from_flags():
    args = uplift._flag_args(
        dict(
            as_of="2026-06-30",
            bootstrap=200,
            cuped=False,
            no_cuped=None,
            model=["markov", "linear"],
            fail_on=("reconciliation", "srm"),
            position_weights=[0.4, 0.4],
            tolerance=0.005,
            markov_work_limit="none",
            on_bad_rows="skip",
            from_aggregates=pathlib.Path("agg"),
        )
    )
    assert args == [
        "--as-of", "2026-06-30",
        "--bootstrap", "200",
        "--no-cuped",
        "--model", "markov", "--model", "linear",
        "--fail-on", "reconciliation,srm",
        "--position-weights", "0.4,0.4",
        "--tolerance", "0.005",
        "--markov-work-limit", "none",
        "--on-bad-rows", "skip",
        "--from-aggregates", "agg",
    ]  # fmt: skip
    assert uplift._flag_args(dict(cuped=True)) == ["--cuped"]
    assert uplift._flag_args(dict(as_of=datetime.datetime(2026, 6, 30, 12))) == [
        "--as-of",
        "2026-06-30",
    ]
    assert uplift._window_args(None) == []
    assert uplift._window_args(60) == ["--window", "60"]
    for reserved in ("format", "output"):
        with pytest.raises(TypeError, match=reserved):
            uplift._flag_args({reserved: "csv"})


def test_attribute_and_reconcile():
    a = uplift.attribute(FILES["exposures"], FILES["revenue"], windows=(30, 60), model="markov")
    assert a["lift"] == [] and a["reconciliation"] is None
    assert {row["model"] for row in a["attribution"]} == {"markov"}
    assert [t["window_days"] for t in a["attribution_totals"]] == [30, 60]

    r = uplift.reconcile(FILES["revenue"], FILES["finance"], tolerance=0.05)
    assert r["reconciliation"]["status"] == "ok"
    assert r["reconciliation"]["tolerance"] == 0.05


# --- errors --------------------------------------------------------------


def test_a_missing_file_raises_with_exit_code_2():
    missing = SIM / "no-such-exposures.csv"
    with pytest.raises(UpliftError) as info:
        uplift.run(missing, FILES["revenue"])
    err = info.value
    assert isinstance(err, RuntimeError)
    assert err.exit_code == 2
    assert "no-such-exposures.csv" in err.message
    assert not err.message.startswith("uplift:")
    assert "no-such-exposures.csv" in err.stderr and "no-such-exposures.csv" in str(err)
    assert err.report is None


def test_a_bad_row_raises_with_exit_code_2_naming_the_file():
    with pytest.raises(UpliftError) as info:
        uplift.run(BAD / "bad_timestamp.csv", FILES["revenue"])
    assert info.value.exit_code == 2
    assert "bad_timestamp.csv" in info.value.message


def test_an_unknown_flag_raises_with_exit_code_2():
    with pytest.raises(UpliftError) as info:
        uplift.run(FILES["exposures"], FILES["revenue"], no_such_flag=1)
    assert info.value.exit_code == 2
    assert "--no-such-flag" in info.value.message


def test_a_failed_check_raises_with_exit_code_3_and_the_report():
    with pytest.raises(UpliftError) as info:
        uplift.run(
            FILES["exposures"],
            FILES["revenue"],
            finance=FILES["finance"],
            config=FILES["config"],
            fail_on=["reconciliation"],
        )
    err = info.value
    assert err.exit_code == 3
    assert "reconciliation mismatch in 2026-01-01..2026-01-31" in err.message
    assert err.report is not None
    assert err.report["reconciliation"]["status"] == "mismatch"
    assert err.report["lift"]
    again = pickle.loads(pickle.dumps(err))
    assert (again.exit_code, again.message, again.report) == (3, err.message, err.report)


# --- frames --------------------------------------------------------------


def csv_rows(*args: str) -> tuple:
    rows = list(csv.reader(io.StringIO(cli(*args, "--format", "csv").stdout)))
    return rows[0], rows[1:]


def same_cell(text: str, value) -> bool:
    """A CSV cell (serde_json's text of the JSON value) against a frame value."""
    if value is None:
        return text == ""
    if isinstance(value, bool):
        return text == ("true" if value else "false")
    if isinstance(value, int):
        return int(text) == value
    if isinstance(value, float):
        return float(text) == value
    return text == value


def assert_lift_frame_equals_csv(frame, header, rows):
    assert frame.columns == header
    assert frame.height == len(rows)
    for got, want in zip(frame.iter_rows(), rows):
        for name, value, text in zip(header, got, want):
            assert same_cell(text, value), (name, text, value)


def test_lift_frame_is_the_csv(report):
    pytest.importorskip("polars")
    header, rows = csv_rows(*CLI_ARGS)
    lift = uplift.frames(report)["lift"]
    assert_lift_frame_equals_csv(lift, header, rows)
    assert "revenue_per_user_lift_ci_low" in lift.columns
    assert "bootstrap_ci_low" not in lift.columns
    # The frame's fixed columns are the CSV's (an empty report uses them).
    assert [name for name, _ in LIFT_COLUMNS] == header


def test_lift_frame_with_bootstrap_and_null_iroas_is_the_csv():
    pytest.importorskip("polars")
    args = ["run", "--exposures", str(FILES["exposures"]), "--revenue", str(FILES["revenue"])]
    args += ["--bootstrap", "40", "--seed", "9"]
    report = json.loads(cli(*args, "--format", "json").stdout)
    # Spend comes from the exposures' cost column; the first row has none,
    # so its iroas and decision are null and the header comes from elsewhere.
    assert report["lift"][0]["iroas"] is None and report["lift"][0]["decision"] is None
    assert any(row["iroas"] is not None for row in report["lift"])
    header, rows = csv_rows(*args)
    lift = uplift.frames(report)["lift"]
    assert_lift_frame_equals_csv(lift, header, rows)
    assert lift.columns[-4:] == [
        "bootstrap_resamples",
        "bootstrap_seed",
        "bootstrap_ci_low",
        "bootstrap_ci_high",
    ]
    assert lift["iroas_estimate"][0] is None and lift["decision_verdict"][0] is None


def test_lift_frame_types(report):
    pl = pytest.importorskip("polars")
    schema = uplift.frames(report)["lift"].schema
    assert schema["channel"] == pl.String and schema["segment"] == pl.String
    assert schema["window_days"] == pl.Int64 and schema["exposed_users"] == pl.Int64
    assert schema["cuped_applied"] == pl.Boolean and schema["srm_flag"] == pl.Boolean
    assert schema["revenue_per_user_lift_estimate"] == pl.Float64
    assert schema["iroas_ci_high"] == pl.Float64


def test_attribution_frames(report):
    pl = pytest.importorskip("polars")
    f = uplift.frames(report)
    attribution = f["attribution"]
    assert attribution.columns == [
        "window_days", "model", "channel", "conversions", "revenue", "share", "cac",
    ]  # fmt: skip
    assert attribution.to_dicts() == report["attribution"]
    assert attribution.schema["window_days"] == pl.Int64

    totals = f["attribution_totals"]
    assert totals.to_dicts() == report["attribution_totals"]
    assert totals["window_days"].to_list() == list(WINDOWS)
    assert totals.schema["conversions"] == pl.Int64


def test_reconciliation_frame(report):
    pytest.importorskip("polars")
    rec = uplift.frames(report)["reconciliation"]
    periods = report["reconciliation"]["periods"]
    assert rec.height == len(periods) == 6
    assert rec.select(list(periods[0])).to_dicts() == periods
    assert rec["tolerance"].to_list() == [report["reconciliation"]["tolerance"]] * 6
    assert rec["overall_status"].to_list() == ["mismatch"] * 6
    assert rec.filter(rec["status"] == "mismatch")["period_start"].to_list() == ["2026-01-01"]


def test_empty_sections_give_empty_typed_frames():
    pl = pytest.importorskip("polars")
    full = uplift.frames(
        uplift.run(FILES["exposures"], FILES["revenue"], spend=FILES["spend"],
                   finance=FILES["finance"])
    )  # fmt: skip
    attribution_only = uplift.frames(uplift.attribute(FILES["exposures"], FILES["revenue"]))
    reconcile_only = uplift.frames(uplift.reconcile(FILES["revenue"], FILES["finance"]))
    empty = [
        (attribution_only, "lift"),
        (attribution_only, "reconciliation"),
        (reconcile_only, "attribution"),
        (reconcile_only, "attribution_totals"),
        (uplift.frames({}), "lift"),
    ]
    for frames, name in empty:
        assert frames[name].height == 0, name
        assert frames[name].schema == full[name].schema, name
    assert all(dtype != pl.Null for dtype in attribution_only["lift"].schema.values())


def test_frames_without_polars_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(ImportError, match=r"pip install 'uplift\[frames\]'"):
        uplift.frames({})


def test_diff_compares_two_reports_given_as_dicts_or_paths(report, tmp_path):
    # Last week: the same data read a week earlier.
    last_week = uplift.run(
        FILES["exposures"],
        FILES["revenue"],
        spend=FILES["spend"],
        finance=FILES["finance"],
        config=FILES["config"],
        windows=WINDOWS,
        as_of="2026-06-23",
    )
    d = uplift.diff(last_week, report)
    path = tmp_path / "last-week.json"
    path.write_text(json.dumps(last_week))
    assert uplift.diff(path, report)["lift"] == d["lift"]
    assert {"old", "new", "lift", "attribution", "reconciliation", "warnings",
            "inputs", "config", "failed"} <= d.keys()  # fmt: skip
    assert [c["setting"] for c in d["config"]] == ["as_of"]
    old_rows = {(r["channel"], r["segment"], r["window_days"]): r for r in last_week["lift"]}
    new_rows = {(r["channel"], r["segment"], r["window_days"]): r for r in report["lift"]}
    for row in d["lift"]:
        key = (row["channel"], row["segment"], row["window_days"])
        old, new = old_rows[key], new_rows[key]
        o = old["revenue_per_user_lift"]["estimate"]
        n = new["revenue_per_user_lift"]["estimate"]
        if o is not None and n is not None:
            assert row["change"] == pytest.approx(n - o, rel=1e-12, abs=1e-12)
    assert d["failed"] == []


def test_diff_raises_on_a_failed_check_with_the_comparison():
    old = {"schema_version": 1, "tool": {"name": "uplift", "version": "0"},
           "as_of": None, "inputs": {}, "config": {}, "lift": [],
           "attribution": [], "attribution_totals": [], "reconciliation": None,
           "warnings": []}  # fmt: skip
    new = dict(old, warnings=[{"code": "refunds", "message": "2 refunds"}])
    with pytest.raises(UpliftError) as err:
        uplift.diff(old, new, fail_on=["new-warning"])
    assert err.value.exit_code == 3
    assert err.value.report["warnings"] == {"added": ["refunds"], "removed": []}
    with pytest.raises(UpliftError) as err:
        uplift.diff(old, {"not": "a report"})
    assert err.value.exit_code == 2
