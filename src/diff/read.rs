//! Reading a JSON report for `uplift diff`: only what the comparison needs,
//! leniently where the contract has grown and strictly where it has not.
//!
//! A report of an older version, without the fields added since (`balance`,
//! `decision.basis`, …), still diffs: a field that later versions added is
//! read as `null` when it is absent. What every report of schema version 1
//! has (`schema_version`, `tool.name`, the `lift`, `attribution` and
//! `warnings` arrays, `inputs`, `config`, each row's key) must be there and
//! of the right type; anything else is not a report of this contract, and
//! the message names the field and what it holds.

use super::Headline;
use crate::error::Error;
use crate::report::SCHEMA_VERSION;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// What the comparison reads of one report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportView {
    /// `as_of`.
    pub as_of: Option<String>,
    /// The lift rows, each with its headline, verdict and balance flag.
    pub lift: Vec<LiftView>,
    /// The attribution rows' shares.
    pub attribution: Vec<AttributionView>,
    /// The reconciliation periods (none without a finance file).
    pub periods: Vec<PeriodView>,
    /// The distinct warning codes.
    pub warnings: BTreeSet<String>,
    /// Each input's SHA-256 (null when the report does not give one).
    pub inputs: BTreeMap<String, Option<String>>,
    /// The top-level settings of `config`.
    pub config: Map<String, Value>,
}

/// One lift row: its key and its headline.
#[derive(Debug, Clone, PartialEq)]
pub struct LiftView {
    /// Channel.
    pub channel: String,
    /// Segment (null = all users).
    pub segment: Option<String>,
    /// Window in days.
    pub window_days: u16,
    /// `revenue_per_user_lift`, `decision.verdict` and `balance.flag`.
    pub headline: Headline,
}

/// One attribution row: its key and its share.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributionView {
    /// Window in days.
    pub window_days: u16,
    /// Model.
    pub model: String,
    /// Channel.
    pub channel: String,
    /// Share of the model's attributed conversions (a fraction).
    pub share: f64,
}

/// One reconciliation period and its status.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodView {
    /// First day.
    pub period_start: String,
    /// Last day.
    pub period_end: String,
    /// `ok` or `mismatch`.
    pub status: String,
}

/// Reads the report `bytes` of `file` (named in every message): exit 2
/// when the bytes are not JSON, or JSON but not a report of this contract.
pub fn read(file: &str, bytes: &[u8]) -> Result<ReportView, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Usage(format!(
            "{file}: the file is empty ({EXPECTED})"
        )));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        let text = e.to_string();
        let what = text
            .rsplit_once(" at line ")
            .map_or(text.as_str(), |(what, _)| what);
        Error::Usage(format!(
            "{file}:{}:{}: not JSON: {what} ({EXPECTED})",
            e.line(),
            e.column()
        ))
    })?;
    view(&value).map_err(|what| Error::Usage(format!("{file}: {what}")))
}

/// What `diff` accepts, as messages say it.
const EXPECTED: &str =
    "expected a JSON report of uplift run, attribute or reconcile: --format json";

/// The view of a parsed report, or what is wrong with it.
fn view(value: &Value) -> Result<ReportView, String> {
    let not_report = |what: String| format!("not an uplift report: {what} ({EXPECTED})");
    let Value::Object(map) = value else {
        return Err(not_report(format!(
            "the JSON is {}, not an object",
            kind(value)
        )));
    };
    let top = Obj {
        map,
        path: String::new(),
    };
    match top.get("schema_version") {
        None => return Err(not_report("no schema_version".to_string())),
        Some(v) if v.as_u64() == Some(u64::from(SCHEMA_VERSION)) => {}
        Some(v @ Value::Number(_)) => {
            return Err(format!(
                "schema_version {v} is not one this uplift reads (expected {SCHEMA_VERSION})"
            ));
        }
        Some(v) => {
            return Err(not_report(format!(
                "schema_version is {}, not a number",
                kind(v)
            )));
        }
    }
    let tool = top.object("tool").map_err(not_report)?;
    match tool.get("name") {
        Some(Value::String(s)) if s == "uplift" => {}
        Some(Value::String(s)) => {
            return Err(not_report(format!(
                "tool.name is {}, not \"uplift\"",
                Value::String(s.clone())
            )));
        }
        Some(v) => return Err(not_report(format!("tool.name is {}", kind(v)))),
        None => return Err(not_report("no tool.name".to_string())),
    }
    body(&top).map_err(not_report)
}

