//! Profiles: the TOML description of a tree. Parsing, built-ins and validation.
//!
//! A profile is plain data (serde, unknown keys refused). [`Profile::validate`] checks every
//! value and names the offending key; the model then reads the profile through
//! [`crate::Tree`], which precomputes the tables it needs.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::date::Date;
use super::filetype::FileType;
use crate::units::parse_size;

/// The built-in profiles: name, TOML text.
pub const BUILTINS: &[(&str, &str)] = &[
    ("enterprise", include_str!("../../../profiles/enterprise.toml")),
    ("ediscovery", include_str!("../../../profiles/ediscovery.toml")),
    ("panzura-demo", include_str!("../../../profiles/panzura-demo.toml")),
    ("torture", include_str!("../../../profiles/torture.toml")),
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

/// E-mail (`[email]`): attachments carried inside `.eml` files as MIME parts.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Email {
    /// Share of e-mails (0 to 1) that carry attachments. `archive --families` extracts them as
    /// documents of their own (PARENTID, BEGATTACH, ENDATTACH).
    #[serde(default)]
    pub attachment_rate: f64,
    /// Most attachments one e-mail carries (1 to 9); each further one is 40% as likely.
    #[serde(default = "defaults::max_attachments")]
    pub max_attachments: u8,
}

impl Default for Email {
    fn default() -> Self {
        Email { attachment_rate: 0.0, max_attachments: defaults::max_attachments() }
    }
}

impl Email {
    pub fn is_default(&self) -> bool {
        *self == Email::default()
    }
}

/// Decorations of document names (`[names]`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// Suffixes a share of names carry before the extension [default: " v2", " - draft",
    /// " (final)", "_FINAL", ...].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffixes: Option<Vec<String>>,
    /// Share of document names with a suffix.
    #[serde(default = "defaults::suffix_share")]
    pub suffix_share: f64,
    /// Share of a department's documents named with one of its `prefixes`.
    #[serde(default = "defaults::prefix_share")]
    pub prefix_share: f64,
}

impl Default for Names {
    fn default() -> Self {
        Names { suffixes: None, suffix_share: defaults::suffix_share(), prefix_share: defaults::prefix_share() }
    }
}

impl Names {
    pub fn is_default(&self) -> bool {
        *self == Names::default()
    }
}

/// Windows file attributes and owners (`[attributes]`), as Windows scanners see them.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Attributes {
    /// Share of original documents made read-only (no write bits; `R`).
    #[serde(default = "defaults::readonly_share")]
    pub readonly_share: f64,
    /// Share of files marked hidden (`H`), besides folder junk and Office locks (always hidden).
    #[serde(default)]
    pub hidden_share: f64,
    /// Share of files carrying a `Zone.Identifier` (downloaded from the internet, ZoneId=3).
    #[serde(default)]
    pub zone_share: f64,
    /// Share of department files whose Windows owner is the department's group.
    #[serde(default)]
    pub group_owner_share: f64,
    /// Share of files whose Windows owner is `BUILTIN\Administrators` (any folder).
    #[serde(default)]
    pub builtin_owner_share: f64,
    /// Share of files whose Windows owner is one of `service_accounts` (any folder).
    #[serde(default)]
    pub service_owner_share: f64,
    /// Service accounts' names in the domain (`DOMAIN\name`, a SID of their own).
    #[serde(default = "defaults::service_accounts")]
    pub service_accounts: Vec<String>,
}

impl Default for Attributes {
    fn default() -> Self {
        Attributes {
            readonly_share: defaults::readonly_share(),
            hidden_share: 0.0,
            zone_share: 0.0,
            group_owner_share: 0.0,
            builtin_owner_share: 0.0,
            service_owner_share: 0.0,
            service_accounts: defaults::service_accounts(),
        }
    }
}

impl Attributes {
    pub fn is_default(&self) -> bool {
        *self == Attributes::default()
    }
}

