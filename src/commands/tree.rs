//! The tree options every command shares, and the one way the binary turns them into a
//! [`Profile`] and a [`Tree`]: the same options name the same tree in every command.

use std::sync::Arc;

use clap::Args;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use synthfs::identity;
use synthfs::materialize::Shard;
use synthfs_model::accounts::Roster;
use synthfs_model::date::Date;
use synthfs_model::profile::DatePreset;
use synthfs_model::{Profile, Tree};

use super::errors::{BadInput, lift};
use super::threads::{ThreadArgs, Threads};

/// Options that choose the tree; the same for every command.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Tree")]
pub struct TreeArgs {
    /// Built-in profile name or path to a profile TOML file.
    #[arg(long, short = 'p', default_value = "enterprise", value_name = "NAME|FILE")]
    pub profile: String,
    /// Seed: another seed gives another tree of the same shape [default: the profile's].
    #[arg(long, short = 's')]
    pub seed: Option<u64>,
    /// Exact number of files (2.5M, 250k, 1G) [default: the profile's].
    #[arg(long, short = 'n', value_name = "N", value_parser = parse_count)]
    pub files: Option<u64>,
    /// Exact number of directories, the root included [default: keeps the profile's files per directory].
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub dirs: Option<u64>,
    /// Multiply every file size by X (what `archive --target-size` reports) [default: the profile's].
    #[arg(long, value_name = "X")]
    pub size_scale: Option<f64>,
    /// The tree's today, YYYY-MM-DD or `today`: ages count from it and the date range ends on it
    /// [default: the profile's]. With `stats DIR`: the date DIR's ages count from [default: today].
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    #[command(flatten)]
    pub dates: DateArgs,
    /// Grant each department's read, modify and full-control groups (gids from 30000) as POSIX ACLs on its folders and files, for permission scanners [default: the profile's acls.tiers].
    #[arg(long, help_heading = "Permissions")]
    pub acl_tiers: bool,
    /// Give every folder and file an NT security descriptor (SDDL in user.synthfs.sddl, its SIDs resolved in user.synthfs.sddl_sids), with the profile's [acls] anti-patterns; `report` counts them [default: the profile's acls.windows].
    #[arg(long, help_heading = "Permissions")]
    pub nt_acls: bool,
    /// With the torture profile: also names with newlines, tabs, carriage returns and escape sequences (POSIX only) [default: the profile's torture.control_chars].
    #[arg(long, help_heading = "Torture")]
    pub control_chars: bool,
    /// In any profile: the percentage of files whose name gets a hostile twist (NFD, right-to-left, emoji, combining marks, trailing dot or space, leading dash, a Windows device stem or forbidden character, an invisible space, 255 bytes) [default: the profile's torture.hostile_names].
    #[arg(long, value_name = "PCT", help_heading = "Torture")]
    pub hostile_names: Option<f64>,
    /// In any profile: the percentage of files with odd metadata (mode 000, times at 1970, before 1970, after 2038 or in the future, modified before created) [default: the profile's torture.odd_metadata].
    #[arg(long, value_name = "PCT", help_heading = "Torture")]
    pub odd_metadata: Option<f64>,
    /// The percentage of e-mails (.eml) that carry attachments as MIME parts; `archive --families` extracts them as documents [default: the profile's email.attachment_rate].
    #[arg(long, value_name = "PCT", help_heading = "Tree")]
    pub attachment_rate: Option<f64>,
    #[command(flatten)]
    pub identities: IdentityArgs,
    #[command(flatten)]
    pub epochs: EpochArgs,
}

/// Which day of the share's life: the same tree later, changed by the profile's `[churn]`.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Epochs")]
pub struct EpochArgs {
    /// The share N epochs (days, by the profile's churn.days) after the profile's: files added, modified, renamed, deleted, handed over; `synthfs diff` lists every change [default: 0].
    #[arg(long, value_name = "N")]
    pub epoch: Option<u64>,
    /// Multiply every rate of change per epoch by X (0 freezes the share, 2 doubles its activity) [default: 1].
    #[arg(long, value_name = "X")]
    pub churn: Option<f64>,
}

/// When files were modified; names, sizes and owners stay the same whatever the dates.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Dates")]
pub struct DateArgs {
    /// How modification times spread over the range [default: the profile's].
    #[arg(long, value_name = "PRESET", value_parser = date_preset())]
    pub date_preset: Option<DatePreset>,
    /// With recent-skew: the percentage of files modified in the newest fifth of the range [default: 70].
    #[arg(long, value_name = "PCT")]
    pub recent_bias: Option<f64>,
    /// Hot data: a further percentage of files modified in the last 30 days (`[dates] hot_days`) of the range, whatever the preset [default: the profile's, 0].
    #[arg(long, value_name = "PCT")]
    pub hot_share: Option<f64>,
    /// First day of the range, YYYY-MM-DD [default: the profile's max_age_years before --as-of].
    #[arg(long, value_name = "DATE")]
    pub min_date: Option<String>,
    /// Last day of the range, YYYY-MM-DD, or `today` for the last whole day (no file newer than now); after --as-of gives files from the future [default: --as-of, or yesterday with --as-of today].
    #[arg(long, value_name = "DATE")]
    pub max_date: Option<String>,
}

