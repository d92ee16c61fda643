//! Progress for long runs: a bar on a terminal (indicatif), a plain line every few seconds
//! otherwise. The library only keeps counters; this reads them.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use synthfs::counters::Counters;
use synthfs_model::units::{Bytes, Count};

/// Runs `work` with fresh counters while the progress of `total` files shows on stderr: the
/// one way materialize, archive, verify and the digest show theirs. `bytes_done` says what
/// happened to the bytes counted (`written`, `hashed`).
pub fn track<T>(total: u64, bytes_done: &'static str, work: impl FnOnce(&Counters) -> T) -> T {
    let counters = Arc::new(Counters::default());
    let reporter = Reporter::start(counters.clone(), total, bytes_done);
    let result = work(&counters);
    reporter.finish();
    result
}

/// A running progress display; `finish` stops it.
struct Reporter {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Reporter {
    /// Shows progress of `total` files on stderr until `finish`.
    fn start(counters: Arc<Counters>, total: u64, bytes_done: &'static str) -> Reporter {
        let done = Arc::new(AtomicBool::new(false));
        let stop = done.clone();
        let tty = std::io::stderr().is_terminal();
        let thread = std::thread::Builder::new()
            .name("synthfs-progress".into())
            .spawn(move || show(&counters, total, bytes_done, tty, &stop))
            .ok();
        Reporter { done, thread }
    }

    /// Stops the display at once: the thread is woken from its wait, so a short run does not
    /// wait out the rest of a tick (up to 200 ms) before it can exit.
    fn finish(mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

fn show(c: &Counters, total: u64, bytes_done: &str, tty: bool, stop: &AtomicBool) {
    let started = Instant::now();
    let files = || c.files_written.load(Ordering::Relaxed) + c.files_skipped.load(Ordering::Relaxed);
    if tty {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} files  {msg}  ETA {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        while !stop.load(Ordering::Relaxed) {
            bar.set_position(files());
            let secs = started.elapsed().as_secs_f64().max(1e-3);
            let bytes = c.bytes_written.load(Ordering::Relaxed);
            bar.set_message(format!(
                "{} files/s  {}/s",
                Count((files() as f64 / secs) as u64),
                Bytes((bytes as f64 / secs) as u64)
            ));
            std::thread::park_timeout(Duration::from_millis(200));
        }
        bar.finish_and_clear();
    } else {
        let mut last = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            std::thread::park_timeout(Duration::from_millis(100));
            if last.elapsed() >= Duration::from_secs(5) {
                last = Instant::now();
                let secs = started.elapsed().as_secs_f64();
                eprintln!(
                    "progress: {} of {} files, {} {bytes_done}, {} files/s",
                    Count(files()),
                    Count(total),
                    Bytes(c.bytes_written.load(Ordering::Relaxed)),
                    Count((files() as f64 / secs) as u64)
                );
            }
        }
    }
}
