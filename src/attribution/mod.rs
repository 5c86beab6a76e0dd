//! Multi-touch attribution: which channels get the credit for each conversion.
//!
//! The contract's section "Attribution" is binding; in short, for a window of
//! `W` days:
//!
//! - **Touchpoints** are the exposures rows whose group is not control (a
//!   control row is a ghost exposure: the user was *not* shown anything).
//! - **Conversions** are orders with `revenue >= 0`. Each one looks back on its
//!   own: its path is the user's touchpoints with
//!   `order_ts − W days <= ts <= order_ts`, in time order (ties keep file
//!   order). A conversion with no touchpoint in its window is *unattributed*.
//! - **Refunds** (`revenue < 0`) are never attributed; they only enter the
//!   totals (`net_revenue = revenue + refunds`).
//! - **Non-converting paths**: a user with touchpoints and no order row at all
//!   contributes one path, their touchpoints in `[last_touch − W days,
//!   last_touch]`. Only the Markov model uses them (as paths to "null").
//!
//! Every model then splits each attributed conversion, and its revenue, over
//! channels, so that for every model and window
//!
//! ```text
//! Σ credited conversions + unattributed conversions = all conversions
//! Σ credited revenue     + unattributed revenue     = revenue of all conversions
//! ```
//!
//! Money is added with compensated (Neumaier) summation and the last rounding
//! remainder is given to the channel with the largest credit, so the identity
//! holds to floating-point precision, far below a cent.
//!
//! Paths are built in one pass over the exposures and orders, which `io`
//! sorted by (user, time, file row): a two-pointer window per user, never a
//! rescan of a user's touches per order. Results never depend on hash-map
//! iteration order (everything grouped is sorted before use).
//!
//! Models: [`rules`] (first touch, last touch, linear, time decay, position
//! based), [`markov`] (the removal-effect model of Anderl et al. 2016 as
//! implemented by the ChannelAttribution package, computed exactly) and
//! [`shapley`] (the simplified Shapley value of Zhao et al. 2018).
//!
//! # References
//!
//! - E. Anderl, I. Becker, F. von Wangenheim, J. H. Schumann (2016), *Mapping
//!   the customer journey: Lessons learned from graph-based online attribution
//!   modeling*, International Journal of Research in Marketing 33(3).
//! - D. Altomare, D. Loris, *ChannelAttribution* (R and Python package),
//!   <https://channelattribution.io>; cross-checked in
//!   `testdata/reference/channelattribution/`.
//! - K. Zhao, S. H. Mahboobi, S. R. Bagheri (2018), *Shapley Value Methods for
//!   Attribution Modeling in Online Advertising*, arXiv:1804.05327.

pub mod markov;
pub mod rules;
pub mod shapley;
pub(crate) mod weights;

use rustc_hash::FxHashMap as HashMap;
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::model::{Exposures, Group, MICROS_PER_DAY, Micros, Orders};
use crate::stats::sum::NeumaierSum;

pub use markov::MarkovExplain;
pub use rules::Rule;

/// Default half-life of the time-decay model, in days.
pub const DEFAULT_HALF_LIFE_DAYS: f64 = 7.0;
/// Default share of the first touch in the position-based model.
pub const DEFAULT_POSITION_FIRST: f64 = 0.4;
/// Default share of the last touch in the position-based model.
pub const DEFAULT_POSITION_LAST: f64 = 0.4;
/// Default order of the Markov chain.
pub const DEFAULT_MARKOV_ORDER: usize = 1;
/// Highest Markov order supported.
pub const MAX_MARKOV_ORDER: usize = markov::MAX_ORDER;

/// An attribution model (`--model`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// All credit to the first touch of the path.
    FirstTouch,
    /// All credit to the last touch of the path.
    LastTouch,
    /// Each touch `1 / len`.
    Linear,
    /// Touch weight `2^(−age / half_life)`, normalised per conversion.
    TimeDecay,
    /// 40% first, 40% last, 20% shared by the middle touches.
    PositionBased,
    /// Removal effect on a Markov chain of the paths.
    Markov,
    /// Simplified Shapley value over the path's channel set.
    Shapley,
}

impl Model {
    /// Every model, in the order reports list them.
    pub const ALL: [Model; 7] = [
        Model::FirstTouch,
        Model::LastTouch,
        Model::Linear,
        Model::TimeDecay,
        Model::PositionBased,
        Model::Markov,
        Model::Shapley,
    ];

    /// The model's name in the contract (`"first_touch"`, …, `"shapley"`).
    pub fn name(self) -> &'static str {
        match self {
            Model::FirstTouch => "first_touch",
            Model::LastTouch => "last_touch",
            Model::Linear => "linear",
            Model::TimeDecay => "time_decay",
            Model::PositionBased => "position_based",
            Model::Markov => "markov",
            Model::Shapley => "shapley",
        }
    }

    /// The model with this contract name, if any.
    pub fn from_name(name: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.name() == name)
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How far a simulated walk on the Markov chain may go (`--markov-horizon`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Horizon {
    /// At most `K` channel states, `K` = longest collapsed path + 1 (the
    /// ChannelAttribution package's default `max_step`).
    Auto,
    /// At most this many channel states (the package's `max_step`).
    Steps(usize),
    /// No limit: the absorption probability of the chain.
    Infinite,
}

/// Settings of the models.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Half-life of the time-decay model, in days (default 7).
    pub half_life_days: f64,
    /// Share of the first touch in the position-based model (default 0.4).
    pub position_first: f64,
    /// Share of the last touch in the position-based model (default 0.4).
    pub position_last: f64,
    /// Order of the Markov chain, 1..=3 (default 1).
    pub markov_order: usize,
    /// Walk horizon of the Markov model (default [`Horizon::Auto`]).
    pub markov_horizon: Horizon,
    /// The most work a window's Markov chains may take, in multiply–adds
    /// (`None`: no limit; default [`markov::DEFAULT_WORK_LIMIT`]). It
    /// decides whether the model runs, never what it gives, so reports
    /// leave it out.
    #[serde(skip, default = "default_work_limit")]
    pub markov_work_limit: Option<f64>,
}

fn default_work_limit() -> Option<f64> {
    Some(markov::DEFAULT_WORK_LIMIT)
}

impl Default for Params {
    fn default() -> Self {
        Self {
            half_life_days: DEFAULT_HALF_LIFE_DAYS,
            position_first: DEFAULT_POSITION_FIRST,
            position_last: DEFAULT_POSITION_LAST,
            markov_order: DEFAULT_MARKOV_ORDER,
            markov_horizon: Horizon::Auto,
            markov_work_limit: default_work_limit(),
        }
    }
}

