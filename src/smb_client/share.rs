//! A share on an SMB server, reached over several connections: one connection is one smbd
//! process (or one worker's queue on Windows), so requests spread over a few keep more of the
//! server busy, and each connection carries many chains in flight within its credits.
//!
//! A connection that breaks (the server restarted, the network dropped) is made again, with
//! backoff, for up to [`Share::retry_window`]; the chain that met the break is sent again.
//! What a chain does is idempotent (files are opened with overwrite-if, folders with open-if),
//! so sending it twice is safe.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use smb2::client::connection::Connection;
use smb2::types::TreeId;
use smb2::{ClientConfig, SmbClient};

use super::SmbError;
use super::credentials::Credentials;
use super::url::SmbUrl;
use super::wire::{self, IO_CHUNK, Reply, Req};

/// How long a broken connection is tried again before the run gives up.
pub const RETRY_WINDOW: Duration = Duration::from_secs(20);

/// One connection and the share's tree on it.
struct Session {
    /// Owns the connection's session; dropped with it.
    _client: Mutex<SmbClient>,
    conn: Connection,
    tree: TreeId,
    generation: u64,
}

struct Slot {
    current: Mutex<Arc<Session>>,
    /// Held while this slot reconnects, so the chains that all met the break make one
    /// connection, not one each.
    reconnecting: tokio::sync::Mutex<()>,
    /// When the last attempt to reconnect failed, and why.
    last_failure: Mutex<Option<(Instant, String)>>,
}

/// A share, connected.
pub struct Share {
    pub url: SmbUrl,
    creds: Credentials,
    slots: Vec<Slot>,
    next: AtomicUsize,
    generations: AtomicU64,
    /// Bytes one WRITE of a chain may carry.
    pub max_io: usize,
    pub retry_window: Duration,
    /// Chains sent again after a connection broke.
    pub retries: AtomicU64,
}

impl Share {
    /// Connects `connections` times (at least once) to `url`'s share; a connection that breaks
    /// is made again for up to `retry_window`.
    pub async fn connect(
        url: &SmbUrl,
        creds: &Credentials,
        connections: usize,
        retry_window: Duration,
    ) -> Result<Share, SmbError> {
        let first = open_session(url, creds, 0).await?;
        let max_io = (first.conn.compound_write_limit() as usize).clamp(64 * 1024, IO_CHUNK);
        let mut slots = vec![Slot::new(first)];
        for g in 1..connections.max(1) as u64 {
            slots.push(Slot::new(open_session(url, creds, g).await?));
        }
        tracing::debug!(server = %url.address(), connections = slots.len(), max_io, "connected");
        Ok(Share {
            url: url.clone(),
            creds: creds.clone(),
            next: AtomicUsize::new(0),
            generations: AtomicU64::new(slots.len() as u64),
            slots,
            max_io,
            retry_window,
            retries: AtomicU64::new(0),
        })
    }

    /// Sends a chain that opens a handle and closes it ([`wire::send_chain`]), on the next
    /// connection in turn, again after a break.
    pub async fn chain(&self, reqs: &[Req]) -> Result<Vec<Reply>, SmbError> {
        self.retrying(|conn, tree, _| async move { wire::send_chain(&conn, tree, reqs).await }).await
    }

    /// As [`Share::chain`], but before sending it again after a break, sends `undo` (whose
    /// errors are ignored): the server may have run the whole chain before the break, and what
    /// it set (a read-only attribute, a DACL) could refuse the second try.
    pub async fn chain_again_after(&self, reqs: &[Req], undo: &[Req]) -> Result<Vec<Reply>, SmbError> {
        self.retrying(|conn, tree, attempt| async move {
            if attempt > 0 {
                let _ = wire::send_chain(&conn, tree, undo).await;
            }
            wire::send_chain(&conn, tree, reqs).await
        })
        .await
    }

