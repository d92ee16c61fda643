//! Turns parsed options into what the library needs: a validated profile and tree.

use std::sync::Arc;

use anyhow::Context;
use synthfs::identity;
use synthfs_model::accounts::Roster;
use synthfs_model::{Profile, Tree};

use crate::cli::TreeArgs;

/// An error caused by the user's input (exit code 2), as opposed to a failure of the work.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Library errors that are sometimes the user's to fix (a bad mount point, an existing output)
/// and sometimes a failure of the work.
pub trait MaybeBadInput: std::error::Error + Send + Sync + 'static {
    fn is_bad_input(&self) -> bool;
}

#[cfg(target_os = "linux")]
impl MaybeBadInput for synthfs_fuse::MountError {
    fn is_bad_input(&self) -> bool {
        synthfs_fuse::MountError::is_bad_input(self)
    }
}

impl MaybeBadInput for synthfs::materialize::MaterializeError {
    fn is_bad_input(&self) -> bool {
        synthfs::materialize::MaterializeError::is_bad_input(self)
    }
}

impl MaybeBadInput for synthfs::identity::IdentityError {
    fn is_bad_input(&self) -> bool {
        synthfs::identity::IdentityError::is_bad_input(self)
    }
}

impl MaybeBadInput for synthfs::archive::ArchiveError {
    fn is_bad_input(&self) -> bool {
        synthfs::archive::ArchiveError::is_bad_input(self)
    }
}

/// Turns a library error into the binary's: [`BadInput`] (exit code 2) when the user can fix
/// it, the error itself (exit code 1) otherwise.
pub fn lift<E: MaybeBadInput>(e: E) -> anyhow::Error {
    if e.is_bad_input() { BadInput(e.to_string()).into() } else { e.into() }
}

/// Prints one value as pretty JSON on stdout, for `--json`.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Loads the profile and applies the command-line overrides.
pub fn resolve_profile(args: &TreeArgs) -> Result<Profile, BadInput> {
    let mut profile = synthfs::profile_file::load(&args.profile).map_err(|e| BadInput(e.to_string()))?;
    if let Some(seed) = args.seed {
        profile.seed = seed;
    }
    if args.files == Some(0) {
        return Err(BadInput("--files must be at least 1".into()));
    }
    if args.dirs == Some(0) {
        return Err(BadInput("--dirs must be at least 1 (the root)".into()));
    }
    profile.set_counts(args.files, args.dirs);
    if let Some(x) = args.size_scale {
        profile.sizes.scale = x;
    }
    if let Some(d) = &args.as_of {
        profile.as_of = parse_day("--as-of", d)?.to_string();
    }
    if args.acl_tiers {
        profile.acls.tiers = true;
    }
    if args.nt_acls {
        profile.acls.windows = true;
    }
    if args.control_chars {
        profile.torture.control_chars = true;
    }
    for (flag, value, knob) in [
        ("--hostile-names", args.hostile_names, &mut profile.torture.hostile_names),
        ("--odd-metadata", args.odd_metadata, &mut profile.torture.odd_metadata),
    ] {
        if let Some(pct) = value {
            if !(0.0..=100.0).contains(&pct) {
                return Err(BadInput(format!("{flag} {pct}: expected a percentage from 0 to 100")));
            }
            *knob = pct / 100.0;
        }
    }
    if let Some(pct) = args.attachment_rate {
        if !(0.0..=100.0).contains(&pct) {
            return Err(BadInput(format!("--attachment-rate {pct}: expected a percentage from 0 to 100")));
        }
        profile.email.attachment_rate = pct / 100.0;
    }
    let dates = &args.dates;
    if let Some(p) = dates.date_preset {
        profile.dates.preset = p;
    }
    if let Some(pct) = dates.recent_bias {
        if !(0.0..=100.0).contains(&pct) {
            return Err(BadInput(format!("--recent-bias {pct}: expected a percentage from 0 to 100")));
        }
        profile.dates.recent_bias = pct / 100.0;
    }
    if let Some(pct) = dates.hot_share {
        if !(0.0..=100.0).contains(&pct) {
            return Err(BadInput(format!("--hot-share {pct}: expected a percentage from 0 to 100")));
        }
        profile.dates.hot_share = pct / 100.0;
    }
    if let Some(d) = &dates.min_date {
        profile.dates.min = Some(parse_day("--min-date", d)?.to_string());
    }
    if let Some(d) = &dates.max_date {
        profile.dates.max = Some(parse_day("--max-date", d)?.to_string());
    }
    let id = &args.identities;
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
    profile.validate().map_err(|e| BadInput(e.to_string()))?;
    Ok(profile)
}

/// A day given on the command line: YYYY-MM-DD, or `today` (UTC).
pub fn parse_day(flag: &str, value: &str) -> Result<synthfs_model::date::Date, BadInput> {
    use synthfs_model::date::Date;
    if value.eq_ignore_ascii_case("today") {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        return Ok(Date::of_unix(now as i64));
    }
    Date::parse(value).ok_or_else(|| BadInput(format!("{flag} {value}: expected YYYY-MM-DD or today")))
}

/// Reads the accounts the profile's identity source names (nothing for synthetic ones).
pub fn load_identities(profile: &Profile) -> anyhow::Result<Option<Arc<Roster>>> {
    identity::load(&profile.identities).map_err(lift)
}

/// Builds the tree the options describe, owners loaded from their source.
pub fn resolve_tree(args: &TreeArgs) -> anyhow::Result<Tree> {
    let profile = resolve_profile(args)?;
    let roster = load_identities(&profile)?;
    Ok(Tree::with_roster(profile, roster)
        .map_err(|e| BadInput(e.to_string()))?
        .with_workers(Arc::new(synthfs::workers::ScopedThreads)))
}

/// Sets the size of rayon's global pool.
pub fn set_threads(threads: Option<usize>) -> anyhow::Result<()> {
    if let Some(t) = threads {
        if t == 0 {
            return Err(BadInput("--threads must be at least 1".into()).into());
        }
        rayon::ThreadPoolBuilder::new().num_threads(t).build_global().context("cannot start the worker threads")?;
    }
    Ok(())
}
