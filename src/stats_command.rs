//! `synthfs stats`: totals of the model or of a real directory, as a table or JSON, and
//! optionally a plot of the distributions beside a second tree.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use synthfs::stats::{self, Stats, plot, real, report::Subject};
use synthfs_model::Tree;
use synthfs_model::date::{DAY, Date};
use synthfs_model::units::Count;

use crate::cli::{StatsArgs, TreeArgs};
use crate::config::{self, BadInput};

/// A tree that was totalled: the model's or a real directory's.
enum Walked {
    Model { tree: Box<Tree>, stats: Stats },
    Dir { root: String, as_of: String, names: HashMap<u32, String>, stats: Stats },
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

pub fn run(args: StatsArgs) -> anyhow::Result<()> {
    config::set_threads(args.threads)?;
    let started = Instant::now();
    let first = match &args.dir {
        Some(dir) => {
            refuse_tree_options(&args.tree)?;
            if args.digest {
                return Err(BadInput("--digest describes the model; it does not apply to a DIR".into()).into());
            }
            walk_dir(dir, args.tree.as_of.as_deref())?
        }
        None => walk_model(&args.tree)?,
    };
    let digest = match (&first, args.digest) {
        (Walked::Model { tree, .. }, true) => Some(stats::digest::tree_digest(tree)),
        _ => None,
    };
    let elapsed = started.elapsed();
    let s = first.stats();
    tracing::info!(files = s.files, dirs = s.dirs, elapsed_ms = elapsed.as_millis() as u64, "stats walked the tree");
    if let Some(out) = &args.plot {
        let second = match &args.compare {
            None => None,
            Some(c) if Path::new(c).is_dir() => Some(walk_dir(Path::new(c), args.tree.as_of.as_deref())?),
            Some(c) => {
                let mut t = args.tree.clone();
                t.profile = c.clone();
                Some(walk_model(&t)?)
            }
        };
        let mut series = vec![plot::Series { label: first.label(), stats: first.stats() }];
        if let Some(w) = &second {
            series.push(plot::Series { label: w.label(), stats: w.stats() });
        }
        plot::write(&series, out).map_err(|e| match e {
            plot::PlotError::Format(_) => BadInput(e.to_string()).into(),
            e => anyhow::Error::from(e),
        })?;
        tracing::info!("plot written to {}", out.display());
    }
    print(&first.subject(), s, digest.as_deref(), args.json, elapsed)
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

fn walk_model(args: &TreeArgs) -> anyhow::Result<Walked> {
    let tree = config::resolve_tree(args)?;
    let stats = stats::collect(&tree);
    Ok(Walked::Model { tree: Box::new(tree), stats })
}

/// `--as-of DATE`, or today.
fn as_of_date(as_of: Option<&str>) -> Result<Date, BadInput> {
    config::parse_day("--as-of", as_of.unwrap_or("today"))
}

/// `synthfs profile fit DIR`: prints the fitted profile.
pub fn fit(dir: &Path, files: Option<u64>, name: String, seed: u64, as_of: Option<&str>) -> anyhow::Result<()> {
    let (stats, date) = walk_real(dir, as_of)?;
    let stats = &stats;
    let as_of = date.to_string();
    let opts = synthfs::fit::FitOptions { name, as_of: as_of.clone(), as_of_end: date.unix() + DAY - 1, seed };
    let mut p = synthfs::fit::fit(stats, &opts).map_err(|e| BadInput(format!("cannot fit {}: {e}", dir.display())))?;
    if let Some(n) = files {
        if n == 0 {
            return Err(BadInput("--files must be at least 1".into()).into());
        }
        let ratio = n as f64 / p.files as f64;
        p.dirs = p.dirs.map(|d| ((d as f64 * ratio).round() as u64).clamp(1, n.max(1)));
        p.template.loose_root_files =
            (f64::from(p.template.loose_root_files) * ratio).round().min(f64::from(u32::MAX)) as u32;
        p.files = n;
    }
    tracing::info!(files = stats.files, dirs = stats.dirs, fanout = p.template.fanout, "fitted");
    let header = format!(
        "# Fitted by `synthfs profile fit` from a tree of {} files in {} folders (as of {as_of}).\n\
         # Only statistics are kept: counts, the size law and bytes by depth, the extension mix, depth and ages.\n\n",
        Count(stats.files),
        Count(stats.dirs)
    );
    let mut out = std::io::stdout().lock();
    out.write_all(header.as_bytes())?;
    out.write_all(p.to_toml().as_bytes())?;
    Ok(())
}

fn walk_dir(dir: &Path, as_of: Option<&str>) -> anyhow::Result<Walked> {
    let (stats, as_of) = walk_real(dir, as_of)?;
    Ok(Walked::Dir {
        root: dir.display().to_string(),
        as_of: as_of.to_string(),
        names: real::host_owner_names(),
        stats,
    })
}

/// Totals of a real directory, ages measured from `as_of` (or today), and that date.
fn walk_real(dir: &Path, as_of: Option<&str>) -> anyhow::Result<(Stats, Date)> {
    let as_of = as_of_date(as_of)?;
    let walked = real::collect_dir(dir, as_of.unix() + DAY - 1)
        .map_err(|e| BadInput(format!("cannot walk {}: {e}", dir.display())))?;
    if walked.errors > 0 {
        tracing::warn!(
            "{}: {} entries could not be read (permissions?) and are not counted",
            dir.display(),
            walked.errors
        );
    }
    Ok((walked.stats, as_of))
}

fn print(subject: &Subject, s: &Stats, digest: Option<&str>, json: bool, elapsed: Duration) -> anyhow::Result<()> {
    if json {
        return config::print_json(&stats::report::to_json(subject, s, digest));
    }
    let mut out = std::io::stdout().lock();
    out.write_all(stats::report::to_text(subject, s, digest).as_bytes())?;
    let secs = elapsed.as_secs_f64();
    writeln!(out, "\nwalked in {secs:.2} s ({} files/s)", Count((s.files as f64 / secs.max(1e-9)) as u64))?;
    Ok(())
}
