//! Progress of a long run, for a person watching a terminal (indicatif).
//!
//! Nothing is drawn unless [`on_terminal`] turned it on: the binary does so
//! when standard error is a terminal and `CI` is unset, so a pipe, a file or
//! a CI log never sees a progress character. Then standard error shows, in
//! the run's current phase and its time ([`phase`]); under it, a bar per
//! input file being read ([`reading`]: bytes, percentage and throughput)
//! and per long computation ([`Task`]: percentage and time left). A line
//! goes when its work is done, and every line is cleared when the [`Shown`]
//! guard drops, before the report or an error is written.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

/// Every progress line of the run (hidden unless [`on_terminal`] showed it).
static LINES: OnceLock<MultiProgress> = OnceLock::new();
/// The phase being run, if any.
static PHASE: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Redraws a second at most.
const HZ: u8 = 8;

/// Whether progress is shown: on a terminal, outside CI.
pub fn wanted(stderr_is_terminal: bool, ci: bool) -> bool {
    stderr_is_terminal && !ci
}

/// Turns progress on when standard error is a terminal and the `CI` variable
/// is unset ([`wanted`]); the returned guard clears every line when dropped.
pub fn on_terminal() -> Shown {
    let on = wanted(
        std::io::stderr().is_terminal(),
        std::env::var_os("CI").is_some(),
    );
    let target = if on {
        ProgressDrawTarget::stderr_with_hz(HZ)
    } else {
        ProgressDrawTarget::hidden()
    };
    // N.B. set once, by the binary; a second call keeps the first target.
    let _ = LINES.set(MultiProgress::with_draw_target(target));
    Shown
}

/// Clears every progress line when dropped (see [`on_terminal`]).
#[derive(Debug)]
#[must_use = "progress lines are cleared when the guard drops"]
pub struct Shown;

impl Drop for Shown {
    fn drop(&mut self) {
        if let Some(bar) = PHASE.lock().unwrap_or_else(PoisonError::into_inner).take() {
            remove(&bar);
        }
        let _ = lines().clear();
    }
}

fn lines() -> &'static MultiProgress {
    LINES.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::hidden()))
}

/// Whether progress is drawn (see [`on_terminal`]).
pub fn enabled() -> bool {
    !lines().is_hidden()
}

fn style(template: &str) -> ProgressStyle {
    // N.B. the templates are constants of this module: a bad one is a bug.
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("━╸ ")
}

/// Shows `what` as the run's current phase, with the time since the run
/// began.
pub fn phase(what: &str) {
    if !enabled() {
        return;
    }
    let mut phase = PHASE.lock().unwrap_or_else(PoisonError::into_inner);
    let bar = phase.get_or_insert_with(|| {
        let bar = lines().insert(0, ProgressBar::new_spinner());
        bar.set_style(style("{spinner:.cyan} {msg} {elapsed:.dim}"));
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    bar.set_message(what.to_string());
}

/// Removes `bar`'s line for good.
fn remove(bar: &ProgressBar) {
    bar.finish_and_clear();
    lines().remove(bar);
}

/// A bar for reading the file `path` of `len` bytes (its name, the bytes
/// read, the percentage and the throughput): wrap the reader with
/// [`ProgressBar::wrap_read`], and call [`done_reading`] when the file is
/// read.
pub fn reading(path: &Path, len: u64) -> ProgressBar {
    if !enabled() {
        return ProgressBar::hidden();
    }
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let bar = lines().add(ProgressBar::new(len));
    bar.set_style(style(
        "  {msg} {bar:24.cyan/blue} {binary_bytes}/{binary_total_bytes} {percent:>3}% \
         {binary_bytes_per_sec}",
    ));
    bar.set_message(name);
    bar
}

/// Removes a file's bar once the file is read.
pub fn done_reading(bar: &ProgressBar) {
    remove(bar);
}

/// A computation of `total` units whose progress may be shown.
///
/// [`Task::advance`] may be called from several threads at once; the line
/// is removed when the task drops.
#[derive(Debug)]
pub struct Task {
    bar: ProgressBar,
}

impl Task {
    /// A task of `total` units, described by `label`.
    pub fn new(label: impl Into<String>, total: u64) -> Self {
        let bar = if enabled() {
            let bar = lines().add(ProgressBar::new(total.max(1)));
            bar.set_style(style(
                "  {msg} {bar:24.cyan/blue} {percent:>3}% ({elapsed}, about {eta} left)",
            ));
            bar.set_message(label.into());
            bar
        } else {
            ProgressBar::hidden()
        };
        Self { bar }
    }

    /// Records `units` more done.
    pub fn advance(&self, units: u64) {
        self.bar.inc(units);
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        remove(&self.bar);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_only_on_a_terminal_outside_ci() {
        assert!(wanted(true, false));
        assert!(!wanted(true, true));
        assert!(!wanted(false, false));
        assert!(!wanted(false, true));
    }

    #[test]
    fn a_task_counts_from_every_thread() {
        let task = Task::new("test", 1000);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..250 {
                        task.advance(1);
                    }
                });
            }
        });
        assert_eq!(task.bar.position(), 1000);
        // Nothing is drawn: progress is never turned on in tests.
        assert!(task.bar.is_hidden());
    }
}
