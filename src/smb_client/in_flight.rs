//! Many requests in flight from one task: a set of futures polled together, a cap on how
//! many, and a way to await one more thing (a folder's listing, its sub-folders made) while
//! the ones in flight keep going.

use std::future::Future;
use std::pin::{Pin, pin};

use futures_util::future::{Either, select};
use futures_util::stream::{FuturesUnordered, StreamExt};

/// One piece of work in flight; it records its own outcome.
pub type Job<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// Chains in flight per connection.
pub const PER_CONNECTION: usize = 16;

/// The work in flight, at most `limit` at once.
pub struct InFlight<'a> {
    jobs: FuturesUnordered<Job<'a>>,
    limit: usize,
}

impl<'a> InFlight<'a> {
    pub fn new(limit: usize) -> InFlight<'a> {
        InFlight { jobs: FuturesUnordered::new(), limit: limit.max(1) }
    }

    /// [`PER_CONNECTION`] chains in flight on each of `connections`.
    pub fn over(connections: usize) -> InFlight<'a> {
        InFlight::new(connections.max(1) * PER_CONNECTION)
    }

    /// Adds `job`, first letting others finish while the cap is reached.
    pub async fn push(&mut self, job: Job<'a>) {
        while self.jobs.len() >= self.limit {
            self.jobs.next().await;
        }
        self.jobs.push(job);
    }

    /// Polls `fut` to its end while the work in flight keeps going.
    pub async fn drive<T>(&mut self, fut: impl Future<Output = T>) -> T {
        let mut fut = pin!(fut);
        loop {
            if self.jobs.is_empty() {
                return fut.await;
            }
            if let Either::Left((done, _)) = select(fut.as_mut(), self.jobs.next()).await {
                return done;
            }
        }
    }

    /// Waits for everything in flight.
    pub async fn finish(&mut self) {
        while self.jobs.next().await.is_some() {}
    }
}
