//! What the human-readable reports say about reading a test every week: the
//! interval's name under `--sequential`, each undecided channel's plan in
//! words ("about 12 more days to detect a 5% lift"), and the checks of the
//! split (pre-period balance, power, placebo runs) per window.

use super::document::{Block, Cell, Section, Table, Tone, plain};
use super::facts::{ChannelDecision, all_users, lift_windows};
use super::format::{self, count, p_value, pct};
use crate::report::{LiftRow, Report, Settings};

/// The interval's label: `95% CI`, or `95% always-valid CI` when the
/// report was read sequentially.
pub fn ci_label(report: &Report) -> String {
    let level = format::level(super::confidence(report));
    if sequential(report).is_some() {
        format!("{level} always-valid CI")
    } else {
        format!("{level} CI")
    }
}

/// The tuning `N*` when the report was read sequentially.
pub fn sequential(report: &Report) -> Option<f64> {
    match &report.config {
        Settings::Run(s) if s.sequential => Some(s.sequential_tuning),
        _ => None,
    }
}

/// What reading sequentially means, in one paragraph.
pub fn sequential_note(report: &Report) -> Option<Block> {
    let tuning = sequential(report)?;
    Some(Block::Text(vec![plain(format!(
        "Read sequentially: every interval is a confidence sequence and every p-value always valid (tuned for {} users), so this test can be read every week and stopped at any read without inflating its false positives. The intervals are wider than fixed-horizon ones; power and days to a decision are fixed-horizon.",
        format::number(tuning, 0)
    ))]))
}