    /// Runs `op` on one connection (the same one for every call of `op`), again on a new one
    /// after a break (`op` is told the attempt, 0 first). For work that holds a handle across
    /// several round trips.
    pub async fn on_one_connection<'a, T, F, Fut>(&'a self, op: F) -> Result<T, SmbError>
    where
        F: Fn(Connection, TreeId, u32) -> Fut,
        Fut: std::future::Future<Output = Result<T, SmbError>> + 'a,
    {
        self.retrying(op).await
    }

    async fn retrying<'a, T, F, Fut>(&'a self, op: F) -> Result<T, SmbError>
    where
        F: Fn(Connection, TreeId, u32) -> Fut,
        Fut: std::future::Future<Output = Result<T, SmbError>> + 'a,
    {
        let k = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        let slot = &self.slots[k];
        let mut attempt = 0;
        loop {
            let session = slot.session();
            let failed = match op(session.conn.clone(), session.tree, attempt).await {
                Err(SmbError::Transport(e)) if is_broken(&e) => e,
                done => return done,
            };
            tracing::debug!(connection = k, "the connection broke: {failed}");
            // The window runs from the break, however long the work had run before it.
            let broke = Instant::now();
            let mut pause = Duration::from_millis(100);
            loop {
                let left = self.retry_window.saturating_sub(broke.elapsed());
                if left.is_zero() {
                    return Err(SmbError::Lost {
                        server: self.url.address(),
                        waited: self.retry_window,
                        last: failed.to_string(),
                    });
                }
                tokio::time::sleep(pause.min(left)).await;
                pause = (pause * 2).min(Duration::from_secs(2));
                let left = self.retry_window.saturating_sub(broke.elapsed());
                match tokio::time::timeout(left, self.reconnect(slot, session.generation, pause)).await {
                    Ok(Ok(())) => break,
                    Ok(Err(e)) => tracing::debug!(connection = k, "reconnecting: {e}"),
                    Err(_) => tracing::debug!(connection = k, "reconnecting: no answer within the retry window"),
                }
            }
            attempt += 1;
            self.retries.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Makes the slot's connection again, unless another chain already did since `broken`,
    /// or tried and failed less than `pause` ago (then that failure is the answer: the chains
    /// waiting on one broken connection make one attempt at a time, not one each).
    async fn reconnect(&self, slot: &Slot, broken: u64, pause: Duration) -> Result<(), SmbError> {
        let _one = slot.reconnecting.lock().await;
        if slot.session().generation != broken {
            return Ok(());
        }
        if let Some((when, why)) = slot.last_failure.lock().ok().and_then(|f| f.clone()) {
            if when.elapsed() < pause {
                return Err(SmbError::Lost { server: self.url.address(), waited: when.elapsed(), last: why });
            }
        }
        let g = self.generations.fetch_add(1, Ordering::Relaxed);
        match open_session(&self.url, &self.creds, g).await {
            Ok(fresh) => {
                if let Ok(mut current) = slot.current.lock() {
                    *current = Arc::new(fresh);
                }
                Ok(())
            }
            Err(e) => {
                if let Ok(mut f) = slot.last_failure.lock() {
                    *f = Some((Instant::now(), e.to_string()));
                }
                Err(e)
            }
        }
    }
}

impl Slot {
    fn new(s: Session) -> Slot {
        Slot {
            current: Mutex::new(Arc::new(s)),
            reconnecting: tokio::sync::Mutex::new(()),
            last_failure: Mutex::new(None),
        }
    }

    fn session(&self) -> Arc<Session> {
        match self.current.lock() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

async fn open_session(url: &SmbUrl, creds: &Credentials, generation: u64) -> Result<Session, SmbError> {
    let server = url.address();
    let config = ClientConfig {
        addr: server.clone(),
        timeout: Duration::from_secs(10),
        username: creds.user.clone(),
        password: creds.password.clone(),
        domain: creds.domain.clone(),
        auto_reconnect: false,
        compression: false,
        dfs_enabled: false,
        response_timeout: Some(Duration::from_secs(60)),
        ..Default::default()
    };
    let mut client = SmbClient::connect(config).await.map_err(|e| SmbError::connect(&server, &creds.user, e))?;
    let tree = client.connect_share(&url.share).await.map_err(|e| SmbError::share(&server, &url.share, e))?;
    let conn = client.connection_for(&tree).map_err(SmbError::transport)?;
    Ok(Session { _client: Mutex::new(client), conn, tree: tree.tree_id, generation })
}

/// Whether `e` means the connection is gone (and a new one may work), not that the server
/// refused the request.
fn is_broken(e: &smb2::Error) -> bool {
    use smb2::ErrorKind::*;
    matches!(e.kind(), ConnectionLost | TimedOut | SessionExpired) || matches!(e, smb2::Error::Io(_))
}
