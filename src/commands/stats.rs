//! `synthfs stats`: totals of the model or of a real directory, as a table or JSON, and
//! optionally a plot of the distributions beside a second tree.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Args;
use synthfs::stats::{self, Stats, plot, real, render::Subject};
use synthfs_model::date::{DAY, Date};
use synthfs_model::units::Count;
use synthfs_model::{Profile, Tree};

use super::errors::BadInput;
use super::output::print_json;
use super::threads::{ThreadArgs, Threads};
use super::tree::{self, TreeArgs, parse_day};

#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  synthfs stats                          # the built-in enterprise profile\n  synthfs stats --files 2.5M --json      # a bigger tree, as JSON for scripts\n  synthfs stats --profile my.toml --seed 7 --digest\n  synthfs stats /srv/share --json        # the same report over a real directory\n  synthfs stats --plot share.svg --compare /srv/share   # the model beside a real share"
)]
pub struct StatsArgs {
    /// A real directory to total instead of the model (the same report, the same JSON keys).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Also draw the distributions (sizes, ages, files and sub-folders per folder, depth, extensions) to FILE.svg or FILE.html.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub plot: Option<PathBuf>,
    /// Draw a second tree beside the first: a real directory, or a profile (with the same --files and --seed).
    #[arg(long, value_name = "DIR|PROFILE", requires = "plot", help_heading = "Output")]
    pub compare: Option<String>,
    #[command(flatten)]
    pub tree: TreeArgs,
    #[command(flatten)]
    pub threads: ThreadArgs,
    /// Print one JSON object instead of the table.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
    /// Also compute the tree digest: a hash of every name, attribute and byte (holes cost
    /// nothing; defined in docs/usage.md).
    #[arg(long, help_heading = "Output")]
    pub digest: bool,
}

/// What `stats` does, decided from its options.
pub struct Config {
    threads: Threads,
    first: Source,
    /// With `--plot`: the file and the tree to draw beside the first, if any.
    plot: Option<(PathBuf, Option<Source>)>,
    json: bool,
    digest: bool,
}

/// A tree to total: the model of a profile, or a real directory with the day its ages count from.
enum Source {
    Model(Box<Profile>),
    Dir { path: PathBuf, as_of: Date },
}

impl TryFrom<StatsArgs> for Config {
    type Error = BadInput;

    fn try_from(args: StatsArgs) -> Result<Config, BadInput> {
        let threads = Threads::try_from(&args.threads)?;
        let dir_as_of = || parse_day("--as-of", args.tree.as_of.as_deref().unwrap_or("today"));
        let first = match &args.dir {
            Some(dir) => {
                refuse_tree_options(&args.tree)?;
                if args.digest {
                    return Err(BadInput("--digest describes the model; it does not apply to a DIR".into()));
                }
                Source::Dir { path: dir.clone(), as_of: dir_as_of()? }
            }
            None => Source::Model(Box::new(args.tree.profile()?)),
        };
        let second = match &args.compare {
            None => None,
            Some(c) if Path::new(c).is_dir() => Some(Source::Dir { path: PathBuf::from(c), as_of: dir_as_of()? }),
            Some(c) => {
                let mut t = args.tree.clone();
                t.profile = c.clone();
                Some(Source::Model(Box::new(t.profile()?)))
            }
        };
        Ok(Config { threads, first, plot: args.plot.map(|out| (out, second)), json: args.json, digest: args.digest })
    }
}

/// With a DIR, the options that choose a model tree mean nothing: refuse rather than ignore.
fn refuse_tree_options(t: &TreeArgs) -> Result<(), BadInput> {
    if t.seed.is_some()
        || t.files.is_some()
        || t.dirs.is_some()
        || t.size_scale.is_some()
        || t.identities.identities.is_some()
        || t.dates.date_preset.is_some()
        || t.dates.recent_bias.is_some()
        || t.dates.hot_share.is_some()
        || t.dates.min_date.is_some()
        || t.dates.max_date.is_some()
        || t.acl_tiers
        || t.nt_acls
    {
        return Err(BadInput(
            "with DIR, stats walks the directory: tree options (--seed, --files, ...) do not apply".into(),
        ));
    }
    Ok(())
}

