//! Threads lent to the model. The model has none of its own: the one computation that runs in
//! parallel (the survey of files by depth, [`crate::depth_sizes::file_depths`], a good share of
//! a 10^9-file mount's start-up) asks the [`Workers`] its front end gave the tree.

/// Runs a job on several threads at once.
pub trait Workers: Send + Sync {
    /// Calls `job` on up to `n` threads at once (the caller's may be one of them) and returns
    /// when every call has returned. A job's panic is the caller's.
    fn run(&self, n: usize, job: &(dyn Fn() + Sync));
}

/// No threads: the job runs once, on the caller's thread. Jobs share their work through a
/// queue, so one call does all of it.
#[derive(Clone, Copy, Debug, Default)]
pub struct OnCallerThread;

impl Workers for OnCallerThread {
    fn run(&self, _n: usize, job: &(dyn Fn() + Sync)) {
        job();
    }
}
