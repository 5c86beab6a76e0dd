//! One analysis for both paths: a [`Summary`] in, the report's sections out.
//!
//! Nothing here reads a file or a row: the in-process run and warehouse mode
//! both reduce their inputs to a summary first, so each number of the report
//! has one formula, in one file of this module:
//!
//! | section | file |
//! |---|---|
//! | lift rows, SRM, Holm | [`lift_rows`] (estimates: `crate::lift`) |
//! | balance, plan status, placebo runs | [`reading`] |
//! | spend, iCAC, iROAS, decision, attributed CAC | [`economics`] |
//! | attribution rows, totals, Markov chain | [`attribution`] |
//! | calibration by experiments | [`calibration`] |
//! | revenue decomposition | [`decomposition`] |
//! | reconciliation against finance | [`reconcile`] |

pub mod attribution;
pub mod calibration;
pub mod decomposition;
pub mod economics;
pub mod lift_rows;
pub mod reading;
pub mod reconcile;

use crate::report::RunSettings;
use crate::report::Sections;
use crate::summary::Summary;
use crate::warning::{Warning, WarningCode};

/// Every section of `uplift run`'s report.
///
/// Warnings come in the order of the sections: inputs, lift, economics,
/// attribution, reconciliation.
pub fn analyze(summary: &Summary, s: &RunSettings) -> Sections {
    let mut warnings = summary.input_warnings.clone();
    let mut lift = lift_rows::rows(summary, s, &mut warnings);
    if s.bootstrap.is_some() && summary.users.is_none() {
        warnings.push(Warning::new(
            WarningCode::BootstrapUnavailable,
            "--bootstrap resamples users, and user-level rows stay in the warehouse in this mode: no bootstrap interval is reported (run on exported rows for it)",
        ));
    }
    if s.placebo.is_some() && summary.users.is_none() {
        warnings.push(Warning::new(
            WarningCode::PlaceboUnavailable,
            "--placebo splits the control users, and user-level rows stay in the warehouse in this mode: no placebo runs are reported (run on exported rows for them)",
        ));
    }
    let hurdles = economics::Hurdles {
        iroas: s.hurdle_iroas,
        ipoas: s.profit.map(|_| s.hurdle_ipoas),
    };
    economics::apply(summary, &mut lift, hurdles, &mut warnings);
    warnings.extend(summary.attribution_warnings.iter().cloned());
    let calibration = calibration::rows(&summary.attribution, &lift, &summary.channels, &s.models);
    let (mut attribution, attribution_totals) =
        attribution::sections(&summary.attribution, &summary.channels);
    if let Some(spend) = &summary.spend {
        economics::apply_attribution_cac(&mut attribution, &summary.channels, spend);
    }
    let decomposition = decomposition::decompose(summary.export_revenue, &lift, &s.windows);
    let reconciliation = summary.finance.as_ref().map(|f| {
        reconcile::section(
            &summary.daily_revenue,
            f,
            &summary.revenue_facts,
            s.tolerance,
            &mut warnings,
        )
    });
    Sections {
        lift,
        attribution,
        attribution_totals,
        decomposition,
        calibration,
        reconciliation,
        markov: None,
        warnings,
    }
}

/// The sections of `uplift attribute`: attribution only, with the Markov
/// chain laid out when the summary has it.
pub fn attribution_only(summary: &Summary) -> Sections {
    let mut warnings = summary.input_warnings.clone();
    warnings.extend(summary.attribution_warnings.iter().cloned());
    let (attribution, attribution_totals) =
        attribution::sections(&summary.attribution, &summary.channels);
    Sections {
        attribution,
        attribution_totals,
        markov: attribution::explained(&summary.attribution, &summary.channels),
        warnings,
        ..Sections::default()
    }
}

/// The sections of `uplift reconcile`: the reconciliation only.
pub fn reconciliation_only(summary: &Summary, tolerance: f64) -> Sections {
    let mut warnings = summary.input_warnings.clone();
    let reconciliation = reconcile::section(
        &summary.daily_revenue,
        summary.finance.as_deref().unwrap_or_default(),
        &summary.revenue_facts,
        tolerance,
        &mut warnings,
    );
    Sections {
        reconciliation: Some(reconciliation),
        warnings,
        ..Sections::default()
    }
}

/// What the section tests share: the settings of a plain `uplift run`.
#[cfg(test)]
pub(crate) fn test_settings(extra: &[&str]) -> RunSettings {
    use clap::Parser;
    let mut argv = vec![
        "uplift",
        "run",
        "--exposures",
        "e.csv",
        "--revenue",
        "r.csv",
    ];
    argv.extend_from_slice(extra);
    let cli = crate::cli::Cli::try_parse_from(argv).expect("the flags parse");
    let crate::cli::Command::Run(a) = cli.command else {
        unreachable!("the command is run")
    };
    RunSettings::resolve(&a, &crate::config::Config::default()).expect("valid settings")
}