impl Params {
    /// Checks that every setting is usable.
    ///
    /// # Errors
    ///
    /// [`ParamsError`] names the first setting out of range. The models
    /// themselves never fail: given unchecked settings they clamp them (the
    /// Markov order to 1..=3, a horizon of 0 steps to 1).
    pub fn validate(&self) -> Result<(), ParamsError> {
        if !(self.half_life_days.is_finite() && self.half_life_days > 0.0) {
            return Err(ParamsError::HalfLife(self.half_life_days));
        }
        let (first, last) = (self.position_first, self.position_last);
        let shares_ok = first.is_finite()
            && last.is_finite()
            && first >= 0.0
            && last >= 0.0
            && first + last > 0.0
            && first + last <= 1.0;
        if !shares_ok {
            return Err(ParamsError::PositionShares { first, last });
        }
        if !(1..=MAX_MARKOV_ORDER).contains(&self.markov_order) {
            return Err(ParamsError::MarkovOrder(self.markov_order));
        }
        if self.markov_horizon == Horizon::Steps(0) {
            return Err(ParamsError::Horizon);
        }
        Ok(())
    }
}

/// A setting of [`Params`] out of range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// The half-life is not a positive number of days.
    #[error("the time-decay half-life must be a positive number of days, got {0}")]
    HalfLife(f64),
    /// The position-based shares are negative or add up to more than 1.
    #[error(
        "the position-based shares must be >= 0 and add up to more than 0 and at most 1, \
         got first {first} and last {last}"
    )]
    PositionShares {
        /// Share of the first touch.
        first: f64,
        /// Share of the last touch.
        last: f64,
    },
    /// The Markov order is outside 1..=3.
    #[error("the Markov order must be 1, 2 or 3, got {0}")]
    MarkovOrder(usize),
    /// A Markov horizon of zero steps.
    #[error("the Markov horizon must be at least 1 step (or `inf`)")]
    Horizon,
}

/// A model that cannot run on the paths it was given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AttributionError {
    /// The model needs each touch's time, which a [`GroupedPath`] does not keep.
    #[error("the {0} model needs each touch's timestamp, which a grouped path does not keep")]
    NeedsTimestamps(Model),
    /// Solving the Markov chain would take more work than the limit allows.
    #[error("{0}")]
    MarkovWork(markov::TooMuchWork),
}

/// The credit one channel receives from one model in one window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChannelCredit {
    /// Channel code.
    pub channel: u16,
    /// Credited conversions (fractional).
    pub conversions: f64,
    /// Credited conversion revenue.
    pub revenue: f64,
}

/// One model's credits in one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelResult {
    /// The model.
    pub model: Model,
    /// One entry per channel that received credit or appears in a path of the
    /// window (converting or not), sorted by channel code.
    pub credits: Vec<ChannelCredit>,
}

/// The window's totals, the same for every model (`attribution_totals`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Totals {
    /// Conversions (orders with `revenue >= 0`).
    pub conversions: u64,
    /// Revenue of all conversions.
    pub revenue: f64,
    /// Conversions with no touchpoint in their window.
    pub unattributed_conversions: u64,
    /// Revenue of the unattributed conversions.
    pub unattributed_revenue: f64,
    /// Sum of the refunds (orders with `revenue < 0`): zero or negative.
    pub refunds: f64,
    /// `revenue + refunds`.
    pub net_revenue: f64,
}

impl Totals {
    /// What the models split: the attributed conversions and their revenue.
    pub fn targets(&self) -> (f64, f64) {
        let conversions = (self.conversions - self.unattributed_conversions) as f64;
        let mut revenue = NeumaierSum::default();
        revenue.add(self.revenue);
        revenue.add(-self.unattributed_revenue);
        (conversions, revenue.value())
    }
}

/// Every model's result for one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowAttribution {
    /// Look-back window in days.
    pub window_days: u16,
    /// One result per model asked for, in the order asked.
    pub models: Vec<ModelResult>,
    /// The window's totals.
    pub totals: Totals,
}

/// The touchpoints: exposures rows that are not control, in the exposures'
/// order (user, time, file row). Columnar, like [`Exposures`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Touchpoints {
    /// Interned user id.
    pub user: Vec<u32>,
    /// Channel code.
    pub channel: Vec<u16>,
    /// Touch time.
    pub ts: Vec<Micros>,
}

impl Touchpoints {
    /// Keeps the exposed and organic rows of `exposures` (drops control rows).
    pub fn from_exposures(exposures: &Exposures) -> Self {
        let n = exposures
            .group
            .iter()
            .filter(|g| **g != Group::Control)
            .count();
        let mut tp = Touchpoints {
            user: Vec::with_capacity(n),
            channel: Vec::with_capacity(n),
            ts: Vec::with_capacity(n),
        };
        let rows = exposures
            .user
            .iter()
            .zip(&exposures.channel)
            .zip(&exposures.ts)
            .zip(&exposures.group);
        for (((&user, &channel), &ts), &group) in rows {
            if group != Group::Control {
                tp.user.push(user);
                tp.channel.push(channel);
                tp.ts.push(ts);
            }
        }
        tp
    }

    /// Number of touchpoints.
    pub fn len(&self) -> usize {
        self.user.len()
    }

    /// True when there are no touchpoints.
    pub fn is_empty(&self) -> bool {
        self.user.is_empty()
    }

    /// The channels of a span of touchpoints.
    pub fn channels(&self, span: TouchSpan) -> &[u16] {
        &self.channel[span.range()]
    }
}

/// A contiguous run of one user's touchpoints, `start..end` (indices into
/// [`Touchpoints`]; fewer than 2³² rows, like [`Exposures::row`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TouchSpan {
    /// First touch.
    pub start: u32,
    /// One past the last touch.
    pub end: u32,
}

impl TouchSpan {
    /// The span as a range of indices.
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
    /// Number of touches.
    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }
    /// True for an empty span.
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }
}

/// One attributed conversion and its path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConversionPath {
    /// Its touchpoints, in time order.
    pub touches: TouchSpan,
    /// Order time.
    pub order_ts: Micros,
    /// Order revenue (`>= 0`).
    pub revenue: f64,
}

/// Every path of one window.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowPaths {
    /// Look-back window in days.
    pub window_days: u16,
    /// Attributed conversions (at least one touch), in (user, time) order.
    pub conversions: Vec<ConversionPath>,
    /// One path per user with touchpoints and no order row at all.
    pub non_converting: Vec<TouchSpan>,
    /// Totals of the window.
    pub totals: Totals,
}

impl WindowPaths {
    /// Every path as a [`PathRef`]: conversions first (1 conversion each),
    /// then the non-converting paths (1 null each).
    pub fn path_refs<'a>(&'a self, tp: &'a Touchpoints) -> impl Iterator<Item = PathRef<'a>> + 'a {
        let converting = self.conversions.iter().map(move |c| PathRef {
            channels: tp.channels(c.touches),
            conversions: 1,
            revenue: c.revenue,
            nulls: 0,
        });
        let null = self.non_converting.iter().map(move |&span| PathRef {
            channels: tp.channels(span),
            conversions: 0,
            revenue: 0.0,
            nulls: 1,
        });
        converting.chain(null)
    }
}

