//! `synthfs manifest`: the ground truth, one record per file straight from the model, on
//! stdout or into a file, one shard of it if asked.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use synthfs::manifest::{self, Format};
use synthfs::materialize::shard::Shard;
use synthfs_model::units::{Bytes, Count};

use super::errors::BadInput;
use super::threads::{ThreadArgs, Threads};
use super::tree::{TreeArgs, TreeJob, parse_shard};

#[derive(Debug, Args)]
#[command(
    after_long_help = "Records come in file order; shards split them as materialize splits the files, so the outputs of
--shard 0/N ... N-1/N concatenated are the whole manifest.

Examples:
  synthfs manifest --files 1M > truth.jsonl
  synthfs manifest -p panzura-demo --format csv -o truth.csv
  synthfs manifest --files 100M --shard 3/8 > part3.jsonl"
)]
pub struct ManifestArgs {
    #[command(flatten)]
    pub tree: TreeArgs,
    /// Record format: jsonl (one JSON object per line) or csv (with a header row).
    #[arg(long, value_enum, default_value = "jsonl", help_heading = "Output")]
    pub format: RecordFormat,
    /// Write to FILE (and print a summary) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Only shard K of N (K from 0), or auto/N to read K from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID.
    #[arg(long, value_name = "K/N", help_heading = "Run")]
    pub shard: Option<String>,
    #[command(flatten)]
    pub threads: ThreadArgs,
}

/// `--format`: the manifest's record formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecordFormat {
    /// One JSON object per line.
    Jsonl,
    /// RFC 4180 CSV with a header row.
    Csv,
}

impl From<RecordFormat> for Format {
    fn from(f: RecordFormat) -> Format {
        match f {
            RecordFormat::Jsonl => Format::Jsonl,
            RecordFormat::Csv => Format::Csv,
        }
    }
}

/// What `manifest` does, decided from its options.
pub struct Config {
    job: TreeJob,
    format: Format,
    shard: Shard,
    /// None: standard output.
    output: Option<PathBuf>,
}

impl TryFrom<ManifestArgs> for Config {
    type Error = BadInput;

    fn try_from(args: ManifestArgs) -> Result<Config, BadInput> {
        let threads = Threads::try_from(&args.threads)?;
        let shard = parse_shard(args.shard.as_deref())?;
        let job = TreeJob::with_threads(&args.tree, threads)?;
        Ok(Config { job, format: args.format.into(), shard, output: args.output })
    }
}

pub fn run(config: Config) -> anyhow::Result<()> {
    let tree = config.job.start()?;
    let started = std::time::Instant::now();
    let Some(path) = &config.output else {
        let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout());
        manifest::write(&tree, config.format, config.shard, &mut out)?;
        return Ok(());
    };
    let cannot_write = |e: std::io::Error| anyhow::anyhow!("cannot write {}: {e}", path.display());
    let file = std::fs::File::create(path).map_err(cannot_write)?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let w = manifest::write(&tree, config.format, config.shard, &mut out).map_err(cannot_write)?;
    let secs = started.elapsed().as_secs_f64();
    writeln!(
        std::io::stdout().lock(),
        "wrote {} records ({}) to {} in {secs:.1} s, {} records/s",
        Count(w.records),
        Bytes(w.bytes),
        path.display(),
        Count((w.records as f64 / secs.max(1e-9)) as u64)
    )?;
    Ok(())
}
