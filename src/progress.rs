//! Progress of a long computation, for a person watching a terminal.
//!
//! Off unless [`enable_on_terminal`] turned it on: the binary does so when
//! standard error is a terminal and `CI` is unset, so a pipe, a file or a CI
//! log never sees a progress character. A [`Task`] shows nothing during its
//! first two seconds; then one line on standard error, redrawn at most five
//! times a second, and cleared when the task ends.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// How long a task runs before its line appears.
const QUIET: Duration = Duration::from_secs(2);
/// The least time between two redraws.
const REDRAW: Duration = Duration::from_millis(200);

/// Turns progress lines on when standard error is a terminal and the `CI`
/// variable is unset.
pub fn enable_on_terminal() {
    let on = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether progress may be shown (see [`enable_on_terminal`]).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// A computation of `total` units whose progress may be shown.
///
/// [`Task::advance`] may be called from several threads at once.
#[derive(Debug)]
pub struct Task {
    label: String,
    total: u64,
    done: AtomicU64,
    start: Instant,
    /// When the line was last drawn (`None`: never).
    drawn: Mutex<Option<Instant>>,
}

impl Task {
    /// A task of `total` units, described by `label`.
    pub fn new(label: impl Into<String>, total: u64) -> Self {
        Self {
            label: label.into(),
            total: total.max(1),
            done: AtomicU64::new(0),
            start: Instant::now(),
            drawn: Mutex::new(None),
        }
    }

    /// Records `units` more done, and redraws the line when it is due.
    pub fn advance(&self, units: u64) {
        let done = self.done.fetch_add(units, Ordering::Relaxed) + units;
        if !enabled() {
            return;
        }
        let now = Instant::now();
        let elapsed = now.duration_since(self.start);
        if elapsed < QUIET {
            return;
        }
        let Ok(mut drawn) = self.drawn.try_lock() else {
            return;
        };
        if drawn.is_some_and(|t| now.duration_since(t) < REDRAW) {
            return;
        }
        *drawn = Some(now);
        let fraction = (done as f64 / self.total as f64).min(1.0);
        let left = if fraction > 0.0 {
            elapsed.as_secs_f64() * (1.0 - fraction) / fraction
        } else {
            0.0
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[K{}: {:>3.0}% ({:.0} s, about {:.0} s left)",
            self.label,
            100.0 * fraction,
            elapsed.as_secs_f64(),
            left
        );
        let _ = err.flush();
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if let Ok(drawn) = self.drawn.get_mut()
            && drawn.is_some()
        {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(task.done.load(Ordering::Relaxed), 1000);
        // Nothing was drawn: progress is off in tests (never enabled).
        assert!(task.drawn.lock().is_ok_and(|d| d.is_none()));
    }
}
