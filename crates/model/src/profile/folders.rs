//! How many files a folder holds (`[files_per_folder]`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::defaults;

/// How many files a folder holds (`[files_per_folder]`); the mean is `files_per_dir`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FilesPerFolder {
    #[serde(default)]
    pub law: FolderLaw,
    /// `normal`: the standard deviation at the profile's mean (scaled with a subtree's mean).
    #[serde(default = "defaults::folder_std")]
    pub std: f64,
    /// Fewest and most files a folder draws (a subtree's exact total still comes first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    /// Multipliers of files per folder by a word in the folder's name (`backup = 2.0` gives
    /// `Backup`, `Backups` and `SQL Backup` folders twice as many), inherited by the subtree.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kinds: BTreeMap<String, f64>,
}

impl Default for FilesPerFolder {
    fn default() -> Self {
        FilesPerFolder {
            law: FolderLaw::Impressions,
            std: defaults::folder_std(),
            min: None,
            max: None,
            kinds: BTreeMap::new(),
        }
    }
}

impl FilesPerFolder {
    pub fn is_default(&self) -> bool {
        *self == FilesPerFolder::default()
    }

    /// The multiplier of a folder's files by its name: the product of the kinds it names (a
    /// kind matches with or without a plural `s`), 1 when it names none.
    pub fn multiplier(&self, name: &str) -> f64 {
        if self.kinds.is_empty() {
            return 1.0;
        }
        let lower = name.to_lowercase();
        self.kinds
            .iter()
            .filter(|(k, _)| {
                // Kinds are mostly written in lower case already: no copy for those.
                let k: std::borrow::Cow<'_, str> =
                    if k.chars().any(char::is_uppercase) { k.to_lowercase().into() } else { k.as_str().into() };
                lower.contains(&*k) || k.strip_suffix('s').is_some_and(|stem| lower.contains(stem))
            })
            .map(|(_, m)| m)
            .product()
    }
}

/// The law of files per folder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FolderLaw {
    /// Impressions' inverse polynomial (most folders hold a few files, a few hold many).
    #[default]
    Impressions,
    /// A normal law with `std`, clamped to `min`..`max` (the Panzura toolkit's).
    Normal,
}
