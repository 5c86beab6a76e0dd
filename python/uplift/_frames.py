"""A report's tables as polars DataFrames (``pip install 'uplift[frames]'``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import polars

# Column kinds: "str", "int" (Int64), "uint" (UInt64), "float", "bool".
_I, _U, _F, _S, _B = "int", "uint", "float", "str", "bool"

_ARM = [("users", _I), ("converters", _I), ("revenue", _F),
        ("revenue_per_user", _F), ("conversion_rate", _F),
        ("profit", _F), ("profit_per_user", _F)]  # fmt: skip
_INTERVAL = [("estimate", _F), ("ci_low", _F), ("ci_high", _F)]
_TESTED = _INTERVAL + [("p_value", _F)]


def _prefixed(prefix: str, fields: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(f"{prefix}_{name}", kind) for name, kind in fields]


#: The columns of ``uplift run --format csv`` (a lift row flattened, nested
#: keys joined with ``_``) and their types; the bootstrap columns are there
#: only when some row has a bootstrap interval.
LIFT_COLUMNS: list[tuple[str, str]] = [
    ("channel", _S),
    ("segment", _S),
    ("window_days", _I),
    ("test_start", _S),
    ("test_end", _S),
    *_prefixed("exposed", _ARM),
    *_prefixed("control", _ARM),
    ("excluded_contaminated", _I),
    ("excluded_immature", _I),
    *_prefixed("revenue_per_user_lift", _TESTED + [("p_value_holm", _F)]),
    *_prefixed("revenue_per_user_lift_raw", _TESTED),
    *_prefixed("relative_lift", _INTERVAL),
    *_prefixed("conversion_rate_lift", _TESTED),
    *_prefixed("incremental_revenue", _INTERVAL),
    *_prefixed("incremental_conversions", _INTERVAL),
    *_prefixed("profit_per_user_lift", _TESTED),
    *_prefixed("profit_per_user_lift_raw", _TESTED),
    *_prefixed("incremental_profit", _INTERVAL),
    ("cuped_applied", _B),
    ("cuped_theta", _F),
    ("cuped_variance_reduction", _F),
    ("cuped_theta_profit", _F),
    ("capping_quantile", _F),
    ("capping_quantile_lower", _F),
    ("capping_revenue_upper", _F),
    ("capping_revenue_lower", _F),
    ("capping_revenue_users_capped", _I),
    ("capping_pre_period_upper", _F),
    ("capping_pre_period_lower", _F),
    ("capping_profit_upper", _F),
    ("capping_profit_lower", _F),
    ("capping_profit_users_capped", _I),
    ("srm_expected_control_share", _F),
    ("srm_p_value", _F),
    ("srm_flag", _B),
    ("balance_difference", _F),
    ("balance_ci_low", _F),
    ("balance_ci_high", _F),
    ("balance_p_value", _F),
    ("balance_flag", _B),
    ("status_mde", _F),
    ("status_effect", _F),
    ("status_power", _F),
    ("status_users_needed", _I),
    ("status_reached", _B),
    ("status_days_to_power", _I),
    ("placebo_runs", _I),
    ("placebo_false_positives", _I),
    ("placebo_rate", _F),
    ("placebo_ci_low", _F),
    ("placebo_ci_high", _F),
    ("placebo_flag", _B),
    ("spend", _F),
    ("icac", _F),
    *_prefixed("iroas", _INTERVAL),
    *_prefixed("ipoas", _INTERVAL),
    *_prefixed("net_return", _INTERVAL),
    ("decision_basis", _S),
    ("decision_hurdle_iroas", _F),
    ("decision_hurdle_ipoas", _F),
    ("decision_verdict", _S),
]
_BOOTSTRAP_COLUMNS: list[tuple[str, str]] = [
    ("bootstrap_resamples", _I),
    ("bootstrap_seed", _U),
    ("bootstrap_ci_low", _F),
    ("bootstrap_ci_high", _F),
]

#: ``attribution``: one row per window, model and channel (``cac`` is null
#: without spend data).
ATTRIBUTION_COLUMNS: list[tuple[str, str]] = [
    ("window_days", _I),
    ("model", _S),
    ("channel", _S),
    ("conversions", _F),
    ("revenue", _F),
    ("share", _F),
    ("cac", _F),
]

#: ``attribution_totals``: one row per window.
ATTRIBUTION_TOTALS_COLUMNS: list[tuple[str, str]] = [
    ("window_days", _I),
    ("conversions", _I),
    ("revenue", _F),
    ("unattributed_conversions", _I),
    ("unattributed_revenue", _F),
    ("refunds", _F),
    ("net_revenue", _F),
]

#: ``reconciliation``: one row per finance period, then the report's
#: tolerance and overall status repeated on every row.
RECONCILIATION_COLUMNS: list[tuple[str, str]] = [
    ("period_start", _S),
    ("period_end", _S),
    ("finance_revenue", _F),
    ("export_revenue", _F),
    ("gap", _F),
    ("gap_pct", _F),
    ("status", _S),
    ("tolerance", _F),
    ("overall_status", _S),
]

_KINDS: dict[str, str] = dict(LIFT_COLUMNS + _BOOTSTRAP_COLUMNS)


def _polars() -> Any:
    try:
        import polars
    except ImportError as err:
        raise ImportError(
            "uplift.frames() needs polars: pip install 'uplift[frames]' (or pip install polars)"
        ) from err
    return polars


def _dtype(pl: Any, kind: str) -> Any:
    return {
        _I: pl.Int64,
        _U: pl.UInt64,
        _F: pl.Float64,
        _S: pl.String,
        _B: pl.Boolean,
    }[kind]


def _infer(values: Sequence[Any]) -> str:
    """The kind of a column the schemas above do not name."""
    present = [v for v in values if v is not None]
    if not present:
        return _F
    if all(isinstance(v, bool) for v in present):
        return _B
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return _U if any(v >= 2**63 for v in present) else _I
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return _F
    return _S


def _frame(
    pl: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]], kinds: Mapping[str, str]
) -> polars.DataFrame:
    series = []
    for i, name in enumerate(columns):
        values = [row[i] for row in rows]
        kind = kinds.get(name) or _infer(values)
        if kind == _S:
            values = [v if v is None or isinstance(v, str) else _text(v) for v in values]
        series.append(pl.Series(name, values, dtype=_dtype(pl, kind)))
    frame: polars.DataFrame = pl.DataFrame(series)
    return frame


def _text(v: Any) -> str:
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def _flatten(prefix: str, value: Any, out: list[tuple[str, Any]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}_{k}" if prefix else k, v, out)
    elif isinstance(value, list):
        out.append((prefix, _text(value)))
    else:
        out.append((prefix, value))


def _flat(row: Mapping[str, Any]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    _flatten("", dict(row), out)
    return out


def _first_object(rows: Sequence[Mapping[str, Any]], key: str) -> dict[str, Any] | None:
    for row in rows:
        v = row.get(key)
        if isinstance(v, dict):
            return v
    return None


def lift_table(rows: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """The lift rows flattened exactly as ``uplift run --format csv`` does:
    the header is that of the first row with every optional object present
    (``iroas``, ``decision``, and ``bootstrap`` when any row has one), so a
    row whose ``iroas`` is null has null ``iroas_*`` cells. Returns the
    column names and one list of values per row (``None`` for an empty
    cell)."""
    if not rows:
        return [name for name, _ in LIFT_COLUMNS], []
    template = dict(rows[0])
    interval = ("estimate", "ci_low", "ci_high")
    tested = (*interval, "p_value")
    cap = ("upper", "lower", "users_capped")
    optional: list[tuple[str, Any]] = [
        ("profit_per_user_lift", tested),
        ("profit_per_user_lift_raw", tested),
        ("incremental_profit", interval),
        ("iroas", interval),
        ("ipoas", interval),
        ("net_return", interval),
        ("decision", ("basis", "hurdle_iroas", "hurdle_ipoas", "verdict")),
        (
            "status",
            ("mde", "effect", "power", "users_needed", "reached", "days_to_power"),
        ),
        (
            "placebo",
            ("runs", "false_positives", "rate", "ci_low", "ci_high", "flag"),
        ),
    ]
    for key, fields in optional:
        template[key] = dict.fromkeys(_first_object(rows, key) or fields)
    capping = _first_object(rows, "capping") or {
        "quantile": None,
        "quantile_lower": None,
        "revenue": dict.fromkeys(cap),
        "pre_period": dict.fromkeys(("upper", "lower")),
        "profit": None,
    }
    template["capping"] = {**capping, "profit": dict.fromkeys(cap)}
    if template.get("bootstrap") is None:
        bootstrap = _first_object(rows, "bootstrap")
        if bootstrap is not None:
            template["bootstrap"] = bootstrap
    header = [name for name, _ in _flat(template)]
    table = []
    for row in rows:
        cells = dict(_flat(row))
        table.append([cells.get(name) for name in header])
    return header, table


def _records(
    pl: Any, rows: Sequence[Mapping[str, Any]], schema: Sequence[tuple[str, str]]
) -> polars.DataFrame:
    """A frame of flat records: the schema's columns first, then any other
    key the rows carry, in the order met."""
    columns = [name for name, _ in schema]
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    table = [[row.get(name) for name in columns] for row in rows]
    return _frame(pl, columns, table, dict(schema))


def frames(report: Mapping[str, Any]) -> dict[str, polars.DataFrame]:
    """The report's tables as polars DataFrames.

    - ``lift``: one row per channel, segment and window, flattened exactly
      as ``uplift run --format csv`` (same columns in the same order, nested
      keys joined with ``_``: ``revenue_per_user_lift_ci_low``).
    - ``attribution``: one row per window, model and channel.
    - ``attribution_totals``: one row per window.
    - ``reconciliation``: one row per finance period, plus the columns
      ``tolerance`` and ``overall_status`` (the report's
      ``reconciliation.tolerance`` and ``reconciliation.status``). Refunds
      and duplicate orders stay in ``report["reconciliation"]``.

    A section that is empty or null (``uplift attribute`` has no lift rows,
    a run without ``finance`` no reconciliation) gives an empty frame with
    the same columns and types. Dates stay ISO strings, as in the JSON.

    Needs polars: ``pip install 'uplift[frames]'``.
    """
    pl = _polars()
    header, table = lift_table(report.get("lift") or [])
    lift = _frame(pl, header, table, _KINDS)

    attribution = _records(pl, report.get("attribution") or [], ATTRIBUTION_COLUMNS)
    totals = _records(pl, report.get("attribution_totals") or [], ATTRIBUTION_TOTALS_COLUMNS)

    rec = report.get("reconciliation") or {}
    periods = [
        {**period, "tolerance": rec.get("tolerance"), "overall_status": rec.get("status")}
        for period in rec.get("periods") or []
    ]
    reconciliation = _records(pl, periods, RECONCILIATION_COLUMNS)

    return {
        "lift": lift,
        "attribution": attribution,
        "attribution_totals": totals,
        "reconciliation": reconciliation,
    }