/// Access control (`[acls]`): access tiers as POSIX ACLs (see [`super::acl`]) and NT security
/// descriptors with their anti-patterns (see [`super::ntacl`]).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Acls {
    /// Grant each department's read, modify and full-control groups on its folders and files.
    #[serde(default)]
    pub tiers: bool,
    /// The first tier group's gid: department d's tiers are gid_start + 3d, + 1, + 2.
    #[serde(default = "defaults::acl_gid_start")]
    pub gid_start: u32,
    /// Serve each folder's and file's NT security descriptor (`user.synthfs.sddl`, with the
    /// accounts its SIDs resolve to in `user.synthfs.sddl_sids`).
    #[serde(default)]
    pub windows: bool,
    /// Folders whose inheritance is broken (`Temp`, or `IT/Credentials` for a folder below
    /// another): their ACEs are the inherited ones made explicit, less the read tier.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protected: Vec<String>,
    /// Folders where Everyone may modify, with a Deny for `deny_group` (as `protected`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open: Vec<String>,
    /// The group denied on `open` folders.
    #[serde(default = "defaults::deny_group")]
    pub deny_group: String,
    /// Share of the folders below a department's (or project's) own that carry a direct grant
    /// (someone set permissions there): another department's read tier, unless drawn below.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub grant_share: f64,
    /// Share of direct grants naming the department's global group, where AGDLP wants only
    /// domain-local groups on ACLs.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub global_group_share: f64,
    /// Share of direct grants naming one person.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub user_grant_share: f64,
    /// Share of those grants that name someone who left: a SID no account resolves.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub departed_grant_share: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl Default for Acls {
    fn default() -> Self {
        Acls {
            tiers: false,
            gid_start: defaults::acl_gid_start(),
            windows: false,
            protected: Vec::new(),
            open: Vec::new(),
            deny_group: defaults::deny_group(),
            grant_share: 0.0,
            global_group_share: 0.0,
            user_grant_share: 0.0,
            departed_grant_share: 0.0,
        }
    }
}

impl Acls {
    pub fn is_default(&self) -> bool {
        *self == Acls::default()
    }

    fn check(&self) -> Result<(), ProfileError> {
        for (key, names) in [("protected", &self.protected), ("open", &self.open)] {
            for (i, name) in names.iter().enumerate() {
                let parts: Vec<&str> = name.split('/').collect();
                if parts.len() > 2 {
                    return Err(invalid(format!("acls.{key}[{i}]"), "is a folder name or `Parent/Folder`"));
                }
                for part in parts {
                    check_folder_name(&format!("acls.{key}[{i}]"), part)?;
                }
            }
        }
        check_folder_name("acls.deny_group", &self.deny_group)?;
        if self.global_group_share + self.user_grant_share > 1.0 + 1e-9 {
            return Err(invalid("acls.user_grant_share", "global_group_share + user_grant_share must be at most 1"));
        }
        for (key, v) in [
            ("grant_share", self.grant_share),
            ("global_group_share", self.global_group_share),
            ("user_grant_share", self.user_grant_share),
            ("departed_grant_share", self.departed_grant_share),
        ] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return Err(invalid(format!("acls.{key}"), "must be between 0 and 1"));
            }
        }
        Ok(())
    }
}

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
    pub layout: super::layout::Layout,
    /// How files spread over the folders of the `folders` layout.
    #[serde(default)]
    pub distribution: super::layout::Distribution,
    #[serde(default = "defaults::folder_prefix")]
    pub folder_prefix: String,
    /// The law of statistical folders' fan-out: `attachment` (Impressions' generative model)
    /// or `power` (`fanout`, `fanout_cap`).
    #[serde(default)]
    pub fanout_law: super::fanout::FanoutLaw,
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

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Identities {
    #[serde(default = "defaults::users")]
    pub users: u32,
    #[serde(default = "defaults::uid_start")]
    pub uid_start: u32,
    #[serde(default = "defaults::gid_start")]
    pub gid_start: u32,
    #[serde(default = "defaults::domain")]
    pub domain: String,
    /// Where the accounts come from: `synthetic`, `system`, `FILE.csv`, `ldap://HOST[:PORT]`
    /// or `ldaps://...`. Only owners change with it, never names, sizes or bytes.
    #[serde(default = "defaults::source")]
    pub source: String,
    /// People who left: files they owned keep ids that resolve to no account.
    #[serde(default = "defaults::departed")]
    pub departed: u32,
    /// Share of files owned by people who left.
    #[serde(default = "defaults::departed_share")]
    pub departed_share: f64,
    /// Share of a home folder's files owned by its user (the rest: colleagues).
    #[serde(default = "defaults::home_share")]
    pub home_share: f64,
    /// `system`: only accounts with a uid in this range (`1000-60000`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid_range: Option<String>,
    /// `system`: only members of this group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// LDAP: the search base (`dc=corp,dc=example,dc=com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_base: Option<String>,
    /// LDAP: the DN to bind as; anonymous when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_bind_dn: Option<String>,
    /// LDAP: the environment variable holding the bind password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_password_env: Option<String>,
    /// LDAP: a file holding the bind password (first line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_password_file: Option<String>,
    /// A mount re-reads the source every this many seconds (0: never); the kernel then keeps
    /// attributes that long.
    #[serde(default)]
    pub refresh: u64,
}

