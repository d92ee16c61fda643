//! `--threads`: the size of rayon's global pool, the workers of stats, materialize, archive,
//! manifest, report and verify.

use std::num::NonZeroUsize;

use anyhow::Context;
use clap::Args;

use super::errors::BadInput;

// `--threads` as the commands that work on rayon's pool spell it.
#[derive(Debug, Args)]
pub struct ThreadArgs {
    /// Worker threads [default: one per core].
    #[arg(long, short = 't', value_name = "T", help_heading = "Run")]
    pub threads: Option<usize>,
}

/// How many worker threads to run: checked when the options are, applied when the work starts.
#[derive(Clone, Copy, Debug, Default)]
pub struct Threads(Option<NonZeroUsize>);

impl Threads {
    /// `None` keeps rayon's default, one per core.
    pub fn new(threads: Option<usize>) -> Result<Threads, BadInput> {
        match threads {
            None => Ok(Threads(None)),
            Some(t) => NonZeroUsize::new(t)
                .map(|t| Threads(Some(t)))
                .ok_or_else(|| BadInput("--threads must be at least 1".into())),
        }
    }

    /// Sizes rayon's global pool; call once, before any parallel work.
    pub fn apply(self) -> anyhow::Result<()> {
        if let Some(t) = self.0 {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t.get())
                .build_global()
                .context("cannot start the worker threads")?;
        }
        Ok(())
    }
}

impl TryFrom<&ThreadArgs> for Threads {
    type Error = BadInput;

    fn try_from(args: &ThreadArgs) -> Result<Threads, BadInput> {
        Threads::new(args.threads)
    }
}
