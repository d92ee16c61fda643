//! Turns parsed options into what the library needs: a validated profile and tree.

use anyhow::Context;
use synthfs::model::{Profile, Tree};

use crate::cli::TreeArgs;

/// An error caused by the user's input (exit code 2), as opposed to a failure of the work.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Loads the profile and applies the command-line overrides.
pub fn resolve_profile(args: &TreeArgs) -> Result<Profile, BadInput> {
    let mut profile = Profile::load(&args.profile).map_err(|e| BadInput(e.to_string()))?;
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
    profile.validate().map_err(|e| BadInput(e.to_string()))?;
    Ok(profile)
}

/// Builds the tree the options describe.
pub fn resolve_tree(args: &TreeArgs) -> Result<Tree, BadInput> {
    let profile = resolve_profile(args)?;
    Tree::new(profile).map_err(|e| BadInput(e.to_string()))
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