impl Default for Identities {
    fn default() -> Self {
        Identities {
            users: defaults::users(),
            uid_start: defaults::uid_start(),
            gid_start: defaults::gid_start(),
            domain: defaults::domain(),
            source: defaults::source(),
            departed: defaults::departed(),
            departed_share: defaults::departed_share(),
            home_share: defaults::home_share(),
            uid_range: None,
            group: None,
            ldap_base: None,
            ldap_bind_dn: None,
            ldap_password_env: None,
            ldap_password_file: None,
            refresh: 0,
        }
    }
}

mod defaults {
    use super::Size;
    pub fn service_accounts() -> Vec<String> {
        [
            "svc_backup",
            "svc_sql",
            "svc_sharepoint",
            "svc_exchange",
            "svc_scanner",
            "svc_print",
            "svc_antivirus",
            "svc_deploy",
            "svc_monitor",
            "svc_etl",
        ]
        .map(String::from)
        .to_vec()
    }
    pub fn event_owner() -> String {
        "all-employees".into()
    }
    pub fn max_attachments() -> u8 {
        3
    }
    pub fn folder_std() -> f64 {
        8.0
    }
    pub fn seed() -> u64 {
        1
    }
    pub fn max_age_years() -> u32 {
        10
    }
    pub fn one() -> f64 {
        1.0
    }
    pub fn hot_days() -> u32 {
        30
    }
    pub fn recent_bias() -> f64 {
        0.7
    }
    pub fn deny_group() -> String {
        "contractors".into()
    }

    pub fn acl_gid_start() -> u32 {
        30_000
    }
    pub fn readonly_share() -> f64 {
        0.05
    }
    pub fn suffix_share() -> f64 {
        0.15
    }
    pub fn prefix_share() -> f64 {
        0.5
    }
    pub fn attachment_offset() -> f64 {
        2.0
    }
    pub fn fanout() -> f64 {
        0.42
    }
    pub fn fanout_cap() -> u32 {
        24
    }
    pub fn max_depth() -> u32 {
        24
    }
    pub fn mu() -> f64 {
        9.48
    }
    pub fn sigma() -> f64 {
        2.46
    }
    pub fn tail_share() -> f64 {
        0.00006
    }
    pub fn tail_min() -> Size {
        Size(1 << 29)
    }
    pub fn tail_alpha() -> f64 {
        0.91
    }
    pub fn max_size() -> Size {
        Size(64 << 30)
    }
    pub fn scale() -> f64 {
        1.0
    }
    pub fn folder_prefix() -> String {
        "folder_".into()
    }
    pub fn users_folder() -> String {
        "Users".into()
    }
    pub fn projects_folder() -> String {
        "Projects".into()
    }
    pub fn projects() -> u32 {
        20
    }
    pub fn years() -> u32 {
        6
    }
    pub fn loose_root_files() -> u32 {
        10
    }
    pub fn mix_name() -> String {
        "default".into()
    }
    pub fn w_departments() -> f64 {
        0.6
    }
    pub fn w_users() -> f64 {
        0.2
    }
    pub fn w_projects() -> f64 {
        0.15
    }
    pub fn w_shared() -> f64 {
        0.05
    }
    pub fn sparse_head() -> Size {
        Size(1 << 20)
    }
    pub fn sparse_hole() -> Size {
        Size(64 << 20)
    }
    pub fn sparse_data() -> Size {
        Size(1 << 20)
    }
    pub fn sparse_tail() -> Size {
        Size(64 << 10)
    }
    pub fn users() -> u32 {
        100
    }
    pub fn uid_start() -> u32 {
        10_000
    }
    pub fn gid_start() -> u32 {
        20_000
    }
    pub fn domain() -> String {
        "CORP".into()
    }
    pub fn source() -> String {
        "synthetic".into()
    }
    pub fn departed() -> u32 {
        8
    }
    pub fn departed_share() -> f64 {
        0.02
    }
    pub fn home_share() -> f64 {
        0.9
    }
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

