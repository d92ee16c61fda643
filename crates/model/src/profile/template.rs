//! The share's layout (`[template]`): departments, shared folders, homes, projects, the
//! layout and the fan-out of statistical folders.

use serde::{Deserialize, Serialize};

use super::defaults;

/// The share's layout (`[template]`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    #[serde(default)]
    pub departments: Vec<Department>,
    #[serde(default)]
    pub shared: Vec<String>,
    #[serde(default = "defaults::users_folder")]
    pub users_folder: String,
    #[serde(default = "defaults::projects_folder")]
    pub projects_folder: String,
    #[serde(default = "defaults::projects")]
    pub projects: u32,
    #[serde(default = "defaults::years")]
    pub years: u32,
    #[serde(default = "defaults::loose_root_files")]
    pub loose_root_files: u32,
    /// A further share of all files (0 to 0.5) left at the share's root.
    #[serde(default)]
    pub loose_root_share: f64,
    /// Sub-folders every department has (`Temp`), after its own `folders`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub department_folders: Vec<String>,
    #[serde(default)]
    pub weights: AreaWeights,
    /// `share` (departments, homes, projects) or `folders` (numbered e-discovery folders).
    #[serde(default)]
    pub layout: crate::layout::Layout,
    /// How files spread over the folders of the `folders` layout.
    #[serde(default)]
    pub distribution: crate::layout::Distribution,
    #[serde(default = "defaults::folder_prefix")]
    pub folder_prefix: String,
    /// The law of statistical folders' fan-out: `attachment` (Impressions' generative model)
    /// or `power` (`fanout`, `fanout_cap`).
    #[serde(default)]
    pub fanout_law: crate::fanout::FanoutLaw,
    /// Attachment: a folder gets the next folder with weight (its sub-folders + this).
    #[serde(default = "defaults::attachment_offset")]
    pub attachment_offset: f64,
    /// Power: a folder with D folders below it gets about D^fanout sub-folders (higher:
    /// wider and shallower trees).
    #[serde(default = "defaults::fanout")]
    pub fanout: f64,
    /// The typical number of sub-folders stops growing at this (a few folders get up to 20x).
    #[serde(default = "defaults::fanout_cap")]
    pub fanout_cap: u32,
}

impl Default for Template {
    fn default() -> Self {
        Template {
            departments: Vec::new(),
            shared: Vec::new(),
            users_folder: defaults::users_folder(),
            projects_folder: defaults::projects_folder(),
            projects: defaults::projects(),
            years: defaults::years(),
            loose_root_files: defaults::loose_root_files(),
            loose_root_share: 0.0,
            department_folders: Vec::new(),
            weights: AreaWeights::default(),
            layout: Default::default(),
            distribution: Default::default(),
            folder_prefix: defaults::folder_prefix(),
            fanout_law: Default::default(),
            attachment_offset: defaults::attachment_offset(),
            fanout: defaults::fanout(),
            fanout_cap: defaults::fanout_cap(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub name: String,
    #[serde(default = "defaults::mix_name")]
    pub mix: String,
    /// Name prefixes of this department's files (`FIN_`, `AP-`): `names.prefix_share` of its
    /// documents start with one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefixes: Vec<String>,
    /// Its share of the departments' folders (and so files) against the others' (1 each).
    #[serde(default = "defaults::one", skip_serializing_if = "is_one")]
    pub weight: f64,
    /// Sub-folders it always has (`Board`, `Credentials`), first among its folders.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folders: Vec<String>,
}

fn is_one(x: &f64) -> bool {
    *x == 1.0
}

/// Share of the directories under each top-level area.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AreaWeights {
    #[serde(default = "defaults::w_departments")]
    pub departments: f64,
    #[serde(default = "defaults::w_users")]
    pub users: f64,
    #[serde(default = "defaults::w_projects")]
    pub projects: f64,
    #[serde(default = "defaults::w_shared")]
    pub shared: f64,
}

impl Default for AreaWeights {
    fn default() -> Self {
        AreaWeights {
            departments: defaults::w_departments(),
            users: defaults::w_users(),
            projects: defaults::w_projects(),
            shared: defaults::w_shared(),
        }
    }
}
