//! Collecting the problems of one file as its rows are read.
//!
//! A [`Collector`] keeps the first [`MAX_KEPT_PROBLEMS`] problems word for
//! word and counts every problem by column and kind, so that a file with
//! millions of bad values still gives exact counts in little memory. The
//! blocks of a file read in parallel each fill their own collector; they
//! are absorbed in file order, which keeps the kept problems and each
//! group's first problem the first ones in the file, whatever the number of
//! threads.

use super::problem::{Problem, ProblemGroup, show_value};
use super::read::{At, Meta};
use super::{FileInfo, FileLoad, MAX_KEPT_PROBLEMS, unreadable};
use hashbrown::hash_table::HashTable;
use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;
use std::path::Path;

/// Collects the problems of one file.
pub(super) struct Collector {
    file: String,
    problems: Vec<Problem>,
    count: usize,
    rejected: u64,
    pub(super) row_bad: bool,
    /// Every problem counted by column and kind, in order of first
    /// appearance.
    groups: Vec<ProblemGroup>,
    /// Each group's index in `groups`, by [`group_hash`] (kept with it).
    group_index: HashTable<(u64, usize)>,
}

/// The hash of a problem group's column and kind.
fn group_hash(column: &str, message: &str) -> u64 {
    FxBuildHasher.hash_one((column, message))
}

impl Collector {
    pub(super) fn new(path: &Path) -> Self {
        Self {
            file: path.display().to_string(),
            problems: Vec::new(),
            count: 0,
            rejected: 0,
            row_bad: false,
            groups: Vec::new(),
            group_index: HashTable::new(),
        }
    }

    /// Records a bad value (the only path that counts groups: the rows
    /// without problems never come here).
    pub(super) fn add(&mut self, at: At, column: &str, value: Option<&str>, message: String) {
        self.row_bad = true;
        self.count += 1;
        let keep = self.problems.len() < MAX_KEPT_PROBLEMS;
        let hash = group_hash(column, &message);
        let groups = &self.groups;
        let found = self
            .group_index
            .find(hash, |&(h, i)| {
                h == hash && groups[i].holds(Some(column), &message)
            })
            .map(|&(_, i)| i);
        if !keep && let Some(i) = found {
            self.groups[i].count += 1;
            return;
        }
        let problem = Problem {
            file: self.file.clone(),
            line: Some(at.line),
            column: Some(column.to_string()),
            value: value.map(show_value),
            message,
        };
        match found {
            Some(i) => self.groups[i].count += 1,
            None => {
                self.group_index
                    .insert_unique(hash, (hash, self.groups.len()), |&(h, _)| h);
                self.groups.push(ProblemGroup::one(problem.clone()));
            }
        }
        if keep {
            self.problems.push(problem);
        }
    }

    /// Starts a row.
    pub(super) fn start(&mut self) {
        self.row_bad = false;
    }

    /// Ends a row; true when it had no problem.
    pub(super) fn end(&mut self) -> bool {
        if self.row_bad {
            self.rejected += 1;
        }
        !self.row_bad
    }

    /// Adds the problems of the rows that follow this one's.
    ///
    /// The groups are merged: a group already here keeps its first problem
    /// (the earlier in the file) and adds the other's count; the others'
    /// new groups follow, in their order.
    pub(super) fn absorb(&mut self, other: Collector) {
        self.count += other.count;
        self.rejected += other.rejected;
        let room = MAX_KEPT_PROBLEMS.saturating_sub(self.problems.len());
        self.problems.extend(other.problems.into_iter().take(room));
        for g in other.groups {
            let column = g.first.column.as_deref().unwrap_or_default();
            let hash = group_hash(column, &g.first.message);
            let groups = &self.groups;
            let found = self
                .group_index
                .find(hash, |&(h, i)| {
                    h == hash && groups[i].holds(g.first.column.as_deref(), &g.first.message)
                })
                .map(|&(_, i)| i);
            match found {
                Some(i) => self.groups[i].count += g.count,
                None => {
                    self.group_index
                        .insert_unique(hash, (hash, self.groups.len()), |&(h, _)| h);
                    self.groups.push(g);
                }
            }
        }
    }

    pub(super) fn finish(self, meta: Result<Meta, Problem>) -> FileLoad {
        let meta = match meta {
            Ok(m) => m,
            Err(p) => return unreadable(p),
        };
        let mut load = FileLoad {
            info: Some(FileInfo {
                path: meta.file.clone(),
                sha256: meta.sha256,
                rows: meta.rows as u64,
                rejected_rows: self.rejected,
            }),
            problems: self.problems,
            problem_count: self.count,
            groups: self.groups,
        };
        load.problems.sort_by_key(|p| p.line.unwrap_or(0));
        load.groups.sort_by_key(|g| g.first.line.unwrap_or(0));
        load
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::io::intern::Interner;
    use crate::io::revenue::load_revenue;

    /// The problems are counted by column and kind over every row, past
    /// the kept ones and across the blocks read in parallel: the counts are
    /// exact, the first of each group is the first in the file, and one
    /// thread or two give the same groups.
    #[test]
    fn problem_groups_count_every_row_and_keep_the_first_in_the_file() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("revenue.csv");
        let n = 90_000usize;
        let mut text = String::from("user_id,timestamp,revenue\n");
        let (mut amounts, mut times) = (Vec::new(), Vec::new());
        for i in 0..n {
            let ts = if i % 11 == 5 {
                times.push(i as u64 + 2);
                format!("01/{:02}/2026", i % 28 + 1)
            } else {
                "2026-01-02T10:00:00Z".to_string()
            };
            let amount = if i % 7 == 3 {
                amounts.push(i as u64 + 2);
                format!("\"{},50\"", i % 100)
            } else {
                "12.50".to_string()
            };
            text.push_str(&format!("u{i:06},{ts},{amount}\n"));
        }
        assert!(text.len() > 2 * (1 << 20), "the file spans blocks");
        std::fs::write(&path, text).expect("the file is written");
        let mut seen = Vec::new();
        for threads in [1, 2] {
            let mut users = Interner::with_capacity(16);
            let (_, _, _, load) = load_revenue(&path, &Config::default(), &mut users, threads);
            assert_eq!(load.problem_count, amounts.len() + times.len());
            assert_eq!(load.problems.len(), MAX_KEPT_PROBLEMS);
            let summary: Vec<(String, u64, u64, String)> = load
                .groups
                .iter()
                .map(|g| {
                    (
                        g.first.column.clone().unwrap_or_default(),
                        g.count,
                        g.first.line.unwrap_or_default(),
                        g.first.value.clone().unwrap_or_default(),
                    )
                })
                .collect();
            assert_eq!(
                summary,
                [
                    (
                        "revenue".to_string(),
                        amounts.len() as u64,
                        amounts[0],
                        "3,50".to_string()
                    ),
                    (
                        "timestamp".to_string(),
                        times.len() as u64,
                        times[0],
                        "01/06/2026".to_string()
                    ),
                ],
                "{threads} threads"
            );
            seen.push(load.groups);
        }
        assert_eq!(seen[0], seen[1]);
    }
}
