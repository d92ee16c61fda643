//! Profiles: the TOML description of a tree. Parsing, built-ins and validation.
//!
//! A profile is plain data (serde, unknown keys refused). [`Profile::validate`] checks every
//! value and names the offending key; the model then reads the profile through
//! [`crate::Tree`], which precomputes the tables it needs.
//!
//! This file holds the [`Profile`] itself, the built-ins and loading from TOML; each section
//! of a profile (`[sizes]`, `[dates]`, `[template]`, ...) has a file of its own, the serde
//! defaults are in `defaults.rs` and the checks in `validate.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::date::Date;

mod access;
mod churn;
mod clutter;
mod dates;
mod defaults;
mod documents;
mod folders;
mod identities;
mod sizes;
mod sparse;
mod template;
mod validate;

pub use access::{Acls, Attributes};
pub use churn::Churn;
pub use clutter::Clutter;
pub use dates::{DatePreset, Dates};
pub use documents::{Email, Names};
pub use folders::{FilesPerFolder, FolderLaw};
pub use identities::Identities;
pub use sizes::{Size, Sizes, TypeSize};
pub use sparse::Sparse;
pub use template::{AreaWeights, Department, Template};

/// The built-in profiles: name, TOML text.
pub const BUILTINS: &[(&str, &str)] = &[
    ("enterprise", include_str!("../../../../profiles/enterprise.toml")),
    ("ediscovery", include_str!("../../../../profiles/ediscovery.toml")),
    ("panzura-demo", include_str!("../../../../profiles/panzura-demo.toml")),
    ("torture", include_str!("../../../../profiles/torture.toml")),
];

/// Why a profile could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("profile file {path} does not exist (built-in profiles: {builtins})")]
    NotFound { path: String, builtins: String },
    #[error("cannot read profile {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{origin}, line {line}: {message}")]
    Parse { origin: String, line: usize, message: String },
    #[error("profile key `{key}`: {message}")]
    Invalid { key: String, message: String },
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> ProfileError {
    ProfileError::Invalid { key: key.into(), message: message.into() }
}

/// The whole profile.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "defaults::seed")]
    pub seed: u64,
    pub files: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dirs: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files_per_dir: Option<f64>,
    pub as_of: String,
    #[serde(default = "defaults::max_age_years")]
    pub max_age_years: u32,
    #[serde(default = "defaults::max_depth")]
    pub max_depth: u32,
    #[serde(default)]
    pub sizes: Sizes,
    #[serde(default)]
    pub template: Template,
    #[serde(default)]
    pub mix: BTreeMap<String, BTreeMap<String, u32>>,
    #[serde(default)]
    pub clutter: Clutter,
    #[serde(default)]
    pub sparse: Sparse,
    #[serde(default)]
    pub identities: Identities,
    #[serde(default, skip_serializing_if = "Dates::is_default")]
    pub dates: Dates,
    #[serde(default, skip_serializing_if = "Acls::is_default")]
    pub acls: Acls,
    #[serde(default, skip_serializing_if = "Attributes::is_default")]
    pub attributes: Attributes,
    #[serde(default, skip_serializing_if = "Names::is_default")]
    pub names: Names,
    #[serde(default, skip_serializing_if = "Email::is_default")]
    pub email: Email,
    #[serde(default, skip_serializing_if = "FilesPerFolder::is_default")]
    pub files_per_folder: FilesPerFolder,
    #[serde(default, skip_serializing_if = "super::torture::Torture::is_default")]
    pub torture: super::torture::Torture,
    /// File classes (`[classes]`): how each file's three times behave.
    #[serde(default, skip_serializing_if = "super::classes::Classes::is_default")]
    pub classes: super::classes::Classes,
    /// Cohorts of files a story adds (`[[event]]`): an acquisition dumped near the root, a
    /// departed team's share, a merger.
    #[serde(default, rename = "event", skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    /// Change over epochs (`[churn]`).
    #[serde(default, skip_serializing_if = "Churn::is_default")]
    pub churn: Churn,
    /// The epoch this tree is at (0: the profile's own day; N: `N x churn.days` later). Not
    /// part of the TOML: every command takes it as `--epoch`.
    #[serde(skip)]
    pub epoch: u64,
}

