//! `uplift validate`: checks every input and prints every problem.

use super::Outcome;
use crate::cli::ValidateArgs;
use crate::error::Error;
use crate::export::Format;
use crate::io::problem::Problem;
use crate::io::{self, Loaded, time};
use crate::model::Micros;
use crate::reduce::cohort;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

/// Summary of one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    /// Which input (`exposures`, `revenue`, `spend`, `finance`).
    pub kind: String,
    /// The path as given.
    pub path: String,
    /// SHA-256 of the file (null when unreadable).
    pub sha256: Option<String>,
    /// Data rows.
    pub rows: u64,
    /// Rows with at least one problem.
    pub rejected_rows: u64,
    /// Distinct users (exposures and revenue).
    pub distinct_users: Option<u64>,
    /// Distinct channels (exposures and spend).
    pub channels: Option<u64>,
    /// Earliest and latest timestamp or date.
    pub first: Option<String>,
    /// Latest timestamp or date.
    pub last: Option<String>,
    /// Problems found.
    pub problems: u64,
}

/// Per channel, the users in each group.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelSummary {
    /// Channel name.
    pub channel: String,
    /// Users with only exposed rows.
    pub exposed_users: u64,
    /// Users with only control rows.
    pub control_users: u64,
    /// Users with only organic rows.
    pub organic_users: u64,
    /// Users with both exposed and control rows (excluded from lift).
    pub contaminated_users: u64,
}

/// The validation report.
#[derive(Debug, Clone, Serialize)]
pub struct ValidateReport {
    /// `ok` or `problems`.
    pub status: String,
    /// Per file.
    pub files: Vec<FileSummary>,
    /// Per channel of the exposures file.
    pub channels: Vec<ChannelSummary>,
    /// Problems in all.
    pub problem_count: u64,
    /// The problems (at most 200 per file).
    pub problems: Vec<Problem>,
}

fn distinct(users: &[u32]) -> u64 {
    // Sorted by user: count the runs.
    users.windows(2).filter(|w| w[0] != w[1]).count() as u64 + u64::from(!users.is_empty())
}

fn range(ts: impl Iterator<Item = Micros>) -> (Option<String>, Option<String>) {
    let (lo, hi) = ts.fold((None::<Micros>, None::<Micros>), |(lo, hi), t| {
        (
            Some(lo.map_or(t, |l| l.min(t))),
            Some(hi.map_or(t, |h| h.max(t))),
        )
    });
    (
        lo.map(time::format_timestamp),
        hi.map(time::format_timestamp),
    )
}

/// Builds the validation report from what was loaded.
pub fn summarize(loaded: &Loaded) -> ValidateReport {
    let d = &loaded.data;
    let mut files = Vec::new();
    for crate::io::LoadedFile { kind, load } in &loaded.files {
        let info = load.info.as_ref();
        let mut s = FileSummary {
            kind: kind.to_string(),
            path: info
                .map(|i| i.path.clone())
                .or_else(|| load.problems.first().map(|p| p.file.clone()))
                .unwrap_or_default(),
            sha256: info.map(|i| i.sha256.clone()),
            rows: info.map_or(0, |i| i.rows),
            rejected_rows: info.map_or(0, |i| i.rejected_rows),
            distinct_users: None,
            channels: None,
            first: None,
            last: None,
            problems: load.problem_count as u64,
        };
        match *kind {
            _ if info.is_none() => {}
            "exposures" => {
                s.distinct_users = Some(distinct(&d.exposures.user));
                let mut ch: Vec<u16> = d.exposures.channel.clone();
                ch.sort_unstable();
                ch.dedup();
                s.channels = Some(ch.len() as u64);
                (s.first, s.last) = range(d.exposures.ts.iter().copied());
            }
            "revenue" => {
                s.distinct_users = Some(distinct(&d.orders.user));
                (s.first, s.last) = range(d.orders.ts.iter().copied());
            }
            "spend" => {
                let mut ch: Vec<u16> = d.spend.iter().map(|r| r.channel).collect();
                ch.sort_unstable();
                ch.dedup();
                s.channels = Some(ch.len() as u64);
                s.first = d.spend.iter().map(|r| r.date).min().map(time::format_date);
                s.last = d.spend.iter().map(|r| r.date).max().map(time::format_date);
            }
            _ => {
                s.first = d
                    .finance
                    .iter()
                    .map(|r| r.period_start)
                    .min()
                    .map(time::format_date);
                s.last = d
                    .finance
                    .iter()
                    .map(|r| r.period_end)
                    .max()
                    .map(time::format_date);
            }
        }
        files.push(s);
    }
    let channels = cohort::build(&d.exposures, d.channels.len())
        .into_iter()
        .filter(|c| c.rows.iter().sum::<u64>() > 0)
        .map(|c| ChannelSummary {
            channel: d.channels[usize::from(c.channel)].clone(),
            exposed_users: c.exposed.len() as u64,
            control_users: c.control.len() as u64,
            organic_users: c.organic_users,
            contaminated_users: c.contaminated.len() as u64,
        })
        .collect();
    let problems: Vec<Problem> = loaded
        .files
        .iter()
        .flat_map(|f| f.load.problems.iter().cloned())
        .collect();
    let problem_count = loaded.problem_count() as u64;
    ValidateReport {
        status: if problem_count == 0 { "ok" } else { "problems" }.to_string(),
        files,
        channels,
        problem_count,
        problems,
    }
}

