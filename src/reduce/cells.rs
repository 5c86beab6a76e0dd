//! Rows → the lift's sufficient statistics: per (channel, window, segment),
//! the moments of both arms' mature users, in one pass over each channel's
//! cohort members (channels side by side).

use super::cohort::{self, ArmOutcomes, ChannelCohort, OrderIndex};
use crate::lift::{Arm, ArmStats};
use crate::model::{Dataset, Micros, Window};
use crate::summary::{CohortCounts, LiftCell, LiftCellOutcomes, Outcomes};

/// The counts of every channel's cohorts, in channel-code order.
pub fn counts(cohorts: &[ChannelCohort]) -> Vec<CohortCounts> {
    cohorts
        .iter()
        .map(|c| CohortCounts {
            channel: c.channel,
            exposed_users: c.exposed.len() as u64,
            control_users: c.control.len() as u64,
            contaminated: c.contaminated.len() as u64,
            exposed_all: c.exposed_all,
            exposed_span: c.exposed_span,
        })
        .collect()
}

/// The cells of every channel with users in its test (grouped by channel
/// in code order; per channel by window, then all users before each
/// segment), and the users' outcomes of each cell when `keep_users`.
pub fn cells(
    data: &Dataset,
    cohorts: &[ChannelCohort],
    windows: &[Window],
    as_of: Micros,
    keep_users: bool,
) -> (Vec<LiftCell>, Option<Vec<LiftCellOutcomes>>) {
    use rayon::prelude::*;
    let index = OrderIndex::new(&data.orders, data.users.len());
    let per_channel: Vec<(Vec<LiftCell>, Vec<LiftCellOutcomes>)> = cohorts
        .par_iter()
        .map(|c| channel_cells(data, &index, c, windows, as_of, keep_users))
        .collect();
    let mut cells = Vec::new();
    let mut users = Vec::new();
    for (c, u) in per_channel {
        cells.extend(c);
        users.extend(u);
    }
    (cells, keep_users.then_some(users))
}

fn channel_cells(
    data: &Dataset,
    index: &OrderIndex,
    c: &ChannelCohort,
    windows: &[Window],
    as_of: Micros,
    keep_users: bool,
) -> (Vec<LiftCell>, Vec<LiftCellOutcomes>) {
    let mut cells = Vec::new();
    let mut users = Vec::new();
    if c.exposed.is_empty() && c.control.is_empty() && c.contaminated.is_empty() {
        return (cells, users);
    }
    let exp = cohort::outcomes(&c.exposed, &data.orders, index, windows, as_of);
    let ctl = cohort::outcomes(&c.control, &data.orders, index, windows, as_of);
    let n_segments = data.segments.len();
    let segments: Vec<Option<u16>> = std::iter::once(None)
        .chain((0..n_segments).map(|s| Some(s as u16)))
        .collect();
    for (k, &w) in windows.iter().enumerate() {
        let exp_by_segment = split_by_segment(&exp[k], &data.user_segment, n_segments);
        let ctl_by_segment = split_by_segment(&ctl[k], &data.user_segment, n_segments);
        for &seg in &segments {
            let in_seg = |u: u32| {
                seg.is_none() || data.user_segment.get(u as usize).copied().flatten() == seg
            };
            let (e, k_arm) = match seg {
                None => (&exp[k], &ctl[k]),
                Some(i) => (
                    &exp_by_segment[usize::from(i)],
                    &ctl_by_segment[usize::from(i)],
                ),
            };
            if seg.is_some()
                && e.user.is_empty()
                && k_arm.user.is_empty()
                && e.immature_users.is_empty()
                && k_arm.immature_users.is_empty()
            {
                continue;
            }
            cells.push(LiftCell {
                channel: c.channel,
                window: w,
                segment: seg.map(|i| data.segments[usize::from(i)].clone()),
                exposed: ArmStats::of(&view(e)),
                control: ArmStats::of(&view(k_arm)),
                immature: (e.immature_users.len() + k_arm.immature_users.len()) as u64,
                contaminated: c.contaminated.iter().filter(|&&u| in_seg(u)).count() as u64,
            });
            if keep_users {
                users.push(LiftCellOutcomes {
                    exposed: arm(e),
                    control: arm(k_arm),
                });
            }
        }
    }
    (cells, users)
}

/// An arm's outcomes as the estimator reads them.
fn view(o: &ArmOutcomes) -> Arm<'_> {
    Arm {
        x: &o.x,
        y: &o.y,
        converted: &o.converted,
    }
}

/// The outcomes of an arm's mature users.
fn arm(o: &ArmOutcomes) -> Outcomes {
    Outcomes {
        x: o.x.clone(),
        y: o.y.clone(),
        converted: o.converted.clone(),
    }
}

/// The outcomes of `arm` split by the segment of each user: one
/// [`ArmOutcomes`] per segment, in user order (users without a segment are
/// in none).
fn split_by_segment(arm: &ArmOutcomes, user_segment: &[Option<u16>], n: usize) -> Vec<ArmOutcomes> {
    let segment_of = |u: u32| {
        user_segment
            .get(u as usize)
            .copied()
            .flatten()
            .map(usize::from)
    };
    let mut out = vec![ArmOutcomes::default(); n];
    for i in 0..arm.user.len() {
        if let Some(o) = segment_of(arm.user[i]).and_then(|s| out.get_mut(s)) {
            o.user.push(arm.user[i]);
            o.x.push(arm.x[i]);
            o.y.push(arm.y[i]);
            o.converted.push(arm.converted[i]);
        }
    }
    for &u in &arm.immature_users {
        if let Some(o) = segment_of(u).and_then(|s| out.get_mut(s)) {
            o.immature_users.push(u);
        }
    }
    out
}
