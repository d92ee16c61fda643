//! Sizes in a profile: the byte-size value (`"64MiB"`) and the `[sizes]` section (the size
//! law, its histogram, sizes by depth and by type).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::defaults;
use crate::units::parse_size;

/// A byte size in a profile: an integer or a string such as `"64MiB"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size(pub u64);

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(n) => Ok(Size(n)),
            Raw::Text(s) => parse_size(&s).map(Size).map_err(serde::de::Error::custom),
        }
    }
}

impl Serialize for Size {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

/// The size law (`[sizes]`): a lognormal body and a Pareto tail, or a histogram.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sizes {
    #[serde(default = "defaults::mu")]
    pub mu: f64,
    #[serde(default = "defaults::sigma")]
    pub sigma: f64,
    #[serde(default = "defaults::tail_share")]
    pub tail_share: f64,
    #[serde(default = "defaults::tail_min")]
    pub tail_min: Size,
    #[serde(default = "defaults::tail_alpha")]
    pub tail_alpha: f64,
    #[serde(default = "defaults::max_size")]
    pub max: Size,
    /// Multiplies every drawn size (before the format's bounds and `max` apply); `synthfs
    /// archive --target-size` sets it.
    #[serde(default = "defaults::scale")]
    pub scale: f64,
    /// An empirical size law instead of the lognormal and tail: `[size, share]` pairs, sizes
    /// rising, each share the part of files no larger than its size (the last is 1). Sizes
    /// between two points are spread log-uniformly. `profile fit` writes it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub histogram: Vec<(u64, f64)>,
    /// Mean bytes per file by depth, as log2 of bytes: depth 1 (the root's own files) first,
    /// the last value for every deeper level. Only the differences count: files at a depth
    /// whose value is 1 higher are twice as large, and the tree as a whole keeps its size law
    /// (see `model::depth_sizes`). Empty: sizes do not depend on depth.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_depth: Vec<f64>,
    /// Types with a size law of their own (disk images, backups): `{ median, sigma }`.
    #[serde(default)]
    pub by_ext: BTreeMap<String, TypeSize>,
    /// Sizes a type prefers within the global law (`{ median, sigma }`): a photo is rather
    /// megabytes, a log rather kilobytes; the tree as a whole keeps the global law.
    #[serde(default)]
    pub prefer: BTreeMap<String, TypeSize>,
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes {
            mu: defaults::mu(),
            sigma: defaults::sigma(),
            tail_share: defaults::tail_share(),
            tail_min: defaults::tail_min(),
            tail_alpha: defaults::tail_alpha(),
            max: defaults::max_size(),
            scale: defaults::scale(),
            histogram: Vec::new(),
            by_depth: Vec::new(),
            by_ext: BTreeMap::new(),
            prefer: BTreeMap::new(),
        }
    }
}

/// A per-type lognormal size: its median and sigma (natural log).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TypeSize {
    pub median: Size,
    pub sigma: f64,
}