fn render_table(r: &ValidateReport) -> String {
    let dash = |v: Option<String>| v.unwrap_or_else(|| "—".to_string());
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header([
        "file", "path", "rows", "rejected", "users", "channels", "first", "last",
    ]);
    for f in &r.files {
        t.add_row([
            f.kind.clone(),
            f.path.clone(),
            f.rows.to_string(),
            f.rejected_rows.to_string(),
            dash(f.distinct_users.map(|v| v.to_string())),
            dash(f.channels.map(|v| v.to_string())),
            dash(f.first.clone()),
            dash(f.last.clone()),
        ]);
    }
    let mut out = format!("{t}\n");
    if !r.channels.is_empty() {
        let mut c = Table::new();
        c.load_preset(UTF8_FULL_CONDENSED).set_header([
            "channel",
            "exposed users",
            "control users",
            "organic users",
            "contaminated users",
        ]);
        for ch in &r.channels {
            c.add_row([
                ch.channel.clone(),
                ch.exposed_users.to_string(),
                ch.control_users.to_string(),
                ch.organic_users.to_string(),
                ch.contaminated_users.to_string(),
            ]);
        }
        out.push_str(&format!("{c}\n"));
    }
    if r.problem_count == 0 {
        out.push_str("ok: no problems found\n");
    } else {
        out.push_str(&format!("{} problems found:\n", r.problem_count));
        for p in &r.problems {
            out.push_str(&format!("  {p}\n"));
        }
        let shown = r.problems.len() as u64;
        if r.problem_count > shown {
            out.push_str(&format!("  … and {} more\n", r.problem_count - shown));
        }
    }
    out
}

/// Runs `uplift validate`.
pub fn run(a: &ValidateArgs) -> Result<Outcome, Error> {
    let input = &a.input;
    if input.exposures.is_none()
        && input.revenue.is_none()
        && input.spend.is_none()
        && input.finance.is_none()
    {
        return Err(Error::Usage(
            "give at least one file to validate: --exposures, --revenue, --spend or --finance"
                .to_string(),
        ));
    }
    let cfg = crate::settings::config(input.config.as_deref())?;
    let loaded = io::load(&input.paths(), &cfg);
    let report = summarize(&loaded);
    let bytes = match a.format {
        Format::Json => {
            let mut v =
                serde_json::to_vec_pretty(&report).map_err(|e| Error::Internal(e.to_string()))?;
            v.push(b'\n');
            v
        }
        _ => render_table(&report).into_bytes(),
    };
    Ok(Outcome {
        bytes,
        code: if report.problem_count == 0 { 0 } else { 2 },
        ..Outcome::default()
    })
}
