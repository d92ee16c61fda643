//! `synthfs diff`: the ground truth of every change between two epochs of a tree, one record
//! per change, from the model alone.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use clap::Args;
use synthfs::diff::{Change, Counts, Diff};
use synthfs_model::units::Count;

use super::errors::BadInput;
use super::manifest::RecordFormat;
use super::output::print_json;
use super::threads::{ThreadArgs, Threads};
use super::tree::{TreeArgs, TreeJob};

#[derive(Debug, Args)]
#[command(
    after_long_help = "Records (jsonl): {\"change\":\"added|deleted|renamed|modified|metadata\",\"type\":\"file|dir\",
\"inode\":N,\"path\":\"...\"} with old_path for a rename, fields for a modification or a metadata
change (content, size, modified, accessed, owner, mode, readonly, hidden, ...) and a file's size.
A file keeps its inode for life, renamed or not; a folder deleted lists everything it held.
Records come in the tree's depth-first order.

Examples:
  synthfs diff --files 100k --from 0 --to 1 > day1.jsonl
  synthfs diff --files 100k --from 0 --to 1 --events > day1-audit.jsonl
  synthfs diff --files 100k --to 30 --summary
  synthfs diff -p panzura-demo --from 5 --to 6 --format csv -o changes.csv"
)]
pub struct DiffArgs {
    #[command(flatten)]
    pub tree: TreeArgs,
    /// The earlier epoch.
    #[arg(long, value_name = "M", default_value_t = 0, help_heading = "Diff")]
    pub from: u64,
    /// The later epoch (earlier than --from lists the changes backwards).
    #[arg(long, value_name = "N", help_heading = "Diff")]
    pub to: u64,
    /// Record format: jsonl (one JSON object per line) or csv (with a header row).
    #[arg(long, value_enum, default_value = "jsonl", help_heading = "Output")]
    pub format: RecordFormat,
    /// Write to FILE (and print the counts) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Instead of the changes, the operations that made them as a Windows file server's
    /// object-access audit logs them (event ids 4663, 4660, 4670; one JSON object per line, in
    /// time order, each by an account that works where it acts).
    #[arg(long, help_heading = "Output", conflicts_with = "summary")]
    pub events: bool,
    /// Print only the counts of changes by kind.
    #[arg(long, help_heading = "Output")]
    pub summary: bool,
    /// With --summary or -o: the counts as JSON.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
    #[command(flatten)]
    pub threads: ThreadArgs,
}

pub struct Config {
    from: TreeJob,
    to: TreeJob,
    format: RecordFormat,
    output: Option<PathBuf>,
    summary: bool,
    json: bool,
    events: bool,
}

impl TryFrom<DiffArgs> for Config {
    type Error = BadInput;

    fn try_from(args: DiffArgs) -> Result<Config, BadInput> {
        if args.tree.epochs.epoch.is_some() {
            return Err(BadInput("diff takes --from and --to, not --epoch".into()));
        }
        if args.events && args.from >= args.to {
            return Err(BadInput(format!("--events needs --from before --to (got {} and {})", args.from, args.to)));
        }
        if args.events && args.format == RecordFormat::Csv {
            return Err(BadInput("--events are JSON lines (drop --format csv)".into()));
        }
        let threads = Threads::try_from(&args.threads)?;
        // The worker pool is sized once, by the first tree started.
        let at = |e: u64, threads| {
            let mut tree = args.tree.clone();
            tree.epochs.epoch = Some(e);
            TreeJob::with_threads(&tree, threads)
        };
        Ok(Config {
            from: at(args.from, threads)?,
            to: at(args.to, Threads::new(None)?)?,
            format: args.format,
            output: args.output,
            summary: args.summary,
            json: args.json,
            events: args.events,
        })
    }
}

const CSV_HEADER: &str = "change,type,inode,path,old_path,fields,size";

fn csv_field(s: &str, out: &mut String) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

fn write_record(c: &Change, format: RecordFormat, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        RecordFormat::Jsonl => {
            serde_json::to_writer(&mut *out, c).map_err(std::io::Error::from)?;
            out.write_all(b"\n")
        }
        RecordFormat::Csv => {
            let mut line = format!("{},{},{},", c.change.name(), c.kind, c.inode);
            csv_field(&c.path, &mut line);
            line.push(',');
            csv_field(c.old_path.as_deref().unwrap_or(""), &mut line);
            line.push(',');
            line.push_str(&c.fields.join(";"));
            line.push(',');
            if let Some(s) = c.size {
                line.push_str(&s.to_string());
            }
            line.push_str("\r\n");
            out.write_all(line.as_bytes())
        }
    }
}

pub fn run(config: Config) -> anyhow::Result<()> {
    let from = config.from.start()?;
    let to = config.to.start()?;
    let started = std::time::Instant::now();
    let changes = Diff { from: &from, to: &to }.changes();
    let mut counts = Counts::default();
    changes.iter().for_each(|c| counts.add(c));
    let print_counts = |counts: &Counts, extra: &str| -> anyhow::Result<()> {
        if config.json {
            print_json(counts)?;
        } else {
            let secs = started.elapsed().as_secs_f64();
            writeln!(
                std::io::stdout().lock(),
                "epoch {} -> {}: {} added, {} deleted, {} renamed, {} modified, {} metadata{extra} ({secs:.1} s)",
                from.epoch(),
                to.epoch(),
                Count(counts.added),
                Count(counts.deleted),
                Count(counts.renamed),
                Count(counts.modified),
                Count(counts.metadata),
            )?;
        }
        Ok(())
    };
    if config.summary {
        return print_counts(&counts, "");
    }
    let audit = config.events.then(|| synthfs::diff::events(&Diff { from: &from, to: &to }, &changes));
    let write_all = |out: &mut dyn Write| -> std::io::Result<()> {
        if let Some(events) = &audit {
            for e in events {
                serde_json::to_writer(&mut *out, e).map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
            }
            return out.flush();
        }
        if config.format == RecordFormat::Csv {
            out.write_all(CSV_HEADER.as_bytes())?;
            out.write_all(b"\r\n")?;
        }
        for c in &changes {
            write_record(c, config.format, out)?;
        }
        out.flush()
    };
    match &config.output {
        None => write_all(&mut BufWriter::with_capacity(1 << 20, std::io::stdout().lock()))?,
        Some(path) => {
            let cannot_write = |e: std::io::Error| anyhow::anyhow!("cannot write {}: {e}", path.display());
            let file = std::fs::File::create(path).map_err(cannot_write)?;
            write_all(&mut BufWriter::with_capacity(1 << 20, file)).map_err(cannot_write)?;
            print_counts(&counts, &format!(", written to {}", path.display()))?;
        }
    }
    Ok(())
}