    /// Checks every value; the error names the key.
    pub fn validate(&self) -> Result<(), ProfileError> {
        self.classes.check().map_err(|(key, message)| invalid(key, message))?;
        if self.files == 0 {
            return Err(invalid("files", "must be at least 1"));
        }
        if self.files > 1 << 50 {
            return Err(invalid("files", "must be at most 2^50"));
        }
        if let Some(r) = self.files_per_dir {
            if !(r.is_finite() && r > 0.0) {
                return Err(invalid("files_per_dir", "must be a positive number"));
            }
        }
        if self.dirs == Some(0) {
            return Err(invalid("dirs", "must be at least 1 (the root)"));
        }
        if self.dirs.is_some_and(|d| d > 1 << 50) {
            return Err(invalid("dirs", "must be at most 2^50"));
        }
        if Date::parse(&self.as_of).is_none() {
            return Err(invalid("as_of", format!("`{}` is not a date of the form YYYY-MM-DD", self.as_of)));
        }
        if self.max_age_years == 0 || self.max_age_years > 60 {
            return Err(invalid("max_age_years", "must be between 1 and 60"));
        }
        let at = &self.attributes;
        let nm = &self.names;
        if nm.suffixes.as_ref().is_some_and(|s| s.is_empty()) {
            return Err(invalid("names.suffixes", "give at least one suffix, or set suffix_share = 0"));
        }
        let bad_char = |s: &String| s.contains(['/', '\\', ':', '*', '?', '"', '<', '>', '|', '\0']);
        let decorations =
            nm.suffixes.iter().flatten().chain(self.template.departments.iter().flat_map(|d| &d.prefixes));
        if let Some(bad) = decorations.clone().find(|s| bad_char(s)) {
            return Err(invalid("names", format!("`{bad}` has a character Windows names cannot hold")));
        }
        for (key, v) in [
            ("names.suffix_share", nm.suffix_share),
            ("names.prefix_share", nm.prefix_share),
            ("attributes.readonly_share", at.readonly_share),
            ("attributes.hidden_share", at.hidden_share),
            ("attributes.zone_share", at.zone_share),
            ("attributes.group_owner_share", at.group_owner_share),
            ("email.attachment_rate", self.email.attachment_rate),
        ] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return Err(invalid(key, "must be between 0 and 1"));
            }
        }
        let fpf = &self.files_per_folder;
        if !(fpf.std.is_finite() && fpf.std >= 0.0) {
            return Err(invalid("files_per_folder.std", "must be a non-negative number"));
        }
        if let (Some(lo), Some(hi)) = (fpf.min, fpf.max) {
            if lo > hi {
                return Err(invalid("files_per_folder", format!("min ({lo}) is above max ({hi})")));
            }
        }
        if let Some((k, _)) =
            fpf.kinds.iter().find(|(k, m)| k.trim().is_empty() || !(m.is_finite() && **m > 0.0 && **m <= 100.0))
        {
            return Err(invalid(
                "files_per_folder.kinds",
                format!("`{k}`: a non-empty word with a multiplier above 0 and at most 100"),
            ));
        }
        if !(1..=9).contains(&self.email.max_attachments) {
            return Err(invalid("email.max_attachments", "must be between 1 and 9"));
        }
        let d = &self.dates;
        if !(d.hot_share.is_finite() && (0.0..=1.0).contains(&d.hot_share)) {
            return Err(invalid("dates.hot_share", "must be between 0 and 1 (--hot-share takes a percentage)"));
        }
        if !(1..=3_650).contains(&d.hot_days) {
            return Err(invalid("dates.hot_days", "must be between 1 and 3650"));
        }
        if !(d.recent_bias.is_finite() && (0.0..=1.0).contains(&d.recent_bias)) {
            return Err(invalid("dates.recent_bias", "must be between 0 and 1 (--recent-bias takes a percentage)"));
        }
        for (key, value) in [("dates.min", &d.min), ("dates.max", &d.max)] {
            if let Some(v) = value.as_deref().filter(|v| Date::parse(v).is_none()) {
                return Err(invalid(key, format!("`{v}` is not a date of the form YYYY-MM-DD")));
            }
        }
        let (lo, hi) = self.date_range();
        if lo > hi {
            return Err(invalid("dates", format!("the range starts ({lo}) after it ends ({hi})")));
        }
        if lo.year < 1900 || hi.year > 2200 {
            return Err(invalid("dates", "the range must lie between 1900 and 2200"));
        }
        if !(4..=200).contains(&self.max_depth) {
            return Err(invalid("max_depth", "must be between 4 and 200"));
        }
        let s = &self.sizes;
        if !(s.mu.is_finite() && s.mu > 0.0 && s.mu < 40.0) {
            return Err(invalid("sizes.mu", "must be between 0 and 40 (natural log of bytes)"));
        }
        if !(s.sigma.is_finite() && s.sigma >= 0.0 && s.sigma < 10.0) {
            return Err(invalid("sizes.sigma", "must be between 0 and 10"));
        }
        check_rate("sizes.tail_share", s.tail_share)?;
        if !(s.tail_alpha.is_finite() && s.tail_alpha > 0.0) {
            return Err(invalid("sizes.tail_alpha", "must be positive"));
        }
        if s.tail_min.0 == 0 {
            return Err(invalid("sizes.tail_min", "must be positive"));
        }
        if s.max.0 < 4096 {
            return Err(invalid("sizes.max", "must be at least 4096"));
        }
        let mut last = (0u64, 0f64);
        for (i, &(size, share)) in s.histogram.iter().enumerate() {
            if !(share.is_finite() && share >= last.1 && share <= 1.0 + 1e-9) || (i > 0 && size <= last.0) {
                return Err(invalid(
                    format!("sizes.histogram[{i}]"),
                    "sizes must rise and shares must rise from 0 to 1",
                ));
            }
            last = (size, share);
        }
        if !s.histogram.is_empty() && (last.1 - 1.0).abs() > 1e-6 {
            return Err(invalid("sizes.histogram", "the last share must be 1"));
        }
        if s.by_depth.len() > 64 {
            return Err(invalid("sizes.by_depth", "takes at most 64 depths"));
        }
        if let Some(i) = s.by_depth.iter().position(|v| !(v.is_finite() && (0.0..=64.0).contains(v))) {
            return Err(invalid(format!("sizes.by_depth[{i}]"), "must be log2 of bytes, from 0 to 64"));
        }
        if !(s.scale > 0.0 && s.scale <= 1e9) {
            return Err(invalid("sizes.scale", "must be above 0 and at most 1e9"));
        }
        for (key, share) in
            [("torture.hostile_names", self.torture.hostile_names), ("torture.odd_metadata", self.torture.odd_metadata)]
        {
            if !(0.0..=1.0).contains(&share) {
                return Err(invalid(key, "must be a share from 0 to 1"));
            }
        }
        let at = &self.attributes;
        let owners = at.builtin_owner_share + at.service_owner_share;
        if at.builtin_owner_share < 0.0 || at.service_owner_share < 0.0 || owners > 1.0 {
            return Err(invalid(
                "attributes.builtin_owner_share",
                "owner shares must be from 0 and add up to 1 at most",
            ));
        }
        if at.service_accounts.len() > 255 || at.service_accounts.iter().any(|n| n.is_empty() || n.contains('\\')) {
            return Err(invalid("attributes.service_accounts", "at most 255 plain account names"));
        }
        let mut total = 0.0;
        let (first, last) = self.date_range();
        for (i, e) in self.events.iter().enumerate() {
            let key = |k: &str| format!("event[{i}].{k}");
            if !(e.share > 0.0 && e.share < 1.0) {
                return Err(invalid(key("share"), "must be above 0 and below 1"));
            }
            total += e.share;
            if e.year < first.year || e.year > last.year {
                return Err(invalid(
                    key("year"),
                    format!("{} is outside the tree's dates ({} to {})", e.year, first.year, last.year),
                ));
            }
            if e.name.is_empty() || !super::names::is_windows_safe(&e.name) {
                return Err(invalid(key("name"), "must be a Windows-safe folder name"));
            }
            if e.owner != "all-employees" && !self.template.departments.iter().any(|d| d.name == e.owner) {
                return Err(invalid(key("owner"), "must be all-employees or a department's name"));
            }
        }
        if total >= 0.9 {
            return Err(invalid("event", "the events' shares must add up to less than 0.9"));
        }
        if !self.events.is_empty() && self.template.layout != super::layout::Layout::Share {
            return Err(invalid("event", "events need the share layout"));
        }
        if self.template.layout == super::layout::Layout::Torture {
            if !(1..=60).contains(&self.torture.deep_levels) {
                return Err(invalid("torture.deep_levels", "must be between 1 and 60"));
            }
            let fixed = self.torture.fixed_files();
            if self.files < fixed {
                return Err(invalid(
                    "files",
                    format!("the torture layout places {fixed} files before its huge folder: give at least that many"),
                ));
            }
        }
        if self.template.layout == super::layout::Layout::Folders && self.dir_count() < 2 {
            return Err(invalid("dirs", "must be at least 2 (the root and one folder) with layout = \"folders\""));
        }
        for (ext, ts) in s
            .by_ext
            .iter()
            .map(|(e, t)| (format!("by_ext.{e}"), t))
            .chain(s.prefer.iter().map(|(e, t)| (format!("prefer.{e}"), t)))
        {
            let key = format!("sizes.{ext}");
            let ext = ext.split_once('.').map_or("", |x| x.1);
            if !FileType::valid_ext(ext) {
                return Err(invalid(key, "an extension is up to 16 letters, digits, `_`, `-` or `+` (\"\" for none)"));
            }
            if ts.median.0 == 0 || !(ts.sigma.is_finite() && ts.sigma >= 0.0 && ts.sigma < 10.0) {
                return Err(invalid(key, "median must be positive and sigma between 0 and 10"));
            }
        }
        let t = &self.template;
        let mut top: Vec<&str> = Vec::new();
        for (i, d) in t.departments.iter().enumerate() {
            check_folder_name(&format!("template.departments[{i}].name"), &d.name)?;
            if !self.mix.contains_key(&d.mix) && d.mix != "default" {
                return Err(invalid(
                    format!("template.departments[{i}].mix"),
                    format!("no [mix] entry named `{}`", d.mix),
                ));
            }
            if !(d.weight.is_finite() && d.weight > 0.0 && d.weight <= 1000.0) {
                return Err(invalid(format!("template.departments[{i}].weight"), "must be above 0 and at most 1000"));
            }
            for (k, f) in d.folders.iter().enumerate() {
                check_folder_name(&format!("template.departments[{i}].folders[{k}]"), f)?;
            }
            top.push(&d.name);
        }
        for (k, f) in t.department_folders.iter().enumerate() {
            check_folder_name(&format!("template.department_folders[{k}]"), f)?;
        }
        for (i, name) in t.shared.iter().enumerate() {
            check_folder_name(&format!("template.shared[{i}]"), name)?;
            top.push(name);
        }
        check_folder_name("template.users_folder", &t.users_folder)?;
        check_folder_name("template.projects_folder", &t.projects_folder)?;
        top.push(&t.users_folder);
        top.push(&t.projects_folder);
        // Events' folders sit beside the others (only in the share layout).
        if t.layout == super::layout::Layout::Share {
            top.extend(self.events.iter().map(|e| e.name.as_str()));
        }
        let mut seen = std::collections::HashSet::new();
        for name in top {
            if !seen.insert(name.to_lowercase()) {
                return Err(invalid("template", format!("the top-level folder `{name}` appears twice")));
            }
        }
        if !(0.05..=0.95).contains(&t.fanout) {
            return Err(invalid("template.fanout", "must be between 0.05 and 0.95"));
        }
        if !(0.1..=1000.0).contains(&t.attachment_offset) {
            return Err(invalid("template.attachment_offset", "must be between 0.1 and 1000"));
        }
        self.acls.check()?;
        if !(t.loose_root_share.is_finite() && (0.0..=0.5).contains(&t.loose_root_share)) {
            return Err(invalid("template.loose_root_share", "must be between 0 and 0.5"));
        }
        if !(1..=100_000).contains(&t.fanout_cap) {
            return Err(invalid("template.fanout_cap", "must be between 1 and 100,000"));
        }
        if t.years > 100 {
            return Err(invalid("template.years", "must be at most 100"));
        }
        let w = &t.weights;
        for (k, v) in
            [("departments", w.departments), ("users", w.users), ("projects", w.projects), ("shared", w.shared)]
        {
            if !(v.is_finite() && v >= 0.0) {
                return Err(invalid(format!("template.weights.{k}"), "must be zero or positive"));
            }
        }
        for (mix, weights) in &self.mix {
            for ext in weights.keys() {
                if !FileType::valid_ext(ext) {
                    return Err(invalid(
                        format!("mix.{mix}.{ext}"),
                        "an extension is up to 16 letters, digits, `_`, `-` or `+` (\"\" for none)",
                    ));
                }
            }
            if weights.values().all(|w| *w == 0) {
                return Err(invalid(format!("mix.{mix}"), "needs at least one positive weight"));
            }
        }
        check_rate("clutter.duplicate_rate", self.clutter.duplicate_rate)?;
        check_rate("clutter.temp_rate", self.clutter.temp_rate)?;
        check_rate("clutter.folder_junk_rate", self.clutter.folder_junk_rate)?;
        if self.clutter.duplicate_rate + self.clutter.temp_rate > 0.9 {
            return Err(invalid("clutter", "duplicate_rate + temp_rate must stay below 0.9"));
        }
        let sp = &self.sparse;
        check_rate("sparse.rate", sp.rate)?;
        for (i, ext) in sp.types.iter().enumerate() {
            if FileType::from_ext(ext).is_none() {
                return Err(invalid(
                    format!("sparse.types[{i}]"),
                    format!("unknown type `{ext}` (known: {})", known_exts()),
                ));
            }
        }
        for (k, v) in [("head", sp.head), ("hole", sp.hole), ("data", sp.data), ("tail", sp.tail)] {
            if v.0 == 0 || v.0 % 4096 != 0 {
                return Err(invalid(format!("sparse.{k}"), "must be a positive multiple of 4096"));
            }
        }
        if sp.head.0 < 64 << 10 {
            return Err(invalid("sparse.head", "must be at least 64KiB (headers live there)"));
        }
        let id = &self.identities;
        if id.users == 0 || id.users > 1_000_000 {
            return Err(invalid("identities.users", "must be between 1 and 1,000,000"));
        }
        if id.uid_start.checked_add(id.users).is_none() {
            return Err(invalid("identities.uid_start", "uid range overflows"));
        }
        if id.domain.is_empty() || !id.domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(invalid("identities.domain", "must be letters, digits or dashes"));
        }
        if id.departed > 100_000 {
            return Err(invalid("identities.departed", "must be at most 100,000"));
        }
        if !(0.0..=0.5).contains(&id.departed_share) || (id.departed == 0 && id.departed_share > 0.0) {
            return Err(invalid("identities.departed_share", "must be between 0 and 0.5 (and 0 when departed = 0)"));
        }
        if !(0.0..=1.0).contains(&id.home_share) {
            return Err(invalid("identities.home_share", "must be between 0 and 1"));
        }
        Ok(())
    }
}

