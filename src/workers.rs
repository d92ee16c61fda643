//! Threads lent to the model for its one parallel computation (see `synthfs_model::workers`).

use synthfs_model::Workers;

/// Scoped threads, one per CPU at most: the caller's thread and `n - 1` more.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScopedThreads;

impl Workers for ScopedThreads {
    fn run(&self, n: usize, job: &(dyn Fn() + Sync)) {
        let cpus = std::thread::available_parallelism().map_or(1, |t| t.get());
        std::thread::scope(|s| {
            for _ in 1..n.min(cpus) {
                s.spawn(job);
            }
            job();
        });
    }
}
