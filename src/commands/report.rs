//! `synthfs report`: the storyline metrics a scanner's dashboard should show for the tree.

use std::io::Write;

use clap::Args;

use super::errors::BadInput;
use super::output::print_json;
use super::threads::{ThreadArgs, Threads};
use super::tree::{TreeArgs, TreeCommand, TreeJob};

#[derive(Debug, Args)]
#[command(
    after_long_help = "Every figure is one a scanner computes from stat and the user.synthfs.* attributes of a mount or a copy (creation year from user.synthfs.created, dormancy from the access time, owner kind and department from user.synthfs.owner, .sid and .department).\n\nExamples:\n  synthfs report -p panzura-demo\n  synthfs report -p panzura-demo --files 10M --json > expected.json\n  synthfs report --dormant-years 5"
)]
pub struct ReportArgs {
    #[command(flatten)]
    pub tree: TreeArgs,
    /// Files not accessed for this many years count as dormant.
    #[arg(long, value_name = "YEARS", default_value_t = 3)]
    pub dormant_years: u32,
    /// Print the report as JSON.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
    #[command(flatten)]
    pub threads: ThreadArgs,
}

/// What `report` does, decided from its options; the task: the years without access after which a file counts as dormant.
pub type Config = TreeCommand<u32>;

impl TryFrom<ReportArgs> for Config {
    type Error = BadInput;

    fn try_from(args: ReportArgs) -> Result<Config, BadInput> {
        let threads = Threads::try_from(&args.threads)?;
        if args.dormant_years == 0 || args.dormant_years > 100 {
            return Err(BadInput(format!("--dormant-years {}: expected 1 to 100", args.dormant_years)));
        }
        let job = TreeJob::with_threads(&args.tree, threads)?;
        Ok(Config { job, task: args.dormant_years, json: args.json })
    }
}

pub fn run(config: Config) -> anyhow::Result<()> {
    let tree = config.job.start()?;
    let report = synthfs::report::collect(&tree, config.task);
    if config.json {
        print_json(&report)?;
    } else {
        write!(std::io::stdout().lock(), "{}", synthfs::report::render(&report))?;
    }
    Ok(())
}
