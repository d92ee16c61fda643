//! `synthfs mount MOUNTPOINT`: serve the tree read-only with FUSE until a signal or an unmount,
//! every byte computed when it is read.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use synthfs_model::units::Count;
use synthfs_model::{Profile, Tree};

use super::errors::{BadInput, lift};
use super::tree::{self, TreeArgs};

#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  synthfs mount /mnt/share                     # serve until Ctrl-C or umount\n  synthfs mount /mnt/share --files 100M        # mounts instantly at any size\n  synthfs mount /mnt/share -o allow_other      # let other users in\n  synthfs mount /mnt/share --identities users.csv   # owners from an AD export (also system, ldap://)\n  synthfs mount /mnt/share --epoch 30          # the share a month later; kill -USR1 PID for the next day"
)]
pub struct MountArgs {
    /// An empty directory to mount on (made if missing, and removed again at the unmount).
    pub mountpoint: PathBuf,
    #[command(flatten)]
    pub tree: TreeArgs,
    /// Threads serving requests.
    #[arg(long, short = 't', value_name = "T", default_value_t = 2, help_heading = "Run")]
    pub threads: usize,
    /// After each request, one serving thread polls for the next for this many milliseconds
    /// instead of sleeping, which spares a walk the wake-ups but keeps a CPU busy while it goes
    /// on. Try 5 on machines where waking a sleeping CPU is slow; 0 turns it off. Never on a
    /// single CPU.
    #[arg(long, value_name = "MS", default_value_t = 0, help_heading = "Run")]
    pub busy_poll: u64,
    /// When a file is read whole, the files of up to 128 KiB among the next N of its folder are
    /// put in the page cache on a background thread, so a reader going file by file (cat, tar,
    /// a scanner) finds them there; only files a listing with attributes has shown the kernel.
    /// 0 turns it off.
    #[arg(long, value_name = "N", default_value_t = synthfs_fuse::FILE_AHEAD, help_heading = "Run")]
    pub file_ahead: u64,
    /// When a walk that stats files (du, ls -l, a scanner) lists a folder, two background
    /// threads list the folders it will reach next, so the kernel has their entries and
    /// attributes when the walker gets there. N: how many folders they may list ahead of the
    /// walker; 0 turns it off. Never on a single CPU.
    #[arg(long, value_name = "N", default_value_t = synthfs_fuse::DIR_AHEAD, help_heading = "Run")]
    pub dir_ahead: u32,
    /// Also give the extended attributes Samba reads for Windows clients (security.NTACL with --nt-acls, user.DOSATTRIB, user.DosStream.*), to share this mount with your own smbd (vfs objects = acl_xattr streams_xattr); `serve smb` does it all for you.
    #[arg(long, help_heading = "Mount")]
    pub samba_xattrs: bool,
    /// Let users other than the one who mounted see the tree (needs user_allow_other in /etc/fuse.conf for non-root).
    #[arg(long, help_heading = "Mount")]
    pub allow_other: bool,
    /// Mount options, comma-separated, as for mount(8): ro, allow_other, default_permissions, fsname=NAME.
    #[arg(short = 'o', value_name = "OPTS", help_heading = "Mount")]
    pub options: Vec<String>,
}

/// What `mount` does, decided from its options.
pub struct Config {
    mountpoint: PathBuf,
    profile: Profile,
    threads: usize,
    busy_poll: Duration,
    file_ahead: u64,
    dir_ahead: u32,
    allow_other: bool,
    samba_xattrs: bool,
    options: Vec<String>,
}

impl TryFrom<MountArgs> for Config {
    type Error = BadInput;

    fn try_from(args: MountArgs) -> Result<Config, BadInput> {
        Ok(Config {
            profile: args.tree.profile()?,
            mountpoint: args.mountpoint,
            threads: args.threads,
            busy_poll: Duration::from_millis(args.busy_poll),
            file_ahead: args.file_ahead,
            dir_ahead: args.dir_ahead,
            allow_other: args.allow_other,
            samba_xattrs: args.samba_xattrs,
            options: args.options,
        })
    }
}

#[cfg(target_os = "linux")]
pub fn run(config: Config) -> anyhow::Result<()> {
    use synthfs_fuse::{Ended, MountSettings};

    let tree = Arc::new(tree::load(config.profile)?);
    let refresh = tree.model.profile.identities.refresh;
    // Owners that may change must not be cached by the kernel for longer than a refresh.
    let ttl = (refresh > 0).then(|| Duration::from_secs(refresh));
    let settings = MountSettings {
        threads: config.threads,
        allow_other: config.allow_other,
        options: config.options,
        ttl,
        busy_poll: Some(config.busy_poll),
        file_ahead: Some(config.file_ahead),
        dir_ahead: Some(config.dir_ahead),
        samba_xattrs: config.samba_xattrs,
    };
    let started = Instant::now();
    let _made = MadeDirs::ensure(&config.mountpoint)?;
    let mounted = synthfs_fuse::mount(tree.clone(), &config.mountpoint, &settings).map_err(lift)?;
    if refresh > 0 {
        refresh_identities(tree.clone(), refresh)?;
    }
    let took = started.elapsed();
    let p = &tree.model.profile;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "mounted on {} in {:.1} ms: {} files in {} folders (profile {}, seed {}, epoch {}); Ctrl-C or `umount {}` to stop, `kill -USR1 {}` for the next epoch",
        mounted.mountpoint.display(),
        took.as_secs_f64() * 1000.0,
        Count(tree.file_count()),
        Count(tree.dir_count()),
        p.name,
        p.seed,
        p.epoch,
        mounted.mountpoint.display(),
        std::process::id()
    )?;
    out.flush()?;
    drop(out);
    let mut at = tree.clone();
    let ended = mounted.serve(|m| next_epoch(m, &mut at));
    match ended.map_err(lift)? {
        Ended::Signal(sig) => tracing::info!(signal = sig, "unmounted after a signal"),
        Ended::Unmounted => tracing::info!("unmounted from outside"),
    }
    Ok(())
}

