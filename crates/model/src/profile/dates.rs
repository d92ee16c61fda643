//! How modification times spread over the date range (`[dates]`) and its presets.

use serde::{Deserialize, Serialize};

use super::defaults;

/// How modification times spread over the date range (`[dates]`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Dates {
    #[serde(default)]
    pub preset: DatePreset,
    /// `recent-skew`: the share of files (0 to 1) modified in the newest fifth of the range.
    #[serde(default = "defaults::recent_bias")]
    pub recent_bias: f64,
    /// Hot data: a further share of files (0 to 1) modified in the last `hot_days` before the
    /// range's end, whatever the preset (files in folders about earlier periods stay in them).
    #[serde(default)]
    pub hot_share: f64,
    /// How recent hot data is, in days.
    #[serde(default = "defaults::hot_days")]
    pub hot_days: u32,
    /// First day of the range (YYYY-MM-DD) [default: `max_age_years` before `as_of`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<String>,
    /// Last day of the range [default: `as_of`]; later than `as_of` gives files from the future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<String>,
}

impl Default for Dates {
    fn default() -> Self {
        Dates {
            preset: DatePreset::Aging,
            recent_bias: defaults::recent_bias(),
            hot_share: 0.0,
            hot_days: defaults::hot_days(),
            min: None,
            max: None,
        }
    }
}

impl Dates {
    pub fn is_default(&self) -> bool {
        *self == Dates::default()
    }
}

/// The shape of modification times over the range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatePreset {
    /// Ages grow like u^1.5 of the range: most files recent, a long tail of old ones.
    #[default]
    Aging,
    /// Evenly over the range.
    Uniform,
    /// `recent_bias` of the files in the newest fifth of the range, the rest evenly before.
    RecentSkew,
    /// As many files in every calendar year the range touches.
    YearSpread,
    /// A share migrated from an old system: half the files modified before a migration night
    /// (at 40% of the range) and created that night (created after modified), 15% stamped
    /// with the migration's own time, the rest after.
    LegacyMess,
}

impl DatePreset {
    /// Every preset, in the order help texts list them.
    pub const ALL: [DatePreset; 5] = [
        DatePreset::Aging,
        DatePreset::Uniform,
        DatePreset::RecentSkew,
        DatePreset::YearSpread,
        DatePreset::LegacyMess,
    ];

    /// The preset's name in profiles and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DatePreset::Aging => "aging",
            DatePreset::Uniform => "uniform",
            DatePreset::RecentSkew => "recent-skew",
            DatePreset::YearSpread => "year-spread",
            DatePreset::LegacyMess => "legacy-mess",
        }
    }
}

impl std::str::FromStr for DatePreset {
    type Err = String;

    fn from_str(s: &str) -> Result<DatePreset, String> {
        DatePreset::ALL.into_iter().find(|p| p.name() == s).ok_or_else(|| {
            let names: Vec<&str> = DatePreset::ALL.iter().map(|p| p.name()).collect();
            format!("unknown date preset {s:?}; the presets are {}", names.join(", "))
        })
    }
}