/// One distinct channel sequence with the outcomes of every path that took it:
/// a row of the ChannelAttribution package's input (`path`,
/// `total_conversions`, `total_conversion_value`, `total_null`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupedPath {
    /// Channel codes in time order (repeats kept).
    pub channels: Vec<u16>,
    /// Conversions of the paths.
    pub conversions: u64,
    /// Revenue of those conversions.
    pub revenue: f64,
    /// Paths that did not convert.
    pub nulls: u64,
}

impl GroupedPath {
    /// Borrows the path as a [`PathRef`].
    pub fn as_path_ref(&self) -> PathRef<'_> {
        PathRef {
            channels: &self.channels,
            conversions: self.conversions,
            revenue: self.revenue,
            nulls: self.nulls,
        }
    }
}

/// A borrowed path with its outcomes: the common input of the models.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathRef<'a> {
    /// Channel codes in time order.
    pub channels: &'a [u16],
    /// Conversions.
    pub conversions: u64,
    /// Revenue of those conversions.
    pub revenue: f64,
    /// Non-conversions.
    pub nulls: u64,
}

/// The paths of several windows, built in one pass.
///
/// A conversion's path in a window is the tail of its path in any longer
/// window (the same order time, an earlier start), so every window's paths
/// are kept as the longest window's path and, per window, where its own
/// path starts. The attribution pass uses this to compute a path's weights
/// once for all the windows in which it is the same.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedPaths {
    /// Look-back windows in days, ascending and distinct.
    pub windows: Vec<u16>,
    /// Conversions with at least one touch in the longest window, in
    /// (user, time) order; `touches` is the longest window's path.
    pub conversions: Vec<ConversionPath>,
    /// `starts[i * windows.len() + w]`: the first touch of conversion `i`'s
    /// path in window `w` (its `touches.end` when that path is empty).
    pub starts: Vec<u32>,
    /// One path per user with touchpoints and no order row at all, in the
    /// longest window.
    pub non_converting: Vec<TouchSpan>,
    /// `non_converting_starts[i * windows.len() + w]`: where that path
    /// starts in window `w` (never empty: the last touch is in every window).
    pub non_converting_starts: Vec<u32>,
    /// Totals of each window.
    pub totals: Vec<Totals>,
}

impl NestedPaths {
    /// The paths of window `w` (an index into [`Self::windows`]) on their own.
    pub fn window(&self, w: usize) -> WindowPaths {
        let k = self.windows.len();
        let conversions = self
            .conversions
            .iter()
            .zip(self.starts.chunks_exact(k))
            .filter(|(c, s)| s[w] < c.touches.end)
            .map(|(c, s)| ConversionPath {
                touches: TouchSpan {
                    start: s[w],
                    end: c.touches.end,
                },
                ..*c
            })
            .collect();
        let non_converting = self
            .non_converting
            .iter()
            .zip(self.non_converting_starts.chunks_exact(k))
            .map(|(p, s)| TouchSpan {
                start: s[w],
                end: p.end,
            })
            .collect();
        WindowPaths {
            window_days: self.windows[w],
            conversions,
            non_converting,
            totals: self.totals[w],
        }
    }
}

/// Builds the paths of one window in a single pass over the sorted arrays.
///
/// `touchpoints` and `orders` must be sorted by (user, time, file row), as
/// `io` delivers them. Per user, two pointers (`lo`, `hi`) move forward over
/// the user's touches as the orders advance in time, so the cost is
/// O(touchpoints + orders) whatever the window.
///
/// # Formula
///
/// ```text
/// conversion o (revenue >= 0):  path = { t : user(t) = user(o), ts(o) − W days <= ts(t) <= ts(o) }
/// user u with no order row:     path = { t : user(t) = u, last(u) − W days <= ts(t) <= last(u) }
/// ```
pub fn build_paths(touchpoints: &Touchpoints, orders: &Orders, window_days: u16) -> WindowPaths {
    build_nested(touchpoints, orders, &[window_days]).window(0)
}