pub fn run(config: Config) -> anyhow::Result<()> {
    config.threads.apply()?;
    let started = Instant::now();
    let first = config.first.walk()?;
    let digest = match (&first, config.digest) {
        (Walked::Model { tree, .. }, true) => Some(crate::progress::track(tree.file_count(), "hashed", |progress| {
            stats::digest::tree_digest(tree, progress)
        })),
        _ => None,
    };
    let elapsed = started.elapsed();
    let s = first.stats();
    tracing::info!(files = s.files, dirs = s.dirs, elapsed_ms = elapsed.as_millis() as u64, "stats walked the tree");
    if let Some((out, second)) = config.plot {
        let second = second.map(Source::walk).transpose()?;
        let mut series = vec![plot::Series { label: first.label(), stats: first.stats() }];
        if let Some(w) = &second {
            series.push(plot::Series { label: w.label(), stats: w.stats() });
        }
        plot::write(&series, &out).map_err(|e| match e {
            plot::PlotError::Format(_) => BadInput(e.to_string()).into(),
            e => anyhow::Error::from(e),
        })?;
        tracing::info!("plot written to {}", out.display());
    }
    print(&first.subject(), s, digest.as_deref(), config.json, elapsed)
}

/// A tree that was totalled: the model's or a real directory's.
enum Walked {
    Model { tree: Box<Tree>, stats: Stats },
    Dir { root: String, as_of: String, names: HashMap<u32, String>, stats: Stats },
}

impl Source {
    fn walk(self) -> anyhow::Result<Walked> {
        match self {
            Source::Model(profile) => {
                let tree = tree::load(*profile)?;
                let stats = stats::collect(&tree);
                Ok(Walked::Model { tree: Box::new(tree), stats })
            }
            Source::Dir { path, as_of } => {
                let stats = walk_dir(&path, as_of)?;
                let names = real::host_owner_names();
                Ok(Walked::Dir { root: path.display().to_string(), as_of: as_of.to_string(), names, stats })
            }
        }
    }
}

impl Walked {
    fn subject(&self) -> Subject<'_> {
        match self {
            Walked::Model { tree, .. } => Subject::Model(tree),
            Walked::Dir { root, as_of, names, .. } => Subject::Dir { root, as_of, names },
        }
    }

    fn stats(&self) -> &Stats {
        match self {
            Walked::Model { stats, .. } | Walked::Dir { stats, .. } => stats,
        }
    }

    /// How the plot's legend names it.
    fn label(&self) -> String {
        match self {
            Walked::Model { tree, stats } => {
                let p = &tree.model.profile;
                format!("{} seed {}, {} files", p.name, p.seed, Count(stats.files))
            }
            Walked::Dir { root, stats, .. } => format!("{root}, {} files", Count(stats.files)),
        }
    }
}

/// Totals of a real directory, ages measured from the end of `as_of`.
pub fn walk_dir(dir: &Path, as_of: Date) -> anyhow::Result<Stats> {
    let walked = real::collect_dir(dir, as_of.unix() + DAY - 1)
        .map_err(|e| BadInput(format!("cannot walk {}: {e}", dir.display())))?;
    if walked.errors > 0 {
        tracing::warn!(
            "{}: {} entries could not be read (permissions?) and are not counted",
            dir.display(),
            walked.errors
        );
    }
    Ok(walked.stats)
}

fn print(subject: &Subject, s: &Stats, digest: Option<&str>, json: bool, elapsed: Duration) -> anyhow::Result<()> {
    if json {
        return Ok(print_json(&stats::render::to_json(subject, s, digest))?);
    }
    let mut out = std::io::stdout().lock();
    out.write_all(stats::render::to_text(subject, s, digest).as_bytes())?;
    let secs = elapsed.as_secs_f64();
    writeln!(out, "\nwalked in {secs:.2} s ({} files/s)", Count((s.files as f64 / secs.max(1e-9)) as u64))?;
    Ok(())
}
