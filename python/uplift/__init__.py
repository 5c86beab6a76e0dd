"""Run uplift from Python.

The package installs the ``uplift`` command (the Rust binary itself); this
module runs that binary with ``--format json`` and returns the report as a
dict, so a notebook gets the same numbers as the command line::

    import uplift

    report = uplift.run(
        "exposures.csv.gz", "revenue.csv.gz",
        spend="spend.csv", finance="finance.csv", config="uplift.toml",
        windows=(30, 60, 90), bootstrap=1000, seed=1,
    )
    tables = uplift.frames(report)      # polars: pip install 'uplift[frames]'
    tables["lift"]
    changes = uplift.diff("last-week.json", report)   # what changed since

Keyword flags map to the command's flags: ``as_of="2026-06-30"`` is
``--as-of 2026-06-30``, ``cuped=False`` is ``--no-cuped``, ``True`` a bare
flag, a list or tuple a repeated flag (``model=["markov", "shapley"]``) and
``None`` no flag at all; ``uplift run --help`` lists them.

A run that fails raises :class:`UpliftError` with uplift's exit code and
message (2: bad usage or bad input; 3: a ``fail_on`` check failed, and then
the report is still there, as ``.report``).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Union

from ._find import UpliftNotFound, find_uplift_bin
from ._frames import frames

__all__ = [
    "Report",
    "UpliftError",
    "UpliftNotFound",
    "attribute",
    "diff",
    "find_uplift_bin",
    "frames",
    "reconcile",
    "run",
    "version",
]

#: A file argument: a path as ``str`` or any ``os.PathLike``.
PathArg = Union[str, "os.PathLike[str]"]
#: A report as parsed from uplift's JSON (the documented schema).
Report = dict[str, Any]

# Flags that take one comma-separated value (the command also accepts some of
# them repeated, but these forms work for all).
_COMMA_JOINED = frozenset({"fail_on", "position_weights"})
# Boolean flags with a --no- form: False gives --no-NAME.
_NEGATABLE = frozenset({"cuped"})
# The module asks for JSON on standard output itself.
_RESERVED = frozenset({"format", "output", "o"})


class UpliftError(RuntimeError):
    """uplift exited with a non-zero code.

    Attributes:
        exit_code: the exit code (1: an I/O or internal failure; 2: bad usage
            or bad input; 3: a ``fail_on`` check failed).
        message: uplift's message, without the ``uplift: error:`` prefix.
        stderr: everything uplift wrote to standard error.
        report: the report, when uplift still wrote one: exit code 3 (a
            ``fail_on`` check failed) comes with the full report; otherwise
            ``None``.
        argv: the command that was run.
    """

    def __init__(
        self,
        exit_code: int,
        message: str,
        *,
        stderr: str = "",
        report: Report | None = None,
        argv: Sequence[str] = (),
    ) -> None:
        super().__init__(f"uplift exited with code {exit_code}: {message}")
        self.exit_code = exit_code
        self.message = message
        self.stderr = stderr
        self.report = report
        self.argv = list(argv)

    def __reduce__(self) -> Any:
        return (
            _rebuild_error,
            (self.exit_code, self.message, self.stderr, self.report, self.argv),
        )


def _rebuild_error(
    exit_code: int, message: str, stderr: str, report: Report | None, argv: list[str]
) -> UpliftError:
    return UpliftError(exit_code, message, stderr=stderr, report=report, argv=argv)


def _message(stderr: str) -> str:
    """uplift's message without the program-name and ``error:`` prefixes."""
    text = stderr.strip()
    for prefix in ("uplift: error: ", "uplift: ", "error: "):
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def _value(value: Any) -> str:
    if isinstance(value, (str, os.PathLike)):
        return os.fspath(value)
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _flag_args(flags: Mapping[str, Any]) -> list[str]:
    """Command-line arguments for keyword flags (see the module's doc)."""
    args: list[str] = []
    for name, value in flags.items():
        if name in _RESERVED:
            raise TypeError(
                f"{name}= is not accepted: the module reads the report as JSON "
                "from standard output (write other formats with the uplift command)"
            )
        if value is None:
            continue
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            if value:
                args.append(flag)
            elif name in _NEGATABLE:
                args.append("--no-" + name.replace("_", "-"))
            elif name.startswith("no_") and name[3:] in _NEGATABLE:
                args.append("--" + name[3:].replace("_", "-"))
            continue
        if isinstance(value, (list, tuple)):
            items = [_value(v) for v in value]
            if not items:
                continue
            if name in _COMMA_JOINED:
                args += [flag, ",".join(items)]
            else:
                for item in items:
                    args += [flag, item]
            continue
        args += [flag, _value(value)]
    return args


def _file_args(**files: PathArg | None) -> list[str]:
    args: list[str] = []
    for name, path in files.items():
        if path is not None:
            args += ["--" + name, os.fspath(path)]
    return args


def _window_args(windows: int | Iterable[int] | None) -> list[str]:
    if windows is None:
        return []
    if isinstance(windows, int):
        windows = (windows,)
    args: list[str] = []
    for w in windows:
        args += ["--window", _value(w)]
    return args