/// A cohort of files (`[[event]]`): a top-level folder `name` holding `share` of all files in
/// sub-folders one level down (so every file sits within two levels of the root), all created
/// and modified in `year`, owned by `owner`'s group: `all-employees` (the everyone group) or a
/// department's name.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub name: String,
    pub year: i32,
    pub share: f64,
    #[serde(default = "defaults::event_owner")]
    pub owner: String,
}

/// The names of the built-in profiles.
pub fn builtin_names() -> Vec<&'static str> {
    BUILTINS.iter().map(|(n, _)| *n).collect()
}

impl Profile {
    /// A built-in profile by name.
    pub fn builtin(name: &str) -> Option<Profile> {
        let (_, text) = BUILTINS.iter().find(|(n, _)| *n == name)?;
        Some(Profile::from_toml(text, &format!("built-in profile {name}")).expect("built-in profiles are valid"))
    }

    /// The TOML text of a built-in profile, comments included.
    pub fn builtin_text(name: &str) -> Option<&'static str> {
        BUILTINS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// Parses and validates TOML text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        let profile: Profile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1).unwrap_or(1);
            let message = e.message().trim().replace('\n', " ");
            ProfileError::Parse { origin: origin.to_string(), line, message }
        })?;
        profile.validate()?;
        Ok(profile)
    }

    /// The profile as TOML (defaults filled in).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// The reference date.
    /// The first and last day files are modified on: `dates.min` and `dates.max`, or
    /// `max_age_years` before `as_of` and `as_of`.
    pub fn date_range(&self) -> (Date, Date) {
        let as_of = Date::parse(&self.as_of).unwrap_or(Date { year: 2026, month: 1, day: 1 });
        let parsed = |v: &Option<String>| v.as_deref().and_then(Date::parse);
        let lo = parsed(&self.dates.min).unwrap_or(Date {
            year: as_of.year - self.max_age_years as i32,
            month: as_of.month,
            day: as_of.day.min(28),
        });
        (lo, parsed(&self.dates.max).unwrap_or(as_of))
    }

    pub fn as_of_date(&self) -> Date {
        Date::parse(&self.as_of).expect("validated")
    }

    /// The number of directories, the root included.
    pub fn dir_count(&self) -> u64 {
        if self.template.layout == super::layout::Layout::Torture {
            return self.torture.dir_count();
        }
        match (self.dirs, self.files_per_dir) {
            (Some(d), _) => d,
            (None, Some(r)) => ((self.files as f64 / r).ceil() as u64).max(1),
            (None, None) => (self.files / 10).max(1),
        }
    }

    /// A built-in profile with `files` files, keeping its files per folder: where examples
    /// and tests start.
    pub fn builtin_with_files(name: &str, files: u64) -> Option<Profile> {
        let mut p = Profile::builtin(name)?;
        p.set_counts(Some(files), None);
        Some(p)
    }

    /// Sets the file count, keeping the profile's files-per-directory ratio unless `dirs` is
    /// also given.
    pub fn set_counts(&mut self, files: Option<u64>, dirs: Option<u64>) {
        if let Some(f) = files {
            // The folders layout keeps its folder count; a share keeps its files per folder.
            let folders = self.template.layout == super::layout::Layout::Folders;
            if dirs.is_none() && self.dirs.is_some() && !folders {
                let ratio = self.files.max(1) as f64 / self.dir_count() as f64;
                self.dirs = None;
                self.files_per_dir = Some(ratio);
            }
            self.files = f;
        }
        if let Some(d) = dirs {
            self.dirs = Some(d);
            self.files_per_dir = None;
        }
    }
}

#[cfg(test)]
mod tests;
