//! `synthfs profile list|show|fit`: the built-in profiles, one printed as TOML, and a profile
//! fitted to the shape of a real directory.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use synthfs_model::Profile;
use synthfs_model::date::{DAY, Date};
use synthfs_model::profile::builtin_names;
use synthfs_model::units::Count;

use super::errors::BadInput;
use super::stats::walk_dir;
use super::tree::{parse_count, parse_day};

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// List the built-in profiles.
    #[command(
        after_long_help = "Examples:\n  synthfs profile list\n  synthfs profile show ediscovery     # then print one"
    )]
    List,
    /// Print a profile as TOML (a built-in with its comments, or a file with defaults filled in).
    #[command(
        after_long_help = "Examples:\n  synthfs profile show enterprise > my.toml && synthfs stats --profile my.toml\n  synthfs profile show my.toml        # a file, with every default filled in"
    )]
    Show(ShowArgs),
    /// Write a profile whose trees have the shape of a real directory (statistics only).
    #[command(
        after_long_help = "Walks DIR (a parallel walk that reads no content) and prints a profile on stdout: the file and\nfolder counts, the size distribution, the extension mix, the depth and the age range of DIR. No name or byte of\nDIR is kept: only statistics (and the extensions' names).\n\nExamples:\n  synthfs profile fit /srv/share > share.toml && synthfs stats --profile share.toml\n  synthfs profile fit /srv/share --files 10M > big.toml   # the same shape, ten million files\n  synthfs stats --profile share.toml --plot fit.svg --compare /srv/share"
    )]
    Fit(FitArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A built-in profile name or a TOML file.
    #[arg(default_value = "enterprise")]
    pub profile: String,
}

#[derive(Debug, Args)]
pub struct FitArgs {
    /// The directory to imitate.
    pub dir: PathBuf,
    /// Scale to this many files (the folders follow, to keep files per folder) [default: DIR's].
    #[arg(long, short = 'n', value_name = "N", value_parser = parse_count)]
    pub files: Option<u64>,
    /// The profile's name [default: fitted].
    #[arg(long, default_value = "fitted")]
    pub name: String,
    /// The profile's seed.
    #[arg(long, short = 's', default_value_t = 1)]
    pub seed: u64,
    /// The date DIR's ages are measured from (YYYY-MM-DD or today) [default: today].
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
}

/// What `profile` does, decided from its options.
pub enum Config {
    List,
    /// Print this TOML.
    Show(String),
    Fit(FitConfig),
}

pub struct FitConfig {
    dir: PathBuf,
    files: Option<u64>,
    name: String,
    seed: u64,
    as_of: Date,
    /// Fitted as of today, which is not over: the profile's range ends yesterday.
    today: bool,
}

impl TryFrom<ProfileCommand> for Config {
    type Error = BadInput;

    fn try_from(command: ProfileCommand) -> Result<Config, BadInput> {
        Ok(match command {
            ProfileCommand::List => Config::List,
            ProfileCommand::Show(args) => Config::Show(match Profile::builtin_text(&args.profile) {
                Some(t) => t.to_string(),
                None => synthfs::profile_file::load(&args.profile).map_err(|e| BadInput(e.to_string()))?.to_toml(),
            }),
            ProfileCommand::Fit(args) => {
                let day = args.as_of.as_deref().unwrap_or("today");
                let (as_of, today) = (parse_day("--as-of", day)?, day.eq_ignore_ascii_case("today"));
                if args.files == Some(0) {
                    return Err(BadInput("--files must be at least 1".into()));
                }
                let (dir, files, name, seed) = (args.dir, args.files, args.name, args.seed);
                Config::Fit(FitConfig { dir, files, name, seed, as_of, today })
            }
        })
    }
}

pub fn run(config: Config) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match config {
        Config::List => {
            for name in builtin_names() {
                let p = Profile::builtin(name).ok_or_else(|| anyhow::anyhow!("built-in profile {name} is missing"))?;
                writeln!(out, "{name:<12} {} files, {} dirs: {}", p.files, p.dir_count(), p.description)?;
            }
        }
        Config::Show(text) => out.write_all(text.as_bytes())?,
        Config::Fit(fit) => {
            let text = fitted(fit)?;
            out.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

/// The fitted profile as TOML, with a header saying where it comes from.
fn fitted(config: FitConfig) -> anyhow::Result<String> {
    let FitConfig { dir, files, name, seed, as_of, today } = config;
    let stats = walk_dir(&dir, as_of)?;
    let opts = synthfs::fit::FitOptions { name, as_of: as_of.to_string(), as_of_end: as_of.unix() + DAY - 1, seed };
    let mut p = synthfs::fit::fit(&stats, &opts).map_err(|e| BadInput(format!("cannot fit {}: {e}", dir.display())))?;
    if today {
        // The trees the profile makes today then hold no file newer than now.
        p.dates.max = Some(Date::from_days(as_of.days() - 1).to_string());
    }
    if let Some(n) = files {
        let ratio = n as f64 / p.files as f64;
        p.dirs = p.dirs.map(|d| ((d as f64 * ratio).round() as u64).clamp(1, n.max(1)));
        p.template.loose_root_files =
            (f64::from(p.template.loose_root_files) * ratio).round().min(f64::from(u32::MAX)) as u32;
        p.files = n;
    }
    tracing::info!(files = stats.files, dirs = stats.dirs, fanout = p.template.fanout, "fitted");
    Ok(format!(
        "# Fitted by `synthfs profile fit` from a tree of {} files in {} folders (as of {as_of}).\n\
         # Only statistics are kept: counts, the size law and bytes by depth, the extension mix, depth and ages.\n\n{}",
        Count(stats.files),
        Count(stats.dirs),
        p.to_toml()
    ))
}