/// Where the owners come from; names, sizes and bytes stay the same whatever the source.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Owners")]
pub struct IdentityArgs {
    /// Accounts that own the files: synthetic, system (the host's NSS accounts), FILE.csv (an AD export) or ldap[s]://HOST[:PORT] [default: the profile's].
    #[arg(long, value_name = "SOURCE")]
    pub identities: Option<String>,
    /// With `system`: only accounts with a uid in this range [default: 1000-60000].
    #[arg(long, value_name = "FIRST-LAST")]
    pub uid_range: Option<String>,
    /// With `system`: only members of this group.
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
    /// With LDAP: the search base (dc=corp,dc=example,dc=com).
    #[arg(long, value_name = "DN")]
    pub ldap_base: Option<String>,
    /// With LDAP: the DN to bind as [default: anonymous].
    #[arg(long, value_name = "DN")]
    pub ldap_bind_dn: Option<String>,
    /// With LDAP: the environment variable that holds the bind password.
    #[arg(long, value_name = "VAR")]
    pub ldap_password_env: Option<String>,
    /// With LDAP: a file whose first line is the bind password.
    #[arg(long, value_name = "FILE")]
    pub ldap_password_file: Option<String>,
    /// With a mount: re-read the accounts every SECS seconds (new owners show as the kernel's cached attributes, kept SECS, expire).
    #[arg(long, value_name = "SECS")]
    pub identities_refresh: Option<u64>,
}

impl TreeArgs {
    /// Loads the profile and applies the command-line overrides, then checks the result.
    pub fn profile(&self) -> Result<Profile, BadInput> {
        let mut profile = synthfs::profile_file::load(&self.profile).map_err(|e| BadInput(e.to_string()))?;
        if let Some(seed) = self.seed {
            profile.seed = seed;
        }
        if self.files == Some(0) {
            return Err(BadInput("--files must be at least 1".into()));
        }
        if self.dirs == Some(0) {
            return Err(BadInput("--dirs must be at least 1 (the root)".into()));
        }
        profile.set_counts(self.files, self.dirs);
        if let Some(x) = self.size_scale {
            profile.sizes.scale = x;
        }
        if let Some(d) = &self.as_of {
            profile.as_of = parse_day("--as-of", d)?.to_string();
            // Today is not over: a range that ran to its end would hold files newer than now.
            if is_today(d) && self.dates.max_date.is_none() && profile.dates.max.is_none() {
                profile.dates.max = Some(yesterday().to_string());
            }
        }
        if self.acl_tiers {
            profile.acls.tiers = true;
        }
        if self.nt_acls {
            profile.acls.windows = true;
        }
        if self.control_chars {
            profile.torture.control_chars = true;
        }
        if let Some(pct) = self.hostile_names {
            profile.torture.hostile_names = fraction("--hostile-names", pct)?;
        }
        if let Some(pct) = self.odd_metadata {
            profile.torture.odd_metadata = fraction("--odd-metadata", pct)?;
        }
        if let Some(pct) = self.attachment_rate {
            profile.email.attachment_rate = fraction("--attachment-rate", pct)?;
        }
        let dates = &self.dates;
        if let Some(p) = dates.date_preset {
            profile.dates.preset = p;
        }
        if let Some(pct) = dates.recent_bias {
            profile.dates.recent_bias = fraction("--recent-bias", pct)?;
        }
        if let Some(pct) = dates.hot_share {
            profile.dates.hot_share = fraction("--hot-share", pct)?;
        }
        if let Some(d) = &dates.min_date {
            profile.dates.min = Some(parse_day("--min-date", d)?.to_string());
        }
        if let Some(d) = &dates.max_date {
            let last = if is_today(d) { yesterday() } else { parse_day("--max-date", d)? };
            profile.dates.max = Some(last.to_string());
        }
        let id = &self.identities;
        let ids = &mut profile.identities;
        if let Some(source) = &id.identities {
            ids.source = source.clone();
        }
        let set = |field: &mut Option<String>, value: &Option<String>| {
            if value.is_some() {
                *field = value.clone();
            }
        };
        set(&mut ids.uid_range, &id.uid_range);
        set(&mut ids.group, &id.group);
        set(&mut ids.ldap_base, &id.ldap_base);
        set(&mut ids.ldap_bind_dn, &id.ldap_bind_dn);
        set(&mut ids.ldap_password_env, &id.ldap_password_env);
        set(&mut ids.ldap_password_file, &id.ldap_password_file);
        if let Some(r) = id.identities_refresh {
            ids.refresh = r;
        }
        identity::check_settings(ids).map_err(|e| BadInput(e.to_string()))?;
        if let Some(x) = self.epochs.churn {
            if !(x.is_finite() && (0.0..=1000.0).contains(&x)) {
                return Err(BadInput(format!("--churn {x}: give a factor between 0 and 1000")));
            }
            profile.churn = profile.churn.scaled(x);
        }
        if let Some(n) = self.epochs.epoch {
            let max = synthfs_model::epoch::MAX_EPOCH;
            if n > max {
                return Err(BadInput(format!("--epoch {n}: the last epoch is {max}")));
            }
            profile.epoch = n;
        }
        profile.validate().map_err(|e| BadInput(e.to_string()))?;
        Ok(profile)
    }
}