/// Everything after the header: rows, periods, warnings, inputs, config.
fn body(top: &Obj<'_>) -> Result<ReportView, String> {
    let mut lift = Vec::new();
    let mut seen = BTreeMap::new();
    for (i, row) in top.array("lift")?.iter().enumerate() {
        let r = LiftView {
            channel: row.string("channel")?,
            segment: row.opt_string("segment")?,
            window_days: row.window("window_days")?,
            headline: headline(row)?,
        };
        let key = (r.window_days, r.segment.clone(), r.channel.clone());
        if let Some(first) = seen.insert(key, i) {
            return Err(format!(
                "lift[{i}] repeats the row of lift[{first}] (channel {}, segment {}, {} days)",
                Value::String(r.channel),
                r.segment.map_or(Value::Null, Value::String),
                r.window_days
            ));
        }
        lift.push(r);
    }
    let mut attribution = Vec::new();
    let mut seen = BTreeMap::new();
    for (i, row) in top.array("attribution")?.iter().enumerate() {
        let r = AttributionView {
            window_days: row.window("window_days")?,
            model: row.string("model")?,
            channel: row.string("channel")?,
            share: row.number("share")?,
        };
        let key = (r.window_days, r.model.clone(), r.channel.clone());
        if let Some(first) = seen.insert(key, i) {
            return Err(format!(
                "attribution[{i}] repeats the row of attribution[{first}] (window {} days, model {}, channel {})",
                r.window_days,
                Value::String(r.model),
                Value::String(r.channel)
            ));
        }
        attribution.push(r);
    }
    let mut periods = Vec::new();
    if let Some(rec) = top.opt_object("reconciliation")? {
        let mut seen = BTreeMap::new();
        for (i, p) in rec.opt_array("periods")?.iter().enumerate() {
            let period = PeriodView {
                period_start: p.string("period_start")?,
                period_end: p.string("period_end")?,
                status: p.string("status")?,
            };
            let key = (period.period_start.clone(), period.period_end.clone());
            if let Some(first) = seen.insert(key, i) {
                return Err(format!(
                    "reconciliation.periods[{i}] repeats the period of reconciliation.periods[{first}] ({}..{})",
                    period.period_start, period.period_end
                ));
            }
            periods.push(period);
        }
    }
    let mut warnings = BTreeSet::new();
    for w in top.array("warnings")? {
        warnings.insert(w.string("code")?);
    }
    let inputs_obj = top.object("inputs")?;
    let mut inputs = BTreeMap::new();
    for name in inputs_obj.map.keys() {
        let input = inputs_obj.object(name)?;
        inputs.insert(name.clone(), input.opt_string("sha256")?);
    }
    Ok(ReportView {
        as_of: top.opt_string("as_of")?,
        lift,
        attribution,
        periods,
        warnings,
        inputs,
        config: top.object("config")?.map.clone(),
    })
}

/// A lift row's headline: `revenue_per_user_lift`, `decision.verdict` and
/// `balance.flag`, each null when the row does not have it.
fn headline(row: &Obj<'_>) -> Result<Headline, String> {
    let lift = row.opt_object("revenue_per_user_lift")?;
    let number = |key: &str| match &lift {
        Some(l) => l.opt_number(key),
        None => Ok(None),
    };
    Ok(Headline {
        estimate: number("estimate")?,
        ci_low: number("ci_low")?,
        ci_high: number("ci_high")?,
        verdict: match row.opt_object("decision")? {
            Some(d) => d.opt_string("verdict")?,
            None => None,
        },
        balance_flag: match row.opt_object("balance")? {
            Some(b) => b.opt_bool("flag")?,
            None => None,
        },
    })
}