/// One sentence per decided-at row that has a plan status and no
/// conclusion yet (inconclusive; without spend, not significant).
pub fn plan_sentences(decisions: &[ChannelDecision<'_>]) -> Vec<String> {
    decisions
        .iter()
        .filter_map(|d| {
            let r = d.row;
            let s = r.status?;
            let open = match d.verdict() {
                Some(v) => v == "inconclusive",
                None => !significant(r),
            };
            if !open {
                return None;
            }
            let lift = format!("a {} lift", format::level(s.mde));
            let power = format!("power now {}", pct(s.power));
            Some(match (s.reached, s.days_to_power, s.users_needed) {
                (true, _, _) => format!(
                    "{}: enough users to detect {lift} ({power}), so its effect is likely smaller than that.",
                    r.channel
                ),
                (false, Some(days), _) => format!(
                    "{}: about {} more {} of enrollment to detect {lift} ({power}; {} users needed, {} so far).",
                    r.channel,
                    count(days),
                    if days == 1 { "day" } else { "days" },
                    needed(s.users_needed),
                    count(r.exposed.users + r.control.users)
                ),
                (false, None, Some(n)) => format!(
                    "{}: {} users needed to detect {lift} ({power}; {} so far).",
                    r.channel,
                    count(n),
                    count(r.exposed.users + r.control.users)
                ),
                (false, None, None) => format!(
                    "{}: no estimate of the users needed to detect {lift} (the arms' revenue does not vary).",
                    r.channel
                ),
            })
        })
        .collect()
}

fn needed(n: Option<u64>) -> String {
    n.map_or_else(|| format::NULL.to_string(), count)
}

/// Whether the headline interval excludes 0.
fn significant(r: &LiftRow) -> bool {
    let l = &r.revenue_per_user_lift;
    l.ci_low.is_some_and(|v| v > 0.0) || l.ci_high.is_some_and(|v| v < 0.0)
}

/// The plan sentences as a block, when any.
pub fn plan_block(decisions: &[ChannelDecision<'_>]) -> Option<Block> {
    let lines = plan_sentences(decisions);
    (!lines.is_empty()).then(|| Block::Bullets(lines.into_iter().map(|l| vec![plain(l)]).collect()))
}

/// Whether a row's checks say more than "balanced": a plan, placebo runs,
/// or a flag.
fn asked(report: &Report) -> bool {
    all_users(report).any(|r| r.status.is_some() || r.placebo.is_some() || r.balance.flag)
}

/// The checks of each test per window: the pre-period balance, the power
/// at the planned effect and the days to a decision, the placebo runs.
/// `always`: shown even when nothing but balance was computed (the full
/// document); otherwise only when a plan or placebo runs were asked for,
/// or a row is imbalanced (the terminal).
pub fn checks_section(report: &Report, always: bool) -> Option<Section> {
    if report.lift.is_empty() || !(always || asked(report)) {
        return None;
    }
    let level = format::level(super::confidence(report));
    let with_plan = all_users(report).any(|r| r.status.is_some());
    let with_placebo = all_users(report).any(|r| r.placebo.is_some());
    let mut intro = vec![
        "Pre-period: revenue per user in the window before each user entered the test, exposed − control, with Welch's p; a p below 0.001 flags a split that was not random.".to_string(),
    ];
    if with_plan {
        intro.push("Power: the chance to detect the planned relative lift with the users so far (fixed-horizon); days: further enrollment at the channel's rate until the target power, before the window matures.".to_string());
    }
    if with_placebo {
        let runs = all_users(report)
            .find_map(|r| r.placebo)
            .map_or(0, |p| p.runs);
        intro.push(format!(
            "A/A: {} random splits of the control arm in two halves (placebo runs); the share with p below {} should be about {} (its {level} Wilson interval above it flags intervals too narrow for these data).",
            count(runs as u64),
            format::level(1.0 - super::confidence(report)),
            format::level(1.0 - super::confidence(report)),
        ));
    }
    let mut blocks = vec![Block::Text(vec![plain(intro.join(" "))])];
    for w in lift_windows(report) {
        let rows: Vec<&LiftRow> = all_users(report).filter(|r| r.window_days == w).collect();
        let mut cols = vec![
            ("channel", false),
            ("pre-period\ndifference", true),
            ("p", true),
        ];
        // The terminal leaves the planned lift to the text above, and the
        // placebo interval to --details.
        if with_plan {
            if always {
                cols.push(("planned\nlift", true));
            }
            cols.extend([
                ("power", true),
                ("users\nneeded", true),
                ("days to\npower", true),
            ]);
        }
        if with_placebo {
            cols.push(("A/A false\npositives", true));
        }
        let mut t = Table::new(&cols);
        for r in rows {
            let b = &r.balance;
            let mut row = vec![
                Cell::strong(r.channel.as_str()),
                if always {
                    Cell::ci(b.difference, b.ci_low, b.ci_high, format::money)
                } else {
                    Cell::text(format::money(b.difference))
                },
                Cell {
                    tone: if b.flag { Tone::Warn } else { Tone::Plain },
                    ..Cell::text(p_value(b.p_value))
                },
            ];
            if with_plan {
                match r.status {
                    Some(s) => row.extend(
                        always
                            .then(|| Cell::text(format::level(s.mde)))
                            .into_iter()
                            .chain([
                                Cell {
                                    tone: if s.reached { Tone::Good } else { Tone::Plain },
                                    ..Cell::text(pct(s.power))
                                },
                                Cell::text(needed(s.users_needed)),
                                Cell::text(match (s.reached, s.days_to_power) {
                                    (true, _) => "reached".to_string(),
                                    (false, Some(d)) => count(d),
                                    (false, None) => format::NULL.to_string(),
                                }),
                            ]),
                    ),
                    None => {
                        row.extend((0..3 + usize::from(always)).map(|_| Cell::text(format::NULL)))
                    }
                }
            }
            if with_placebo {
                row.push(match r.placebo {
                    Some(p) => Cell {
                        tone: if p.flag { Tone::Warn } else { Tone::Plain },
                        ..if always {
                            Cell::ci(Some(p.rate), Some(p.ci_low), Some(p.ci_high), pct)
                        } else {
                            Cell::text(pct(Some(p.rate)))
                        }
                    },
                    None => Cell::text(format::NULL),
                });
            }
            t.rows.push(row);
        }
        blocks.push(Block::Heading(format!("{w}-day window")));
        blocks.push(Block::Table(t));
    }
    Some(Section {
        id: "checks",
        title: "Checks of each test".to_string(),
        blocks,
    })
}