/// A percentage from the command line as the profile's fraction.
fn fraction(flag: &str, pct: f64) -> Result<f64, BadInput> {
    if !(0.0..=100.0).contains(&pct) {
        return Err(BadInput(format!("{flag} {pct}: expected a percentage from 0 to 100")));
    }
    Ok(pct / 100.0)
}

/// A day given on the command line: YYYY-MM-DD, or `today` (UTC).
pub fn parse_day(flag: &str, value: &str) -> Result<Date, BadInput> {
    if is_today(value) {
        return Ok(today());
    }
    Date::parse(value).ok_or_else(|| BadInput(format!("{flag} {value}: expected YYYY-MM-DD or today")))
}

/// `--shard K/N`: the part of the tree's files a run covers, all of them without the option.
pub fn parse_shard(value: Option<&str>) -> Result<Shard, BadInput> {
    value.map_or(Ok(Shard::ALL), |s| Shard::parse(s).map_err(|e| BadInput(e.to_string())))
}

/// Whether a day given on the command line is `today`.
fn is_today(value: &str) -> bool {
    value.eq_ignore_ascii_case("today")
}

/// Today (UTC).
fn today() -> Date {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    Date::of_unix(now as i64)
}

/// The last whole day before today (UTC): where `today` ends a range, so that no file is
/// newer than now and the tree stays the same all day.
fn yesterday() -> Date {
    Date::from_days(today().days() - 1)
}

/// Reads the accounts the profile's identity source names (nothing for synthetic ones).
pub fn load_identities(profile: &Profile) -> anyhow::Result<Option<Arc<Roster>>> {
    identity::load(&profile.identities).map_err(lift)
}

/// Builds the profile's tree owned by `roster`: the one place the binary makes a [`Tree`], so
/// every tree gets the binary's threads for the model's parallel work.
pub fn build(profile: Profile, roster: Option<Arc<Roster>>) -> anyhow::Result<Tree> {
    let tree = Tree::with_roster(profile, roster).map_err(|e| BadInput(e.to_string()))?;
    Ok(tree.with_workers(Arc::new(synthfs::workers::ScopedThreads)))
}

/// Reads the owners the profile names and builds its tree.
pub fn load(profile: Profile) -> anyhow::Result<Tree> {
    let roster = load_identities(&profile)?;
    build(profile, roster)
}

/// A count with an optional suffix: 2.5M, 250k, 1G.
pub fn parse_count(s: &str) -> Result<u64, String> {
    synthfs_model::units::parse_count(s).map_err(|e| e.to_string())
}

/// `--date-preset`: the model's presets by name, listed in the help and in errors.
fn date_preset() -> impl TypedValueParser<Value = DatePreset> {
    let values = DatePreset::ALL.map(|p| {
        let help = match p {
            DatePreset::Aging => "most files recent, a long tail of old ones",
            DatePreset::Uniform => "evenly over the range",
            DatePreset::RecentSkew => "--recent-bias of the files in the newest fifth of the range",
            DatePreset::YearSpread => "as many files in every calendar year of the range",
            DatePreset::LegacyMess => "a migrated share: half the files modified before a migration night",
        };
        PossibleValue::new(p.name()).help(help)
    });
    PossibleValuesParser::new(values).try_map(|name| name.parse::<DatePreset>())
}

/// A command over the model, decided from its options: its tree and threads, what it was
/// asked to do, and whether it prints JSON.
pub struct TreeCommand<T> {
    pub job: TreeJob,
    pub task: T,
    pub json: bool,
}

/// What every command over the model decides first: the tree's profile and its worker
/// threads, checked with the options and started with the work.
pub struct TreeJob {
    threads: Threads,
    profile: Profile,
}

impl TreeJob {
    pub fn new(tree: &TreeArgs, threads: &ThreadArgs) -> Result<TreeJob, BadInput> {
        Ok(TreeJob { threads: Threads::try_from(threads)?, profile: tree.profile()? })
    }

    pub fn with_threads(tree: &TreeArgs, threads: Threads) -> Result<TreeJob, BadInput> {
        Ok(TreeJob { threads, profile: tree.profile()? })
    }

    /// Sizes the worker pool, then builds the tree.
    pub fn start(self) -> anyhow::Result<Tree> {
        self.threads.apply()?;
        load(self.profile)
    }
}
