//! Change over epochs (`[churn]`): how much of the share moves between one epoch and the next.
//!
//! Rates are chances per epoch (a day by default). A file is dormant, active or hot for life
//! (a hash of its index): most files on a share are never touched again once written, and the
//! same few are modified over and over. The defaults and where they come from: docs/epochs.md.

use serde::{Deserialize, Serialize};

/// `[churn]`: the rates of change per epoch.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Churn {
    /// Days per epoch.
    pub days: u32,
    /// Files that are ever modified, renamed or have their metadata changed (the rest are
    /// dormant: written once, then only read or deleted).
    pub active_share: f64,
    /// Of the active files, those that change `hot_factor` times as often.
    pub hot_share: f64,
    pub hot_factor: f64,
    /// Per epoch, for an active file: new content (and size, and times).
    pub modify: f64,
    /// Per epoch, for an active file: a new name in its folder ("draft" becomes "final").
    pub rename: f64,
    /// Per epoch, for an active file: metadata only (its owner handed over, its attributes).
    pub metadata: f64,
    /// Per epoch, for an active file: deleted.
    pub delete: f64,
    /// Per epoch, for a dormant file: deleted (a clean-up).
    pub delete_dormant: f64,
    /// New files per epoch, as a share of the tree's files, mostly in hot folders.
    pub add: f64,
    /// Of the new files, the temporary ones (`~$` owner files, `*.tmp`), and their chance per
    /// epoch of going away.
    pub temp_share: f64,
    pub temp_delete: f64,
    /// Per epoch, for a folder below the top two levels: deleted with all it holds, or
    /// renamed in place.
    pub folder_delete: f64,
    pub folder_rename: f64,
    /// Per epoch, for a folder with at least two sub-folders that hold folders of their own
    /// (a department's topics, a project's phases): one of those folders moved from one of
    /// them to another (a reorganisation), keeping its contents, its inode and its security.
    pub folder_move: f64,
    /// Per epoch, for a folder below a department's or project's own whose inheritance holds
    /// (where `[acls]` may put a direct grant): a direct grant added (the last one stands),
    /// and inheritance broken for good (converted, the read tier dropped). Only trees with NT
    /// security descriptors (`[acls] windows`) show them.
    pub acl_grant: f64,
    pub acl_protect: f64,
}

impl Default for Churn {
    fn default() -> Churn {
        Churn {
            days: 1,
            active_share: 0.1,
            hot_share: 0.1,
            hot_factor: 8.0,
            modify: 0.02,
            rename: 0.001,
            metadata: 0.002,
            delete: 0.001,
            delete_dormant: 0.00005,
            add: 0.0004,
            temp_share: 0.3,
            temp_delete: 0.5,
            folder_delete: 0.00005,
            folder_rename: 0.0001,
            folder_move: 0.0005,
            acl_grant: 0.0002,
            acl_protect: 0.00005,
        }
    }
}

impl Churn {
    pub fn is_default(&self) -> bool {
        *self == Churn::default()
    }

    /// The rates of the share of change a factor asks for (`--churn`): every chance per
    /// epoch times `x`, at most 1; the shares of files that are active, hot or temporary stay.
    pub fn scaled(&self, x: f64) -> Churn {
        let s = |p: f64| (p * x).clamp(0.0, 1.0);
        Churn {
            modify: s(self.modify),
            rename: s(self.rename),
            metadata: s(self.metadata),
            delete: s(self.delete),
            delete_dormant: s(self.delete_dormant),
            add: (self.add * x).max(0.0),
            temp_delete: s(self.temp_delete),
            folder_delete: s(self.folder_delete),
            folder_rename: s(self.folder_rename),
            folder_move: s(self.folder_move),
            acl_grant: s(self.acl_grant),
            acl_protect: s(self.acl_protect),
            ..self.clone()
        }
    }

    /// Every rate as (key, value), for validation.
    pub fn rates(&self) -> [(&'static str, f64); 15] {
        [
            ("churn.active_share", self.active_share),
            ("churn.hot_share", self.hot_share),
            ("churn.modify", self.modify),
            ("churn.rename", self.rename),
            ("churn.metadata", self.metadata),
            ("churn.delete", self.delete),
            ("churn.delete_dormant", self.delete_dormant),
            ("churn.temp_share", self.temp_share),
            ("churn.temp_delete", self.temp_delete),
            ("churn.folder_delete", self.folder_delete),
            ("churn.folder_rename", self.folder_rename),
            ("churn.folder_move", self.folder_move),
            ("churn.acl_grant", self.acl_grant),
            ("churn.acl_protect", self.acl_protect),
            ("churn.add", self.add.min(1.0)),
        ]
    }
}
