//! Loading the exposures file: one row per touch, with its user, channel,
//! time, holdout group, campaign, segment and cost.
//!
//! The file is read in blocks on several threads, each block into its own
//! rows and name tables ([`ExposuresPart`]); the blocks are then joined in
//! file order, their codes mapped onto the file's tables. The rows stay in
//! file order here; [`load`](super::load) sorts them.

use super::cell::{money, require_text, timestamp};
use super::collect::Collector;
use super::intern::{Interners, PART_USERS, same};
use super::read::{At, Part, Value, scan_parts};
use super::{FileLoad, columns_of, no_rows};
use crate::config::{Config, GroupLabels};
use crate::io::problem::Problem;
use crate::model::{Exposures, Group};
use std::path::Path;

/// The rows of one block of the exposures file, with its own name tables.
struct ExposuresPart {
    c: Collector,
    raw: RawExposures,
    int: Interners,
}

/// Exposures rows in file order, before sorting.
pub(super) struct RawExposures {
    pub(super) ex: Exposures,
    pub(super) segment: Vec<Option<u32>>,
}

pub(super) fn load_exposures(
    path: &Path,
    cfg: &Config,
    labels: &GroupLabels,
    int: &mut Interners,
    threads: usize,
) -> (RawExposures, FileLoad) {
    let w = columns_of("exposures", cfg);
    let accepted = format!(
        "one of {} (exposed), {} (control), or empty (organic); labels can be mapped under [groups] in uplift.toml",
        labels.exposed.join(", "),
        labels.control.join(", ")
    );
    let mut c = Collector::new(path);
    let mut ex = Exposures::default();
    let mut segment = Vec::new();
    let new_part = || ExposuresPart {
        c: Collector::new(path),
        raw: RawExposures {
            ex: Exposures::default(),
            segment: Vec::new(),
        },
        int: Interners::new(PART_USERS),
    };
    let visit = |p: &mut ExposuresPart, at: At, v: &[Value<'_>]| {
        let c = &mut p.c;
        c.start();
        let user = require_text(v[0], at, &w[0].name, "a user id", c);
        let channel = require_text(v[1], at, &w[1].name, "a channel name", c);
        let ts = timestamp(v[2], at, &w[2].name, c);
        let one_of =
            |labels: &[String], g: &str| labels.iter().any(|l| same(l.as_bytes(), g.as_bytes()));
        let group = match v[3] {
            Value::Text("") => Group::Organic,
            Value::Text(g) if one_of(&labels.exposed, g) => Group::Exposed,
            Value::Text(g) if one_of(&labels.control, g) => Group::Control,
            Value::Text(g) => {
                c.add(
                    at,
                    &w[3].name,
                    Some(g),
                    format!("is not a known group label (expected {accepted})"),
                );
                Group::Organic
            }
            _ => Group::Organic,
        };
        let cost = money(v[6], at, &w[6].name, Some(0.0), c);
        if !c.end() {
            return;
        }
        let (Some(user), Some(channel)) = (user, channel) else {
            return;
        };
        let (ex, int) = (&mut p.raw.ex, &mut p.int);
        ex.user.push(int.users.get_or_insert(user));
        ex.channel.push(int.channels.get_or_insert(channel) as u16);
        ex.ts.push(ts);
        ex.group.push(group);
        ex.cost.push(cost);
        ex.campaign.push(
            v[4].text()
                .map_or(u32::MAX, |s| int.campaigns.get_or_insert(s)),
        );
        p.raw.segment.push(
            v[5].text()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| int.segments.get_or_insert(s)),
        );
        ex.row.push(at.row as u32);
    };
    let take = |part: Part<ExposuresPart>| {
        let Part {
            state: p,
            first_row,
        } = part;
        let users = int.users.absorb(&p.int.users);
        let channels = int.channels.absorb(&p.int.channels);
        let campaigns = int.campaigns.absorb(&p.int.campaigns);
        let segments = int.segments.absorb(&p.int.segments);
        let RawExposures { ex: e, segment: s } = p.raw;
        ex.user.extend(e.user.iter().map(|&u| users[u as usize]));
        ex.channel
            .extend(e.channel.iter().map(|&k| channels[usize::from(k)] as u16));
        ex.ts.extend_from_slice(&e.ts);
        ex.group.extend_from_slice(&e.group);
        ex.cost.extend_from_slice(&e.cost);
        ex.campaign.extend(e.campaign.iter().map(|&k| {
            if k == u32::MAX {
                k
            } else {
                campaigns[k as usize]
            }
        }));
        segment.extend(s.iter().map(|s| s.map(|k| segments[k as usize])));
        ex.row.extend(e.row.iter().map(|&r| r + first_row as u32));
        c.absorb(p.c);
    };
    let meta = scan_parts(path, &w, threads, new_part, visit, take);
    let mut load = c.finish(meta);
    no_rows(&mut load);
    if int.channels.len() > usize::from(u16::MAX) {
        load.push(Problem::file(
            &path.display().to_string(),
            "has more than 65,535 distinct channels (expected a channel name, not an id, in the channel column)",
        ));
    }
    (RawExposures { ex, segment }, load)
}
