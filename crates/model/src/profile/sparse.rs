//! Sparse files (`[sparse]`): which types are written with holes, and where.

use serde::{Deserialize, Serialize};

use super::{Size, defaults};

/// Sparse files (`[sparse]`): the share and types written with holes, and the extents' sizes.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sparse {
    #[serde(default)]
    pub rate: f64,
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default = "defaults::sparse_head")]
    pub head: Size,
    #[serde(default = "defaults::sparse_hole")]
    pub hole: Size,
    #[serde(default = "defaults::sparse_data")]
    pub data: Size,
    #[serde(default = "defaults::sparse_tail")]
    pub tail: Size,
}

impl Default for Sparse {
    fn default() -> Self {
        Sparse {
            rate: 0.0,
            types: Vec::new(),
            head: defaults::sparse_head(),
            hole: defaults::sparse_hole(),
            data: defaults::sparse_data(),
            tail: defaults::sparse_tail(),
        }
    }
}