fn check_rate(key: &str, v: f64) -> Result<(), ProfileError> {
    if v.is_finite() && (0.0..=1.0).contains(&v) { Ok(()) } else { Err(invalid(key, "must be between 0 and 1")) }
}

fn known_exts() -> String {
    FileType::MIXABLE.iter().map(|t| t.ext()).collect::<Vec<_>>().join(", ")
}

/// Folder names from a profile must be valid on Windows, since targets are often SMB shares.
fn check_folder_name(key: &str, name: &str) -> Result<(), ProfileError> {
    if !super::names::is_windows_safe(name) {
        return Err(invalid(key, format!("`{name}` is not a valid Windows folder name")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_preset_names_are_the_profiles() {
        for p in DatePreset::ALL {
            let dates: Dates = toml::from_str(&format!("preset = \"{}\"", p.name())).unwrap();
            assert_eq!(dates.preset, p);
            assert_eq!(p.name().parse::<DatePreset>(), Ok(p));
        }
        assert!("recent_skew".parse::<DatePreset>().unwrap_err().contains("recent-skew"));
    }

    fn base() -> String {
        Profile::builtin_text("enterprise").unwrap().to_string()
    }

    #[test]
    fn builtin_parses_and_round_trips() {
        let p = Profile::builtin("enterprise").unwrap();
        assert_eq!(p.files, 100_000);
        assert_eq!(p.dir_count(), 8000);
        let again = Profile::from_toml(&p.to_toml(), "round trip").unwrap();
        assert_eq!(again.to_toml(), p.to_toml());
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let text = base().replace("max_depth = 24", "max_depth = 24\nfilez = 3");
        let err = Profile::from_toml(&text, "p.toml").unwrap_err().to_string();
        assert!(err.contains("filez"), "{err}");
        assert!(err.contains("line 14"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn invalid_values_name_the_key() {
        let cases = [
            ("files = 100000", "files = 0", "`files`"),
            ("as_of = \"2026-06-30\"", "as_of = \"2026-13-01\"", "`as_of`"),
            ("rate = 1.0 ", "rate = 1.5 ", "`sparse.rate`"),
            ("finance = { xlsx = 40,", "finance = { \"x.lsx\" = 40,", "`mix.finance.x.lsx`"),
            ("head = \"1MiB\"", "head = \"1000\"", "`sparse.head`"),
            ("by_depth = [24.86,", "by_depth = [-1.0,", "`sizes.by_depth[0]`"),
            ("16.22, 16.15,", "16.22, nan,", "`sizes.by_depth[11]`"),
        ];
        for (from, to, key) in cases {
            let text = base().replace(from, to);
            assert_ne!(text, base(), "{from}");
            let err = Profile::from_toml(&text, "p.toml").unwrap_err().to_string();
            assert!(err.contains(key), "{err} should name {key}");
        }
    }

    #[test]
    fn storyline_sections_are_checked() {
        let story = Profile::builtin_text("panzura-demo").unwrap();
        assert!(Profile::from_toml(story, "p.toml").is_ok());
        let cases = [
            // An event named as another top-level folder, case aside.
            ("name = \"Acquired - Northwind 2019\"", "name = \"public\"", "top-level folder `public` appears twice"),
            ("dormant = 30.7,", "dormnt = 30.7,", "`classes.shares.dormnt`"),
            ("IT = { active = 60,", "IT = { active = -1,", "`classes.folders.IT.active`"),
            ("weight = 2.2 ", "weight = 0.0 ", "`template.departments[6].weight`"),
            ("loose_root_share = 0.0003", "loose_root_share = 0.9", "`template.loose_root_share`"),
            ("grant_share = 0.3 ", "grant_share = 1.3 ", "`acls.grant_share`"),
            ("user_grant_share = 0.2 ", "user_grant_share = 0.99 ", "`acls.user_grant_share`"),
            ("\"IT/Credentials\"", "\"IT/Credentials/Old\"", "`acls.protected[3]`"),
            ("folders = [\"Board\"]", "folders = [\"Bo:ard\"]", "`template.departments[8].folders[0]`"),
            ("department_folders = [\"Temp\"]", "department_folders = [\"T*\"]", "`template.department_folders[0]`"),
        ];
        for (from, to, want) in cases {
            let text = story.replace(from, to);
            assert_ne!(text, story, "{from}");
            let err = Profile::from_toml(&text, "p.toml").unwrap_err().to_string();
            assert!(err.contains(want), "{err} should say {want}");
        }
        let text = base().replace("[template]", "[dates]\nhot_share = 2.0\n\n[template]");
        let err = Profile::from_toml(&text, "p.toml").unwrap_err().to_string();
        assert!(err.contains("dates.hot_share"), "{err}");
    }

    #[test]
    fn bad_size_string_is_reported() {
        let text = base().replace("tail_min = \"512MiB\"", "tail_min = \"lots\"");
        let err = Profile::from_toml(&text, "p.toml").unwrap_err().to_string();
        assert!(err.contains("lots"), "{err}");
    }

    #[test]
    fn set_counts_keeps_the_ratio() {
        let mut p = Profile::builtin("enterprise").unwrap();
        p.set_counts(Some(1_000_000), None);
        assert_eq!(p.files, 1_000_000);
        assert_eq!(p.dir_count(), 80_000);
        p.set_counts(None, Some(5));
        assert_eq!(p.dir_count(), 5);
    }
}