/// Builds the paths of every window of `windows` in one pass (as
/// [`build_paths`] builds one window's: one `lo` pointer per window).
pub fn build_nested(touchpoints: &Touchpoints, orders: &Orders, windows: &[u16]) -> NestedPaths {
    let mut windows = windows.to_vec();
    windows.sort_unstable();
    windows.dedup();
    let k = windows.len();
    let spans: Vec<i64> = windows
        .iter()
        .map(|&w| i64::from(w) * MICROS_PER_DAY)
        .collect();
    let (nt, no) = (touchpoints.len(), orders.len());
    let mut conversions = Vec::new();
    let mut starts = Vec::new();
    let mut non_converting = Vec::new();
    let mut non_converting_starts = Vec::new();

    let mut revenue = NeumaierSum::default();
    let mut refunds = NeumaierSum::default();
    let mut n_conversions = 0u64;
    let mut unattributed = vec![(0u64, NeumaierSum::default()); k];
    let mut lo = vec![0usize; k];

    let (mut ti, mut oi) = (0usize, 0usize);
    while k > 0 && (ti < nt || oi < no) {
        let user = match (touchpoints.user.get(ti), orders.user.get(oi)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        let t_start = ti;
        while ti < nt && touchpoints.user[ti] == user {
            ti += 1;
        }
        let t_end = ti;
        let o_start = oi;
        while oi < no && orders.user[oi] == user {
            oi += 1;
        }
        let o_end = oi;
        let ts = &touchpoints.ts[t_start..t_end];

        if o_start == o_end {
            // N.B. only a user with no order row of any sign gives a
            // non-converting path; a refund alone is still an order row.
            if let Some(&last) = ts.last() {
                for &span in &spans {
                    let from = last.saturating_sub(span);
                    let lo = t_start + ts.partition_point(|&t| t < from);
                    non_converting_starts.push(lo as u32);
                }
                let longest = non_converting_starts[non_converting_starts.len() - 1];
                non_converting.push(span(longest as usize, t_end));
            }
            continue;
        }

        // Window [order_ts − W, order_ts] as offsets into `ts`; both ends only
        // move forward because the user's orders are in time order.
        lo.fill(0);
        let mut hi = 0usize;
        for o in o_start..o_end {
            let r = orders.revenue[o];
            if r < 0.0 {
                refunds.add(r);
                continue;
            }
            n_conversions += 1;
            revenue.add(r);
            let order_ts = orders.ts[o];
            while hi < ts.len() && ts[hi] <= order_ts {
                hi += 1;
            }
            for (lo, (&span, un)) in lo.iter_mut().zip(spans.iter().zip(&mut unattributed)) {
                let from = order_ts.saturating_sub(span);
                while *lo < hi && ts[*lo] < from {
                    *lo += 1;
                }
                if *lo == hi {
                    un.0 += 1;
                    un.1.add(r);
                }
            }
            if lo[k - 1] < hi {
                starts.extend(lo.iter().map(|&l| (t_start + l) as u32));
                conversions.push(ConversionPath {
                    touches: span(t_start + lo[k - 1], t_start + hi),
                    order_ts,
                    revenue: r,
                });
            }
        }
    }

    let mut net = revenue;
    net.add(refunds.value());
    let totals = unattributed
        .iter()
        .map(|(n, r)| Totals {
            conversions: n_conversions,
            revenue: revenue.value(),
            unattributed_conversions: *n,
            unattributed_revenue: r.value(),
            refunds: refunds.value(),
            net_revenue: net.value(),
        })
        .collect();
    NestedPaths {
        windows,
        conversions,
        starts,
        non_converting,
        non_converting_starts,
        totals,
    }
}

fn span(start: usize, end: usize) -> TouchSpan {
    // N.B. touchpoints are exposures rows, whose positions fit in u32
    // (`Exposures::row`), so these casts do not truncate.
    TouchSpan {
        start: start as u32,
        end: end as u32,
    }
}

/// Groups a window's paths by channel sequence, sorted by that sequence: the
/// package's input format, and a compact form for inspection (`--explain`).
pub fn group_paths(touchpoints: &Touchpoints, paths: &WindowPaths) -> Vec<GroupedPath> {
    struct Agg {
        conversions: u64,
        revenue: NeumaierSum,
        nulls: u64,
    }
    let mut groups: HashMap<&[u16], Agg> = HashMap::default();
    for p in paths.path_refs(touchpoints) {
        let agg = groups.entry(p.channels).or_insert(Agg {
            conversions: 0,
            revenue: NeumaierSum::default(),
            nulls: 0,
        });
        agg.conversions += p.conversions;
        agg.revenue.add(p.revenue);
        agg.nulls += p.nulls;
    }
    let mut out: Vec<GroupedPath> = groups
        .into_iter()
        .map(|(channels, agg)| GroupedPath {
            channels: channels.to_vec(),
            conversions: agg.conversions,
            revenue: agg.revenue.value(),
            nulls: agg.nulls,
        })
        .collect();
    out.sort_unstable_by(|a, b| a.channels.cmp(&b.channels));
    out
}

/// Builds paths once per window and runs every model for every window.
///
/// `n_channels` is the size of the channel name table (codes beyond it are
/// still credited). Models are run in the order given.
pub fn run_all(
    exposures: &Exposures,
    orders: &Orders,
    n_channels: usize,
    windows: &[u16],
    models: &[Model],
    params: &Params,
) -> Vec<WindowAttribution> {
    let touchpoints = Touchpoints::from_exposures(exposures);
    windows
        .iter()
        .map(|&w| {
            let paths = build_paths(&touchpoints, orders, w);
            let results = models
                .iter()
                .map(|&m| attribute_window(&touchpoints, &paths, m, params, n_channels))
                .collect();
            WindowAttribution {
                window_days: w,
                models: results,
                totals: paths.totals,
            }
        })
        .collect()
}

/// Runs one model on one window's paths.
///
/// Rule-based models and Shapley walk the conversions one by one (time decay
/// needs each conversion's own touch ages); Markov groups the paths by state
/// sequence first.
pub fn attribute_window(
    touchpoints: &Touchpoints,
    paths: &WindowPaths,
    model: Model,
    params: &Params,
    n_channels: usize,
) -> ModelResult {
    let mut credits = Credits::new(n_channels);
    for p in paths.path_refs(touchpoints) {
        credits.mark_present(p.channels);
    }
    let (target_conversions, target_revenue) = paths.totals.targets();

    match (model, Rule::of(model)) {
        (_, Some(rule)) => {
            let mut weights = Vec::new();
            for c in &paths.conversions {
                let range = c.touches.range();
                let ts = &touchpoints.ts[range.clone()];
                let age_days = |i: usize| (c.order_ts - ts[i]) as f64 / MICROS_PER_DAY as f64;
                rules::touch_weights(rule, ts.len(), age_days, params, &mut weights);
                for (&channel, &w) in touchpoints.channel[range].iter().zip(&weights) {
                    credits.add(channel, w, w * c.revenue);
                }
            }
        }
        (Model::Markov, None) => {
            let shares = markov::shares(paths.path_refs(touchpoints), params);
            credits.add_shares(&shares, target_conversions, target_revenue);
        }
        (_, None) => {
            let mut shares = Vec::new();
            for c in &paths.conversions {
                shapley::channel_shares(touchpoints.channels(c.touches), &mut shares);
                for &(channel, w) in &shares {
                    credits.add(channel, w, w * c.revenue);
                }
            }
        }
    }
    credits.finish(model, target_conversions, target_revenue)
}

/// Runs one model on pre-built grouped paths (the ChannelAttribution
/// package's input): each path's conversions and revenue are split as one
/// conversion of that path would be, times its count.
///
/// # Errors
///
/// [`AttributionError::NeedsTimestamps`] for [`Model::TimeDecay`]: a grouped
/// path has lost its touch times ([`attribute_window`] computes it).
pub fn attribute_paths(
    paths: &[GroupedPath],
    model: Model,
    params: &Params,
) -> Result<ModelResult, AttributionError> {
    let mut credits = Credits::new(0);
    let mut target_conversions = 0u64;
    let mut target_revenue = NeumaierSum::default();
    for p in paths {
        credits.mark_present(&p.channels);
        target_conversions += p.conversions;
        target_revenue.add(p.revenue);
    }
    let (target_conversions, target_revenue) = (target_conversions as f64, target_revenue.value());

    match (model, Rule::of(model)) {
        (_, Some(Rule::TimeDecay)) => return Err(AttributionError::NeedsTimestamps(model)),
        (_, Some(rule)) => {
            let mut weights = Vec::new();
            for p in paths.iter().filter(|p| p.conversions > 0) {
                rules::touch_weights(rule, p.channels.len(), |_| 0.0, params, &mut weights);
                for (&channel, &w) in p.channels.iter().zip(&weights) {
                    credits.add(channel, w * p.conversions as f64, w * p.revenue);
                }
            }
        }
        (Model::Markov, None) => {
            let shares = markov::shares(paths.iter().map(GroupedPath::as_path_ref), params);
            credits.add_shares(&shares, target_conversions, target_revenue);
        }
        (_, None) => {
            let mut shares = Vec::new();
            for p in paths.iter().filter(|p| p.conversions > 0) {
                shapley::channel_shares(&p.channels, &mut shares);
                for &(channel, w) in &shares {
                    credits.add(channel, w * p.conversions as f64, w * p.revenue);
                }
            }
        }
    }
    Ok(credits.finish(model, target_conversions, target_revenue))
}

/// A model's result from credits computed elsewhere (a warehouse's
/// time-decay aggregate): `credits` are (channel, conversions, revenue);
/// every channel of `present` gets a row, and the totals are settled to the
/// targets as [`attribute_window`] settles them.
pub fn from_credits(
    model: Model,
    credits: &[(u16, f64, f64)],
    present: &[u16],
    target_conversions: f64,
    target_revenue: f64,
) -> ModelResult {
    let mut out = Credits::new(0);
    out.mark_present(present);
    for &(channel, conversions, revenue) in credits {
        out.add(channel, conversions, revenue);
    }
    out.finish(model, target_conversions, target_revenue)
}

/// A Markov result from removal-effect shares computed elsewhere (from a
/// warehouse's transition counts): the targets are split by the shares,
/// every channel of `present` gets a row, and the totals are settled.
pub fn from_shares(
    model: Model,
    shares: &markov::Shares,
    present: &[u16],
    target_conversions: f64,
    target_revenue: f64,
) -> ModelResult {
    let mut out = Credits::new(0);
    out.mark_present(present);
    out.add_shares(shares, target_conversions, target_revenue);
    out.finish(model, target_conversions, target_revenue)
}

/// The Markov chain of grouped paths, for `--explain markov`: its states,
/// transition probabilities, base conversion probability, horizon and every
/// channel's removal effect.
///
/// # Errors
///
/// [`AttributionError::MarkovWork`] when solving the chain would take more
/// than `params.markov_work_limit`.
pub fn explain_markov(
    paths: &[GroupedPath],
    params: &Params,
) -> Result<MarkovExplain, AttributionError> {
    markov::explain(paths.iter().map(GroupedPath::as_path_ref), params)
}

/// Per-channel running credits of one model.
#[derive(Debug, Clone)]
pub(crate) struct Credits {
    conversions: Vec<NeumaierSum>,
    revenue: Vec<NeumaierSum>,
    present: Vec<bool>,
}

impl Credits {
    pub(crate) fn new(n_channels: usize) -> Self {
        Self {
            conversions: vec![NeumaierSum::default(); n_channels],
            revenue: vec![NeumaierSum::default(); n_channels],
            present: vec![false; n_channels],
        }
    }

    #[inline]
    fn slot(&mut self, channel: u16) -> usize {
        let i = usize::from(channel);
        if i >= self.present.len() {
            self.conversions.resize(i + 1, NeumaierSum::default());
            self.revenue.resize(i + 1, NeumaierSum::default());
            self.present.resize(i + 1, false);
        }
        i
    }

    pub(crate) fn mark_present(&mut self, channels: &[u16]) {
        for &c in channels {
            let i = self.slot(c);
            self.present[i] = true;
        }
    }

    #[inline]
    pub(crate) fn add(&mut self, channel: u16, conversions: f64, revenue: f64) {
        let i = self.slot(channel);
        self.present[i] = true;
        self.conversions[i].add(conversions);
        self.revenue[i].add(revenue);
    }

    pub(crate) fn add_shares(&mut self, shares: &markov::Shares, conversions: f64, revenue: f64) {
        for &(channel, s) in &shares.conversion {
            self.add(channel, s * conversions, 0.0);
        }
        for &(channel, s) in &shares.value {
            self.add(channel, 0.0, s * revenue);
        }
    }

    /// Adds the credits of `other` (of the conversions that follow this
    /// one's).
    pub(crate) fn merge(&mut self, other: &Credits) {
        for (i, &p) in other.present.iter().enumerate() {
            if p {
                let i = self.slot(i as u16);
                self.present[i] = true;
                self.conversions[i].merge(&other.conversions[i]);
                self.revenue[i].merge(&other.revenue[i]);
            }
        }
    }

    /// Marks every channel `present` marks.
    pub(crate) fn mark_all(&mut self, present: &[bool]) {
        for (i, &p) in present.iter().enumerate() {
            if p {
                let i = self.slot(i as u16);
                self.present[i] = true;
            }
        }
    }

    /// The credits, with the rounding remainder of each total given to the
    /// channel with the largest credit so that the totals match exactly.
    pub(crate) fn finish(
        self,
        model: Model,
        target_conversions: f64,
        target_revenue: f64,
    ) -> ModelResult {
        let mut credits: Vec<ChannelCredit> = self
            .present
            .iter()
            .enumerate()
            .filter(|(_, p)| **p)
            .map(|(i, _)| ChannelCredit {
                channel: i as u16,
                conversions: self.conversions[i].value(),
                revenue: self.revenue[i].value(),
            })
            .collect();
        settle(&mut credits, target_conversions, |c| &mut c.conversions);
        settle(&mut credits, target_revenue, |c| &mut c.revenue);
        ModelResult { model, credits }
    }
}

/// Adds `target − Σ field` to the largest field (the first one on ties).
fn settle(
    credits: &mut [ChannelCredit],
    target: f64,
    field: impl Fn(&mut ChannelCredit) -> &mut f64,
) {
    let mut sum = NeumaierSum::default();
    let mut largest: Option<(usize, f64)> = None;
    for (i, c) in credits.iter_mut().enumerate() {
        let v = *field(c);
        sum.add(v);
        if largest.is_none_or(|(_, best)| v > best) {
            largest = Some((i, v));
        }
    }
    let remainder = target - sum.value();
    if let Some((i, _)) = largest
        && remainder != 0.0
    {
        *field(&mut credits[i]) += remainder;
    }
}

/// The ChannelAttribution fixture (`testdata/reference/channelattribution/`),
/// shared by the tests of the models.
#[cfg(test)]
pub(crate) mod reference {
    use super::GroupedPath;

    /// The fixture's paths, in the package's input format.
    pub const PATHS_CSV: &str =
        include_str!("../../testdata/reference/channelattribution/paths.csv");
    /// What `make_reference.py` got from the package.
    pub const REFERENCE_JSON: &str =
        include_str!("../../testdata/reference/channelattribution/reference.json");
    /// The fixture's channels; a channel's code is its index (sorted by name,
    /// as `io` codes channels).
    pub const CHANNELS: [&str; 4] = ["display", "email", "search", "social"];

    /// The channel code of a fixture channel name.
    pub fn code(name: &str) -> u16 {
        let i = CHANNELS.iter().position(|c| *c == name.trim());
        i.expect("the fixture uses only the four channels") as u16
    }

    /// `paths.csv` as grouped paths.
    pub fn grouped_paths() -> Vec<GroupedPath> {
        PATHS_CSV
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let cells: Vec<&str> = line.split(',').collect();
                assert_eq!(cells.len(), 4, "{line}");
                GroupedPath {
                    channels: cells[0].split('>').map(code).collect(),
                    conversions: cells[1].parse().expect("total_conversions"),
                    revenue: cells[2].parse().expect("total_conversion_value"),
                    nulls: cells[3].parse().expect("total_null"),
                }
            })
            .collect()
    }

    /// `reference.json`.
    pub fn load() -> serde_json::Value {
        serde_json::from_str(REFERENCE_JSON).expect("reference.json is JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Group::{Control, Exposed, Organic};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const DAY: i64 = MICROS_PER_DAY;
    const IDENTITY_EPS: f64 = 1e-6;

    /// Exposures from (user, channel, day, group) rows, already sorted.
    fn exposures(rows: &[(u32, u16, f64, Group)]) -> Exposures {
        let mut e = Exposures::default();
        for (i, &(user, channel, day, group)) in rows.iter().enumerate() {
            e.user.push(user);
            e.channel.push(channel);
            e.ts.push((day * DAY as f64) as i64);
            e.group.push(group);
            e.cost.push(0.0);
            e.campaign.push(u32::MAX);
            e.row.push(i as u32);
        }
        e
    }

    /// Orders from (user, day, revenue) rows, already sorted.
    fn orders(rows: &[(u32, f64, f64)]) -> Orders {
        let mut o = Orders::default();
        for (i, &(user, day, revenue)) in rows.iter().enumerate() {
            o.user.push(user);
            o.ts.push((day * DAY as f64) as i64);
            o.revenue.push(revenue);
            o.row.push(i as u32);
        }
        o
    }

    fn credit(result: &ModelResult, channel: u16) -> (f64, f64) {
        result
            .credits
            .iter()
            .find(|c| c.channel == channel)
            .map_or((0.0, 0.0), |c| (c.conversions, c.revenue))
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    fn assert_conservation(w: &WindowAttribution) {
        let t = &w.totals;
        for m in &w.models {
            let conv: f64 = m.credits.iter().map(|c| c.conversions).sum();
            let rev: f64 = m.credits.iter().map(|c| c.revenue).sum();
            assert!(
                (conv + t.unattributed_conversions as f64 - t.conversions as f64).abs()
                    < IDENTITY_EPS,
                "{} window {}: conversions {conv} + {} != {}",
                m.model,
                w.window_days,
                t.unattributed_conversions,
                t.conversions
            );
            assert!(
                (rev + t.unattributed_revenue - t.revenue).abs() < IDENTITY_EPS,
                "{} window {}: revenue {rev} + {} != {}",
                m.model,
                w.window_days,
                t.unattributed_revenue,
                t.revenue
            );
            assert!(m.credits.windows(2).all(|p| p[0].channel < p[1].channel));
            assert!(
                m.credits
                    .iter()
                    .all(|c| c.conversions >= -1e-12 && c.revenue.is_finite())
            );
        }
        assert!(close(t.revenue + t.refunds, t.net_revenue));
    }

    #[test]
    fn model_names_match_the_contract_and_serde() {
        let names: Vec<&str> = Model::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(
            names,
            [
                "first_touch",
                "last_touch",
                "linear",
                "time_decay",
                "position_based",
                "markov",
                "shapley"
            ]
        );
        for m in Model::ALL {
            let json = serde_json::to_string(&m).expect("serializes");
            assert_eq!(json, format!("\"{}\"", m.name()));
            assert_eq!(Model::from_name(m.name()), Some(m));
        }
        assert_eq!(Model::from_name("u_shaped"), None);
    }

    #[test]
    fn default_params_are_valid_and_bad_ones_are_named() {
        assert_eq!(Params::default().validate(), Ok(()));
        let bad = Params {
            half_life_days: 0.0,
            ..Params::default()
        };
        assert_eq!(bad.validate(), Err(ParamsError::HalfLife(0.0)));
        let bad = Params {
            position_first: 0.7,
            ..Params::default()
        };
        assert!(matches!(
            bad.validate(),
            Err(ParamsError::PositionShares { .. })
        ));
        let bad = Params {
            markov_order: 4,
            ..Params::default()
        };
        assert_eq!(bad.validate(), Err(ParamsError::MarkovOrder(4)));
        let bad = Params {
            markov_horizon: Horizon::Steps(0),
            ..Params::default()
        };
        assert_eq!(bad.validate(), Err(ParamsError::Horizon));
    }

    #[test]
    fn control_rows_are_not_touchpoints() {
        let e = exposures(&[
            (0, 0, 1.0, Exposed),
            (0, 1, 2.0, Control),
            (0, 2, 3.0, Organic),
        ]);
        let tp = Touchpoints::from_exposures(&e);
        assert_eq!(tp.channel, vec![0, 2]);
        let r = run_all(
            &e,
            &orders(&[(0, 4.0, 10.0)]),
            3,
            &[30],
            &[Model::Linear],
            &Params::default(),
        );
        let m = &r[0].models[0];
        assert_eq!(
            m.credits.iter().map(|c| c.channel).collect::<Vec<_>>(),
            vec![0, 2]
        );
        assert!(close(credit(m, 0).0, 0.5) && close(credit(m, 2).1, 5.0));
    }

    #[test]
    fn window_includes_both_ends_and_excludes_later_touches() {
        // Touches at day 0 (exactly W = 10 days before), day 5, day 10 (the
        // order's own time) and day 10.5 (after the order).
        let e = exposures(&[
            (0, 0, 0.0, Exposed),
            (0, 1, 5.0, Exposed),
            (0, 2, 10.0, Exposed),
            (0, 3, 10.5, Exposed),
        ]);
        let tp = Touchpoints::from_exposures(&e);
        let p = build_paths(&tp, &orders(&[(0, 10.0, 1.0)]), 10);
        assert_eq!(p.conversions.len(), 1);
        assert_eq!(tp.channels(p.conversions[0].touches), &[0, 1, 2]);
        let p = build_paths(&tp, &orders(&[(0, 10.0, 1.0)]), 9);
        assert_eq!(tp.channels(p.conversions[0].touches), &[1, 2]);
    }

    #[test]
    fn ties_in_timestamp_keep_file_order() {
        // Both touches at the same instant: channel 3 comes first in the file.
        let e = exposures(&[(0, 3, 1.0, Exposed), (0, 1, 1.0, Organic)]);
        let o = orders(&[(0, 2.0, 8.0)]);
        let r = run_all(
            &e,
            &o,
            4,
            &[30],
            &[Model::FirstTouch, Model::LastTouch],
            &Params::default(),
        );
        assert_eq!(credit(&r[0].models[0], 3), (1.0, 8.0));
        assert_eq!(credit(&r[0].models[0], 1), (0.0, 0.0));
        assert_eq!(credit(&r[0].models[1], 1), (1.0, 8.0));
    }

    #[test]
    fn order_before_the_first_touch_is_unattributed() {
        let e = exposures(&[(0, 0, 5.0, Exposed)]);
        let o = orders(&[(0, 1.0, 20.0), (0, 6.0, 30.0)]);
        let r = run_all(&e, &o, 1, &[30], &Model::ALL, &Params::default());
        let t = r[0].totals;
        assert_eq!((t.conversions, t.unattributed_conversions), (2, 1));
        assert!(close(t.revenue, 50.0) && close(t.unattributed_revenue, 20.0));
        for m in &r[0].models {
            assert_eq!(credit(m, 0), (1.0, 30.0), "{}", m.model);
        }
    }

    #[test]
    fn refunds_are_never_attributed_but_enter_net_revenue() {
        let e = exposures(&[(0, 0, 1.0, Exposed), (1, 1, 1.0, Exposed)]);
        let o = orders(&[(0, 2.0, 100.0), (0, 3.0, -40.0), (1, 2.0, -15.0)]);
        let r = run_all(&e, &o, 2, &[30], &Model::ALL, &Params::default());
        let t = r[0].totals;
        assert_eq!(t.conversions, 1);
        assert!(close(t.revenue, 100.0) && close(t.refunds, -55.0) && close(t.net_revenue, 45.0));
        for m in &r[0].models {
            assert_eq!(credit(m, 0), (1.0, 100.0), "{}", m.model);
            assert_eq!(credit(m, 1), (0.0, 0.0), "{}", m.model);
        }
        // User 1 has an order row (a refund), so no non-converting path either.
        let tp = Touchpoints::from_exposures(&e);
        assert!(build_paths(&tp, &o, 30).non_converting.is_empty());
    }

    #[test]
    fn each_conversion_looks_back_on_its_own() {
        // Orders at day 10 and day 25 with W = 10: the first sees touches at
        // days 1..=10, the second those at days 15..=25.
        let e = exposures(&[
            (0, 0, 1.0, Exposed),
            (0, 1, 9.0, Exposed),
            (0, 2, 15.0, Exposed),
            (0, 3, 24.0, Exposed),
        ]);
        let o = orders(&[(0, 10.0, 10.0), (0, 25.0, 20.0)]);
        let tp = Touchpoints::from_exposures(&e);
        let p = build_paths(&tp, &o, 10);
        let paths: Vec<&[u16]> = p
            .conversions
            .iter()
            .map(|c| tp.channels(c.touches))
            .collect();
        assert_eq!(paths, vec![&[0u16, 1][..], &[2, 3][..]]);
        let r = run_all(
            &e,
            &o,
            4,
            &[10, 30],
            &[Model::LastTouch],
            &Params::default(),
        );
        assert_eq!(credit(&r[0].models[0], 1), (1.0, 10.0));
        assert_eq!(credit(&r[0].models[0], 3), (1.0, 20.0));
        // With W = 30 both orders see every earlier touch.
        let p30 = build_paths(&tp, &o, 30);
        assert_eq!(tp.channels(p30.conversions[1].touches), &[0, 1, 2, 3]);
    }

    #[test]
    fn a_user_without_orders_gives_one_non_converting_path_ending_at_the_last_touch() {
        let e = exposures(&[
            (0, 0, 0.0, Exposed),
            (0, 1, 20.0, Organic),
            (0, 2, 25.0, Exposed),
            (1, 0, 3.0, Exposed),
        ]);
        let o = orders(&[(1, 4.0, 5.0)]);
        let tp = Touchpoints::from_exposures(&e);
        let p = build_paths(&tp, &o, 7);
        assert_eq!(p.non_converting.len(), 1);
        assert_eq!(tp.channels(p.non_converting[0]), &[1, 2]);
        let grouped = group_paths(&tp, &p);
        assert_eq!(
            grouped,
            vec![
                GroupedPath {
                    channels: vec![0],
                    conversions: 1,
                    revenue: 5.0,
                    nulls: 0
                },
                GroupedPath {
                    channels: vec![1, 2],
                    conversions: 0,
                    revenue: 0.0,
                    nulls: 1
                },
            ]
        );
        // Channels seen only on non-converting paths still get a (zero) row.
        let r = run_all(&e, &o, 3, &[7], &[Model::FirstTouch], &Params::default());
        let channels: Vec<u16> = r[0].models[0].credits.iter().map(|c| c.channel).collect();
        assert_eq!(channels, vec![0, 1, 2]);
        assert_eq!(credit(&r[0].models[0], 2), (0.0, 0.0));
    }

    #[test]
    fn users_with_only_orders_or_only_touches_interleave_correctly() {
        // User 0: orders only; user 1: touches only; user 2: both.
        let e = exposures(&[(1, 0, 1.0, Exposed), (2, 1, 1.0, Exposed)]);
        let o = orders(&[(0, 1.0, 7.0), (2, 2.0, 3.0), (3, 1.0, 1.0)]);
        let tp = Touchpoints::from_exposures(&e);
        let p = build_paths(&tp, &o, 30);
        assert_eq!(p.totals.conversions, 3);
        assert_eq!(p.totals.unattributed_conversions, 2);
        assert!(close(p.totals.unattributed_revenue, 8.0));
        assert_eq!(p.conversions.len(), 1);
        assert_eq!(tp.channels(p.conversions[0].touches), &[1]);
        assert_eq!(p.non_converting.len(), 1);
        assert_eq!(tp.channels(p.non_converting[0]), &[0]);
    }

    #[test]
    fn empty_inputs_give_zero_totals_and_no_credits() {
        let r = run_all(
            &Exposures::default(),
            &Orders::default(),
            0,
            &[30],
            &Model::ALL,
            &Params::default(),
        );
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].totals.conversions, 0);
        assert!(r[0].models.iter().all(|m| m.credits.is_empty()));
    }

    #[test]
    fn time_decay_is_refused_on_grouped_paths() {
        let paths = [GroupedPath {
            channels: vec![0],
            conversions: 1,
            revenue: 1.0,
            nulls: 0,
        }];
        assert_eq!(
            attribute_paths(&paths, Model::TimeDecay, &Params::default()),
            Err(AttributionError::NeedsTimestamps(Model::TimeDecay))
        );
    }

    /// A random, sorted data set: `users` users over 4 channels and 60 days,
    /// with control rows, organic rows, refunds, zero-revenue orders, ties and
    /// orders before the first touch.
    fn random_data(seed: u64, users: u32) -> (Exposures, Orders) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut ex = Vec::new();
        let mut or = Vec::new();
        for u in 0..users {
            let n_touch = rng.random_range(0..8);
            let mut touches: Vec<(u32, u16, f64, Group)> = (0..n_touch)
                .map(|_| {
                    let group = match rng.random_range(0..4) {
                        0 => Control,
                        1 => Organic,
                        _ => Exposed,
                    };
                    // Whole hours, so that ties happen.
                    let day = f64::from(rng.random_range(0..60 * 24)) / 24.0;
                    (u, rng.random_range(0..4), day, group)
                })
                .collect();
            touches.sort_by(|a, b| a.2.total_cmp(&b.2));
            ex.extend(touches);
            let n_orders = rng.random_range(0..4);
            let mut os: Vec<(u32, f64, f64)> = (0..n_orders)
                .map(|_| {
                    let day = f64::from(rng.random_range(0..70 * 24)) / 24.0;
                    let cents: i64 = rng.random_range(-5_000..50_000);
                    let revenue = if cents % 7 == 0 {
                        0.0
                    } else {
                        cents as f64 / 100.0
                    };
                    (u, day, revenue)
                })
                .collect();
            os.sort_by(|a, b| a.1.total_cmp(&b.1));
            or.extend(os);
        }
        (exposures(&ex), orders(&or))
    }

    /// Every window's paths from one pass equal the paths found by
    /// looking at every touch of the user for every order, window by
    /// window (the formula of [`build_paths`], written out).
    #[test]
    fn nested_paths_equal_each_window_searched_on_its_own() {
        for seed in 0..6 {
            let (ex, or) = random_data(seed, 300);
            let tp = Touchpoints::from_exposures(&ex);
            let nested = build_nested(&tp, &or, &[30, 1, 7, 45, 30]);
            assert_eq!(nested.windows, [1, 7, 30, 45]);
            for (i, &w) in nested.windows.iter().enumerate() {
                let span = i64::from(w) * MICROS_PER_DAY;
                let tp = &tp;
                let touches_of = |u: u32| (0..tp.len()).filter(move |&t| tp.user[t] == u);
                let mut conversions = Vec::new();
                let mut non_converting = Vec::new();
                let (mut n, mut un, mut revenue, mut unrevenue) = (0u64, 0u64, 0.0, 0.0);
                let users: std::collections::BTreeSet<u32> =
                    tp.user.iter().chain(&or.user).copied().collect();
                for u in users {
                    let orders: Vec<usize> = (0..or.len()).filter(|&o| or.user[o] == u).collect();
                    if orders.is_empty() {
                        let Some(last) = touches_of(u).map(|t| tp.ts[t]).max() else {
                            continue;
                        };
                        let on: Vec<usize> =
                            touches_of(u).filter(|&t| tp.ts[t] >= last - span).collect();
                        non_converting.push(span_of(&on));
                    }
                    for o in orders.into_iter().filter(|&o| or.revenue[o] >= 0.0) {
                        let (ts, r) = (or.ts[o], or.revenue[o]);
                        n += 1;
                        revenue += r;
                        let on: Vec<usize> = touches_of(u)
                            .filter(|&t| ts - span <= tp.ts[t] && tp.ts[t] <= ts)
                            .collect();
                        if on.is_empty() {
                            un += 1;
                            unrevenue += r;
                        } else {
                            conversions.push(ConversionPath {
                                touches: span_of(&on),
                                order_ts: ts,
                                revenue: r,
                            });
                        }
                    }
                }
                let got = nested.window(i);
                assert_eq!(got.window_days, w);
                assert_eq!(got.conversions, conversions, "seed {seed} window {w}");
                assert_eq!(got.non_converting, non_converting, "seed {seed} window {w}");
                assert_eq!(got.totals.conversions, n);
                assert_eq!(got.totals.unattributed_conversions, un);
                assert!(close(got.totals.revenue, revenue));
                assert!(close(got.totals.unattributed_revenue, unrevenue));
                assert_eq!(got, build_paths(tp, &or, w));
            }
        }
    }

    /// The span of consecutive touch indices.
    fn span_of(on: &[usize]) -> TouchSpan {
        assert!(
            on.windows(2).all(|p| p[1] == p[0] + 1),
            "a path is one run of touches"
        );
        span(on[0], on[on.len() - 1] + 1)
    }

    #[test]
    fn conservation_holds_for_every_model_and_window_on_random_data() {
        for seed in 0..5 {
            let (e, o) = random_data(seed, 400);
            let params = Params {
                markov_order: 1 + (seed as usize % 3),
                ..Params::default()
            };
            let result = run_all(&e, &o, 4, &[1, 7, 30, 90], &Model::ALL, &params);
            assert_eq!(result.len(), 4);
            for w in &result {
                assert_eq!(w.models.len(), Model::ALL.len());
                assert_conservation(w);
            }
            // Longer windows leave fewer conversions unattributed.
            let un: Vec<u64> = result
                .iter()
                .map(|w| w.totals.unattributed_conversions)
                .collect();
            assert!(un.windows(2).all(|p| p[0] >= p[1]), "{un:?}");
        }
    }

    #[test]
    fn results_are_deterministic_and_match_the_grouped_path_entry_point() {
        let (e, o) = random_data(42, 300);
        let params = Params::default();
        let models = [
            Model::FirstTouch,
            Model::LastTouch,
            Model::Linear,
            Model::PositionBased,
            Model::Markov,
            Model::Shapley,
        ];
        let a = run_all(&e, &o, 4, &[30], &models, &params);
        let b = run_all(&e, &o, 4, &[30], &models, &params);
        assert_eq!(a, b);
        let tp = Touchpoints::from_exposures(&e);
        let paths = build_paths(&tp, &o, 30);
        let grouped = group_paths(&tp, &paths);
        for (m, direct) in models.iter().zip(&a[0].models) {
            let via_groups = attribute_paths(&grouped, *m, &params).expect("not time decay");
            assert_eq!(via_groups.credits.len(), direct.credits.len(), "{m}");
            for (x, y) in via_groups.credits.iter().zip(&direct.credits) {
                assert_eq!(x.channel, y.channel);
                assert!(close(x.conversions, y.conversions), "{m}: {x:?} vs {y:?}");
                assert!(close(x.revenue, y.revenue), "{m}: {x:?} vs {y:?}");
            }
        }
    }

    #[test]
    fn rounding_remainders_are_settled_on_the_largest_credit() {
        // Three equal thirds of 100.00 cannot add up exactly in binary.
        let paths = [GroupedPath {
            channels: vec![0, 1, 2],
            conversions: 1,
            revenue: 100.0,
            nulls: 0,
        }];
        let r = attribute_paths(&paths, Model::Linear, &Params::default()).expect("linear");
        let total: f64 = r.credits.iter().map(|c| c.revenue).sum();
        assert!((total - 100.0).abs() < 1e-12);
    }
}
