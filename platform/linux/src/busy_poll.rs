//! Busy-polling the FUSE device while requests flow.
//!
//! A request that finds every serving thread asleep wakes one, often on the other CPU. On a
//! virtual machine that is an inter-processor interrupt and a halted vCPU to restart, each
//! costing tens of microseconds: on the 2-vCPU Firecracker VM we develop on (no haltpoll), a
//! cold `cat` of 20,000 small files took twice as long as with the server and the reader
//! pinned to one CPU. So while requests keep coming, the device is switched to non-blocking
//! reads: the serving thread that reads the original descriptor then polls (the kernel
//! answers EAGAIN on an empty queue and fuser reads again), and the next request of a walk
//! finds it awake. A short while after the last request the device goes back to blocking
//! reads, so an idle mount costs no CPU.
//!
//! Off by default (`--busy-poll 0`): on the VM it was made for, later changes to the server
//! took away its gain, and it keeps a CPU busy while a walk runs.
//!
//! Only the session's own descriptor polls; the other threads read cloned descriptors, which
//! have their own file status flags, and keep sleeping until the kernel wakes them.

use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rustix::fs::OFlags;

/// Polling on while requests come no further apart than `window`; off otherwise.
pub struct BusyPoll {
    /// A duplicate of the session's descriptor: the same open file, so the same flags.
    device: OwnedFd,
    window: Duration,
    start: Instant,
    /// Microseconds since `start` of the latest request.
    last_us: AtomicU64,
    /// A lock-free copy of `State::polling` for the request path.
    polling: AtomicBool,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    polling: bool,
    stopped: bool,
}

impl BusyPoll {
    /// Polls `device` (the session's descriptor) for `window` after each request, with a
    /// thread that turns polling off again; `None` when polling cannot help: a zero window,
    /// or a single CPU, where a polling thread would only take turns with the reader.
    pub fn start(device: impl AsFd, window: Duration) -> std::io::Result<Option<Arc<BusyPoll>>> {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        if window.is_zero() || cpus < 2 {
            return Ok(None);
        }
        let poll = Arc::new(BusyPoll {
            device: rustix::io::dup(device)?,
            window,
            start: Instant::now(),
            last_us: AtomicU64::new(0),
            polling: AtomicBool::new(false),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        });
        let watcher = poll.clone();
        std::thread::Builder::new().name("synthfs-poll".into()).spawn(move || watcher.watch())?;
        Ok(Some(poll))
    }

    /// A request arrived: keeps polling on (and turns it on after a quiet spell).
    pub fn touch(&self) {
        self.last_us.store(self.now_us(), Ordering::Relaxed);
        if !self.polling.load(Ordering::Relaxed) {
            self.set(true);
        }
    }

    /// Whether the device is being polled now.
    pub fn polling(&self) -> bool {
        self.polling.load(Ordering::Relaxed)
    }

    /// Ends the watching thread and leaves the device blocking.
    pub fn stop(&self) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.stopped = true;
        self.changed.notify_all();
    }

    fn now_us(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// Switches polling on or off. A failed switch leaves the device as it was: polling is
    /// only ever a speed-up.
    fn set(&self, on: bool) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if st.polling == on || st.stopped {
            return;
        }
        match self.set_nonblocking(on) {
            Ok(()) => {
                st.polling = on;
                self.polling.store(on, Ordering::Relaxed);
                tracing::debug!(on, "busy polling of the FUSE device");
                self.changed.notify_all();
            }
            Err(err) => tracing::debug!(%err, "cannot switch busy polling"),
        }
    }

    fn set_nonblocking(&self, on: bool) -> rustix::io::Result<()> {
        let flags = rustix::fs::fcntl_getfl(&self.device)?;
        let flags = if on { flags | OFlags::NONBLOCK } else { flags - OFlags::NONBLOCK };
        rustix::fs::fcntl_setfl(&self.device, flags)
    }

    /// Sleeps while polling is off; while it is on, checks every window whether requests
    /// stopped coming and turns it off when they did.
    fn watch(&self) {
        let window_us = u64::try_from(self.window.as_micros()).unwrap_or(u64::MAX);
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            while !st.polling && !st.stopped {
                st = self.changed.wait(st).unwrap_or_else(PoisonError::into_inner);
            }
            if st.stopped {
                if st.polling {
                    // Best effort: the mount is going away.
                    let _ = self.set_nonblocking(false);
                    st.polling = false;
                    self.polling.store(false, Ordering::Relaxed);
                }
                return;
            }
            drop(st);
            std::thread::sleep(self.window);
            let quiet = self.now_us().saturating_sub(self.last_us.load(Ordering::Relaxed)) >= window_us;
            if quiet {
                self.set(false);
            }
            st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nonblocking(fd: &impl AsFd) -> bool {
        rustix::fs::fcntl_getfl(fd).map(|f| f.contains(OFlags::NONBLOCK)).unwrap_or(false)
    }

    /// Waits up to 5 s for `cond`: the watcher runs on its own thread.
    fn eventually(cond: impl Fn() -> bool) -> bool {
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if cond() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        false
    }

    #[test]
    fn polls_while_requests_come_and_sleeps_after() {
        if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
            eprintln!("skipped: one CPU, where busy polling is never turned on");
            return;
        }
        let file = std::fs::File::open("/dev/null").expect("open /dev/null");
        // A window long enough that a loaded machine does not stall a test step past it.
        let poll = BusyPoll::start(&file, Duration::from_millis(100)).expect("start").expect("two CPUs");
        assert!(!poll.polling() && !nonblocking(&file), "off until the first request");
        poll.touch();
        assert!(poll.polling() && nonblocking(&file), "the first request turns it on at once");
        // Requests 5 ms apart keep it on for well over the window.
        for _ in 0..50 {
            std::thread::sleep(Duration::from_millis(5));
            poll.touch();
            assert!(nonblocking(&file), "on while requests keep coming");
        }
        assert!(eventually(|| !poll.polling() && !nonblocking(&file)), "off once requests stop");
        poll.touch();
        assert!(nonblocking(&file), "on again with the next request");
        poll.stop();
        assert!(eventually(|| !nonblocking(&file)), "stopping leaves the device blocking");
        poll.touch();
        assert!(!nonblocking(&file), "a stopped poller never turns on again");
    }

    #[test]
    fn a_zero_window_never_polls() {
        let file = std::fs::File::open("/dev/null").expect("open /dev/null");
        assert!(BusyPoll::start(&file, Duration::ZERO).expect("start").is_none());
    }
}