/// Moves a mount serving `at` on to the next epoch (SIGUSR1): the later tree built, swapped in,
/// and the kernel told to forget what changed; a tree that cannot be built leaves it as it is.
#[cfg(target_os = "linux")]
pub(super) fn next_epoch(m: &synthfs_fuse::Mounted, at: &mut Arc<Tree>) {
    let mut next = at.model.profile.clone();
    next.epoch = at.epoch() + 1;
    // The same accounts as the tree served (not the identity source read again: owners must
    // change only where the diff says).
    match self::tree::build(next, at.model.roster.clone()) {
        Ok(later) => {
            let later = Arc::new(later);
            let changes = synthfs::diff::Diff { from: at, to: &later }.changes();
            m.advance(later.clone(), &stale_of(at, &later, &changes));
            tracing::info!(epoch = later.epoch(), changes = changes.len(), "moved to the next epoch");
            // Nobody may be reading stdout any more: the move stands either way.
            let _ = writeln!(std::io::stdout().lock(), "moved to epoch {}: {} changes", later.epoch(), changes.len());
            *at = later;
        }
        Err(e) => tracing::warn!("cannot move to the next epoch: {e:#}"),
    }
}

/// What the kernel may hold that the move from `before` to `after` made stale: each changed
/// node, each name that came or went, and the folders around them.
#[cfg(target_os = "linux")]
fn stale_of(before: &Tree, after: &Tree, changes: &[synthfs::diff::Change]) -> Vec<synthfs_fuse::Stale> {
    use synthfs::diff::ChangeKind;
    use synthfs_fuse::Stale;
    let name = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let mut out = Vec::with_capacity(changes.len() * 2);
    for c in changes {
        let index = c.inode - 1;
        out.push(Stale::Inode(c.inode));
        // The folder it was in and the one it is in (a folder that moved: two).
        let (was, is) = (before.parent(index).map(|p| p + 1), after.parent(index).map(|p| p + 1));
        let mut entry = |parent: Option<u64>, path: &str| {
            if let Some(parent) = parent {
                out.push(Stale::Entry { parent, name: name(path) });
                out.push(Stale::Inode(parent));
            }
        };
        match c.change {
            ChangeKind::Added => entry(is.or(was), &c.path),
            ChangeKind::Deleted => entry(was.or(is), &c.path),
            ChangeKind::Renamed => {
                entry(was.or(is), c.old_path.as_deref().unwrap_or_default());
                entry(is.or(was), &c.path);
            }
            ChangeKind::Modified | ChangeKind::Metadata => {}
        }
    }
    out
}

#[cfg(not(target_os = "linux"))]
pub fn run(_config: Config) -> anyhow::Result<()> {
    Err(BadInput("mount is available on Linux only for now".into()).into())
}

/// The folders made for a missing mount point (as `materialize` makes its destination, and
/// `mkdir -p` would), removed again, the deepest first and only while empty, once the tree is
/// unmounted: the run leaves the filesystem as it found it.
#[cfg(target_os = "linux")]
struct MadeDirs(Vec<PathBuf>);

#[cfg(target_os = "linux")]
impl MadeDirs {
    fn ensure(path: &std::path::Path) -> anyhow::Result<MadeDirs> {
        let missing: Vec<PathBuf> = path.ancestors().take_while(|p| !p.exists()).map(PathBuf::from).collect();
        if !missing.is_empty() {
            std::fs::create_dir_all(path)
                .map_err(|e| BadInput(format!("cannot make the mount point {}: {e}", path.display())))?;
            tracing::info!(path = %path.display(), "made the mount point");
        }
        Ok(MadeDirs(missing))
    }
}

#[cfg(target_os = "linux")]
impl Drop for MadeDirs {
    fn drop(&mut self) {
        for dir in &self.0 {
            if std::fs::remove_dir(dir).is_err() {
                break;
            }
        }
    }
}

/// Re-reads the identity source every `secs` seconds in the background while the mount serves;
/// a failed read keeps the accounts it has.
#[cfg(target_os = "linux")]
fn refresh_identities(tree: Arc<Tree>, secs: u64) -> anyhow::Result<()> {
    std::thread::Builder::new()
        .name("synthfs-identities".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(secs));
                let ids = &tree.model.profile.identities;
                match synthfs::identity::load(ids) {
                    Ok(Some(roster)) => match tree.model.refresh_accounts(&roster) {
                        Ok(()) => tracing::info!(people = roster.people.len(), "identities refreshed"),
                        Err(e) => tracing::warn!("identities not refreshed: {e}"),
                    },
                    Ok(None) => return,
                    Err(e) => tracing::warn!("identities not refreshed, keeping the last ones: {e}"),
                }
            }
        })
        .context("cannot start the identity refresh")?;
    Ok(())
}
