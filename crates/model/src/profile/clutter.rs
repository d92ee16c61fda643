//! Clutter (`[clutter]`): duplicates, temporary files and folder junk among the files.

use serde::{Deserialize, Serialize};

/// Clutter (`[clutter]`): the rates of duplicates, temporary files and folder junk.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Clutter {
    #[serde(default)]
    pub duplicate_rate: f64,
    #[serde(default)]
    pub temp_rate: f64,
    #[serde(default)]
    pub folder_junk_rate: f64,
}
