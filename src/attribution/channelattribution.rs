//! The ChannelAttribution fixture (`testdata/reference/channelattribution/`),
//! shared by the tests of the models: the package's paths and what the
//! package computed from them, so that each model is checked against an
//! implementation it did not share code with.

use super::GroupedPath;

/// The fixture's paths, in the package's input format.
pub const PATHS_CSV: &str = include_str!("../../testdata/reference/channelattribution/paths.csv");
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