/// What a JSON value is, for a message.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON object and where it is in the report (`lift[3].decision`), for
/// messages.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    /// The path of `key` in this object.
    fn at(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    /// `key`'s value, which must be there.
    fn required(&self, key: &str) -> Result<&'a Value, String> {
        self.get(key).ok_or_else(|| format!("no {}", self.at(key)))
    }

    fn wrong(&self, key: &str, v: &Value, expected: &str) -> String {
        format!("{} is {}, not {expected}", self.at(key), kind(v))
    }

    fn string(&self, key: &str) -> Result<String, String> {
        match self.required(key)? {
            Value::String(s) => Ok(s.clone()),
            v => Err(self.wrong(key, v, "a string")),
        }
    }

    /// A string, or `None` when absent or null.
    fn opt_string(&self, key: &str) -> Result<Option<String>, String> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(self.wrong(key, v, "a string or null")),
        }
    }

    fn number(&self, key: &str) -> Result<f64, String> {
        match self.required(key)? {
            Value::Number(n) => n.as_f64().ok_or_else(|| format!("{} is {n}", self.at(key))),
            v => Err(self.wrong(key, v, "a number")),
        }
    }

    /// A number, or `None` when absent or null.
    fn opt_number(&self, key: &str) -> Result<Option<f64>, String> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.number(key).map(Some),
        }
    }

    /// A boolean, or `None` when absent or null.
    fn opt_bool(&self, key: &str) -> Result<Option<bool>, String> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(self.wrong(key, v, "true or false")),
        }
    }

    /// A window: a whole number of days.
    fn window(&self, key: &str) -> Result<u16, String> {
        let v = self.required(key)?;
        v.as_u64()
            .and_then(|d| u16::try_from(d).ok())
            .filter(|d| *d > 0)
            .ok_or_else(|| match v {
                Value::Number(n) => format!("{} is {n}, not a whole number of days", self.at(key)),
                _ => self.wrong(key, v, "a whole number of days"),
            })
    }

    fn object(&self, key: &str) -> Result<Obj<'a>, String> {
        match self.required(key)? {
            Value::Object(map) => Ok(Obj {
                map,
                path: self.at(key),
            }),
            v => Err(self.wrong(key, v, "an object")),
        }
    }

    /// An object, or `None` when absent or null.
    fn opt_object(&self, key: &str) -> Result<Option<Obj<'a>>, String> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.object(key).map(Some),
        }
    }

    /// An array of objects.
    fn array(&self, key: &str) -> Result<Vec<Obj<'a>>, String> {
        let v = self.required(key)?;
        let Value::Array(items) = v else {
            return Err(self.wrong(key, v, "an array"));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let path = format!("{}[{i}]", self.at(key));
                match item {
                    Value::Object(map) => Ok(Obj { map, path }),
                    v => Err(format!("{path} is {}, not an object", kind(v))),
                }
            })
            .collect()
    }

    /// An array of objects, empty when absent or null.
    fn opt_array(&self, key: &str) -> Result<Vec<Obj<'a>>, String> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(_) => self.array(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The smallest report of this contract.
    fn minimal() -> Value {
        json!({
            "schema_version": 1,
            "tool": {"name": "uplift", "version": "0.1.0"},
            "as_of": "2026-06-30T23:59:59Z",
            "inputs": {"revenue": {"path": "r.csv", "sha256": "ab", "rows": 1, "rejected_rows": 0}},
            "config": {"windows": [30]},
            "lift": [],
            "attribution": [],
            "attribution_totals": [],
            "reconciliation": null,
            "warnings": []
        })
    }

    fn message(value: &Value) -> String {
        match read("old.json", value.to_string().as_bytes()) {
            Err(e) => e.to_string(),
            Ok(v) => panic!("read: {v:?}"),
        }
    }

    fn with(mut v: Value, pointer: &str, new: Value) -> Value {
        *v.pointer_mut(pointer).unwrap() = new;
        v
    }

    #[test]
    fn a_minimal_report_is_read() {
        let v = read("old.json", minimal().to_string().as_bytes()).unwrap();
        assert_eq!(v.as_of.as_deref(), Some("2026-06-30T23:59:59Z"));
        assert_eq!(v.inputs["revenue"].as_deref(), Some("ab"));
        assert_eq!(v.config["windows"], json!([30]));
        assert!(v.lift.is_empty() && v.periods.is_empty() && v.warnings.is_empty());
    }

    #[test]
    fn fields_added_later_are_read_as_null_when_absent() {
        let row = json!({"channel": "email", "window_days": 30});
        let v = read(
            "old.json",
            with(minimal(), "/lift", json!([row]))
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(v.lift[0].segment, None);
        assert_eq!(v.lift[0].headline, Headline::default());
        let row = json!({
            "channel": "email", "segment": "new", "window_days": 30,
            "revenue_per_user_lift": {"estimate": 1.5, "ci_low": -0.5, "ci_high": 3.5},
            "decision": {"verdict": "scale"},
            "balance": {"flag": true}
        });
        let v = read(
            "old.json",
            with(minimal(), "/lift", json!([row]))
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        let h = &v.lift[0].headline;
        assert_eq!(
            (h.estimate, h.ci_low, h.ci_high),
            (Some(1.5), Some(-0.5), Some(3.5))
        );
        assert_eq!(h.verdict.as_deref(), Some("scale"));
        assert_eq!(h.balance_flag, Some(true));
    }

    #[test]
    fn bytes_that_are_not_json_name_the_line_and_column() {
        let e = read("new.json", b"{\n  \"a\": 1,\n  oops\n}")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("new.json:3:3: not JSON: key must be a string ("),
            "{e}"
        );
        let e = read("r.csv", b"user_id,channel\nu1,email\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("r.csv:1:1: not JSON: expected value ("),
            "{e}"
        );
        let e = read("empty.json", b" \n").unwrap_err().to_string();
        assert!(e.starts_with("empty.json: the file is empty"), "{e}");
    }

    #[test]
    fn json_that_is_not_a_report_says_what_is_wrong() {
        let cases = [
            (json!({}), "not an uplift report: no schema_version ("),
            (
                json!([1, 2]),
                "not an uplift report: the JSON is an array, not an object",
            ),
            (
                with(minimal(), "/schema_version", json!(2)),
                "schema_version 2 is not one this uplift reads (expected 1)",
            ),
            (
                with(minimal(), "/schema_version", json!("1")),
                "schema_version is a string, not a number",
            ),
            (
                with(minimal(), "/tool/name", json!("other")),
                "tool.name is \"other\", not \"uplift\"",
            ),
            (
                with(minimal(), "/lift", json!({})),
                "lift is an object, not an array",
            ),
            (
                with(minimal(), "/lift", json!([{"channel": "email"}])),
                "no lift[0].window_days",
            ),
            (
                with(
                    minimal(),
                    "/lift",
                    json!([{"channel": "email", "window_days": "30"}]),
                ),
                "lift[0].window_days is a string, not a whole number of days",
            ),
            (
                with(
                    minimal(),
                    "/lift",
                    json!([{"channel": "email", "window_days": 30,
                            "revenue_per_user_lift": {"estimate": "1"}}]),
                ),
                "lift[0].revenue_per_user_lift.estimate is a string, not a number",
            ),
            (
                with(
                    minimal(),
                    "/lift",
                    json!([{"channel": "e", "window_days": 30}, {"channel": "e", "window_days": 30}]),
                ),
                "lift[1] repeats the row of lift[0] (channel \"e\", segment null, 30 days)",
            ),
            (
                with(
                    minimal(),
                    "/attribution",
                    json!([{"window_days": 30, "model": "markov", "channel": "e"}]),
                ),
                "no attribution[0].share",
            ),
            (
                with(
                    minimal(),
                    "/reconciliation",
                    json!({"periods": [{"period_start": "2026-01-01", "period_end": "2026-01-31"}]}),
                ),
                "no reconciliation.periods[0].status",
            ),
            (
                with(minimal(), "/warnings", json!(["refunds"])),
                "warnings[0] is a string, not an object",
            ),
            (
                with(minimal(), "/config", json!(null)),
                "config is null, not an object",
            ),
            (
                with(minimal(), "/inputs/revenue/sha256", json!(1)),
                "inputs.revenue.sha256 is a number, not a string or null",
            ),
        ];
        for (value, expected) in cases {
            let m = message(&value);
            assert!(m.starts_with("old.json: "), "{m}");
            assert!(m.contains(expected), "{m}\nexpected: {expected}");
        }
        let mut no_tool = minimal();
        no_tool.as_object_mut().unwrap().remove("tool");
        assert!(message(&no_tool).contains("not an uplift report: no tool ("));
    }

    /// Every pointer into `v` (objects' fields and arrays' items), the root
    /// left out.
    fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
        let children: Vec<(String, &Value)> = match v {
            Value::Object(m) => m.iter().map(|(k, c)| (k.clone(), c)).collect(),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, c)| (i.to_string(), c))
                .collect(),
            _ => Vec::new(),
        };
        for (k, c) in children {
            let p = format!("{at}/{k}");
            out.push(p.clone());
            pointers(c, p, out);
        }
    }

    #[test]
    fn any_field_of_any_type_is_read_or_refused_naming_the_file_never_a_panic() {
        let full = json!({
            "schema_version": 1,
            "tool": {"name": "uplift", "version": "0.1.0"},
            "as_of": "2026-06-30T23:59:59Z",
            "inputs": {"revenue": {"path": "r.csv", "sha256": "ab"}},
            "config": {"windows": [30], "confidence": 0.95},
            "lift": [{
                "channel": "email", "segment": "new", "window_days": 30,
                "revenue_per_user_lift": {"estimate": 1.0, "ci_low": 0.0, "ci_high": 2.0},
                "decision": {"verdict": "scale"},
                "balance": {"flag": false}
            }],
            "attribution": [{"window_days": 30, "model": "markov", "channel": "email", "share": 1.0}],
            "reconciliation": {"periods": [
                {"period_start": "2026-01-01", "period_end": "2026-01-31", "status": "ok"}
            ]},
            "warnings": [{"code": "refunds", "message": "m"}]
        });
        assert!(read("f.json", full.to_string().as_bytes()).is_ok());
        let mut all = Vec::new();
        pointers(&full, String::new(), &mut all);
        let values = [
            json!(null),
            json!(true),
            json!(0),
            json!(-1),
            json!(1.5),
            json!(70000),
            json!(1e300),
            json!("x"),
            json!([]),
            json!([null]),
            json!({}),
        ];
        for p in &all {
            for v in &values {
                let changed = with(full.clone(), p, v.clone());
                if let Err(e) = read("f.json", changed.to_string().as_bytes()) {
                    assert!(e.to_string().starts_with("f.json: "), "{p} = {v}: {e}");
                    assert_eq!(e.exit_code(), 2);
                }
            }
        }
        for cut in 0..full.to_string().len() {
            let text = full.to_string();
            let e = read("f.json", &text.as_bytes()[..cut]).unwrap_err();
            assert!(e.to_string().starts_with("f.json"), "{e}");
        }
    }
}