def _invoke(args: Sequence[str]) -> Report:
    """Runs ``uplift ARGS --format json`` and returns the parsed report."""
    argv = [find_uplift_bin(), *args, "--format", "json"]
    proc = subprocess.run(argv, capture_output=True, check=False)
    stderr = proc.stderr.decode("utf-8", errors="replace")
    report: Report | None = None
    if proc.stdout.strip():
        try:
            report = json.loads(proc.stdout)
        except ValueError as err:
            if proc.returncode == 0:
                raise UpliftError(
                    1, f"the report is not JSON: {err}", stderr=stderr, argv=argv
                ) from err
    if proc.returncode != 0:
        raise UpliftError(
            proc.returncode, _message(stderr), stderr=stderr, report=report, argv=argv
        )
    if report is None:
        raise UpliftError(1, "uplift wrote no report", stderr=stderr, argv=argv)
    return report


def run(
    exposures: PathArg | None,
    revenue: PathArg | None,
    *,
    spend: PathArg | None = None,
    finance: PathArg | None = None,
    config: PathArg | None = None,
    windows: int | Iterable[int] | None = (30,),
    **flags: Any,
) -> Report:
    """``uplift run``: lift, attribution, economics and reconciliation.

    Args:
        exposures: the exposures file (.csv, .csv.gz or .parquet); ``None``
            with ``from_aggregates=DIR``.
        revenue: the revenue (orders) file; ``None`` with ``from_aggregates``.
        spend: the spend file (date, channel, spend), for iCAC and iROAS.
        finance: the finance file, for the reconciliation.
        config: ``uplift.toml``.
        windows: the windows in days, each a ``--window``. ``None`` gives no
            ``--window`` at all, so the config's ``[analysis] windows`` (or
            30 days) apply; the default ``(30,)`` overrides the config.
        **flags: any other flag of ``uplift run --help``, e.g.
            ``as_of="2026-06-30"``, ``bootstrap=1000``, ``seed=1``,
            ``cuped=False``, ``model=["markov", "shapley"]``,
            ``fail_on=["reconciliation", "srm"]``, ``on_bad_rows="skip"``.

    Returns:
        The report (the JSON schema of ``uplift run --format json``).

    Raises:
        UpliftError: uplift failed; with exit code 3 (a ``fail_on`` check
            failed) the report is in ``.report``.
        UpliftNotFound: the binary is missing.
    """
    args = ["run"]
    args += _file_args(
        exposures=exposures, revenue=revenue, spend=spend, finance=finance, config=config
    )
    args += _window_args(windows)
    args += _flag_args(flags)
    return _invoke(args)


def attribute(
    exposures: PathArg,
    revenue: PathArg,
    *,
    spend: PathArg | None = None,
    config: PathArg | None = None,
    windows: int | Iterable[int] | None = (30,),
    **flags: Any,
) -> Report:
    """``uplift attribute``: multi-touch attribution only (no control group
    needed). Flags as for :func:`run`, e.g. ``model=["markov"]``,
    ``explain="markov"``."""
    args = ["attribute"]
    args += _file_args(exposures=exposures, revenue=revenue, spend=spend, config=config)
    args += _window_args(windows)
    args += _flag_args(flags)
    return _invoke(args)


def reconcile(
    revenue: PathArg,
    finance: PathArg,
    *,
    config: PathArg | None = None,
    **flags: Any,
) -> Report:
    """``uplift reconcile``: the revenue export against finance's totals
    only. Flags as for :func:`run`, e.g. ``tolerance=0.005``,
    ``fail_on=["reconciliation"]``."""
    args = ["reconcile"]
    args += _file_args(revenue=revenue, finance=finance, config=config)
    args += _flag_args(flags)
    return _invoke(args)


def diff(
    old: PathArg | Mapping[str, Any],
    new: PathArg | Mapping[str, Any],
    **flags: Any,
) -> Report:
    """``uplift diff``: what changed between two reports, e.g. last week's
    and this week's.

    Args:
        old: the earlier report, as a JSON file's path or as the dict
            :func:`run` returned.
        new: the later report, likewise.
        **flags: ``fail_on=["decision-change", "reconciliation",
            "new-warning", "imbalance"]``.

    Returns:
        The comparison (the JSON of ``uplift diff --format json``): ``lift``
        (old and new headline per row, ``change``, ``outside_old_ci``,
        ``decision_changed``), ``attribution``, ``reconciliation``,
        ``warnings``, ``inputs``, ``config`` and ``failed``.

    Raises:
        UpliftError: with exit code 3 a ``fail_on`` check holds, and the
            comparison is in ``.report``; 2: a file is not an uplift report.
    """
    with tempfile.TemporaryDirectory(prefix="uplift-diff-") as tmp:
        paths = []
        for name, value in (("old", old), ("new", new)):
            if isinstance(value, Mapping):
                path = os.path.join(tmp, f"{name}.json")
                with open(path, "w", encoding="utf-8") as f:
                    json.dump(value, f)
                paths.append(path)
            else:
                paths.append(os.fspath(value))
        return _invoke(["diff", *paths, *_flag_args(flags)])


def version() -> str:
    """The version of the uplift binary, e.g. ``"0.1.0"``."""
    argv = [find_uplift_bin(), "--version"]
    proc = subprocess.run(argv, capture_output=True, check=False)
    if proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", errors="replace")
        raise UpliftError(proc.returncode, _message(stderr), stderr=stderr, argv=argv)
    text = proc.stdout.decode("utf-8", errors="replace").strip()
    return text.split()[-1] if text else text
