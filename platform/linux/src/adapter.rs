//! The fuser `Filesystem`: kernel requests in, [`SynthFs`] calls, errno out. No generation
//! logic here: attributes, listings and bytes come from the platform-neutral layer.

use std::ffi::OsStr;
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use fuser::{
    Errno, FileAttr, FileHandle, Filesystem, Generation, INodeNo, InitFlags, KernelConfig, LockOwner, OpenFlags,
    ReplyAttr, ReplyData, ReplyDirectory, ReplyDirectoryPlus, ReplyEmpty, ReplyEntry, ReplyLseek, ReplyOpen,
    ReplyStatfs, ReplyXattr, Request,
};
use synthfs_fs::{Attr, FsError, Seek, SynthFs};
use synthfs_model::NodeKind;

use crate::busy_poll::BusyPoll;
use crate::mount::{MAX_READAHEAD, POLLED_READ};
use crate::read_ahead::files::FileAhead;
use crate::read_ahead::folders::DirAhead;

/// The fuser `Filesystem`: a thin translation onto [`SynthFs`].
pub(crate) struct FuseAdapter {
    /// The filesystem served; swapped whole when the mount moves to a later epoch. Each
    /// request holds a strong count while it runs, so the move can wait for the last request
    /// on the old one before telling the kernel what changed.
    pub(crate) fs: Arc<arc_swap::ArcSwap<SynthFs>>,
    /// Pushes the files after a small file read whole into the page cache.
    pub(crate) ahead: Option<FileAhead>,
    /// Lists the sub-folders of a folder a stat walk reads, through the mount, ahead of it
    /// (set once the mount exists, where a clone of it can be made).
    pub(crate) dirs_ahead: Arc<std::sync::OnceLock<DirAhead>>,
    pub(crate) ttl: Duration,
    pub(crate) demand: StatDemand,
    /// Set once the session exists, when busy polling is on.
    pub(crate) poll: Arc<std::sync::OnceLock<Arc<BusyPoll>>>,
}

impl FuseAdapter {
    /// Every request starts here: it keeps a serving thread polling while requests come.
    fn arrived(&self) {
        if let Some(p) = self.poll.get() {
            p.touch();
        }
    }
}

/// Whether someone is statting files: a lookup of a file means a walker wants attributes
/// (`du`, `ls -l`, a scanner), so listings carry them for as long as such a walk goes on;
/// a walk that only wants names (`find -type f`) gets names only. A wrong guess costs
/// speed, never correctness: a name without attributes is looked up when asked for.
pub(crate) struct StatDemand {
    start: std::time::Instant,
    /// Milliseconds since `start` until which listings carry attributes.
    until_ms: std::sync::atomic::AtomicU64,
}

impl StatDemand {
    /// How long after the last sign of statting listings keep carrying attributes.
    const WINDOW_MS: u64 = 2_000;

    pub(crate) fn new() -> Self {
        StatDemand { start: std::time::Instant::now(), until_ms: std::sync::atomic::AtomicU64::new(0) }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// A file was looked up by name, or a page with attributes went out: keeps attributes
    /// coming while the walk that wants them goes on.
    fn extend(&self) {
        let until = self.now_ms().saturating_add(Self::WINDOW_MS);
        self.until_ms.fetch_max(until, std::sync::atomic::Ordering::Relaxed);
    }

    fn wanted(&self) -> bool {
        self.now_ms() < self.until_ms.load(std::sync::atomic::Ordering::Relaxed)
    }
}

fn errno(e: FsError) -> Errno {
    match e {
        FsError::NotFound => Errno::ENOENT,
        FsError::NotDir => Errno::ENOTDIR,
        FsError::IsDir => Errno::EISDIR,
        FsError::NoAttribute => Errno::ENODATA,
        FsError::Unsupported => Errno::EOPNOTSUPP,
        FsError::Range => Errno::ERANGE,
        FsError::NoData => Errno::ENXIO,
        FsError::Invalid => Errno::EINVAL,
        FsError::ReadOnly => Errno::EROFS,
    }
}

fn file_attr(a: &Attr) -> FileAttr {
    FileAttr {
        ino: INodeNo(a.ino),
        size: a.size,
        blocks: a.blocks,
        atime: a.atime.to_system_time(),
        mtime: a.mtime.to_system_time(),
        ctime: a.ctime.to_system_time(),
        crtime: a.crtime.to_system_time(),
        kind: kind(a.kind),
        perm: a.perm,
        nlink: a.nlink,
        uid: a.uid,
        gid: a.gid,
        rdev: 0,
        // A directory's sizes glibc's getdents buffer, and with it the kernel's readdir pages
        // (see `fs::dir_blksize`).
        blksize: a.blksize,
        flags: 0,
    }
}

fn kind(k: NodeKind) -> fuser::FileType {
    match k {
        NodeKind::File => fuser::FileType::RegularFile,
        NodeKind::Dir => fuser::FileType::Directory,
        NodeKind::Symlink => fuser::FileType::Symlink,
    }
}

thread_local! {
    /// One read buffer per serving thread, so reads do not allocate.
    static READ_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Filesystem for FuseAdapter {
    fn init(&mut self, _req: &Request, config: &mut KernelConfig) -> io::Result<()> {
        let wanted = [
            InitFlags::FUSE_DO_READDIRPLUS,
            InitFlags::FUSE_READDIRPLUS_AUTO,
            InitFlags::FUSE_NO_OPEN_SUPPORT,
            InitFlags::FUSE_NO_OPENDIR_SUPPORT,
            InitFlags::FUSE_PARALLEL_DIROPS,
            InitFlags::FUSE_CACHE_SYMLINKS,
            InitFlags::FUSE_MAX_PAGES,
        ];
        // With ACLs (access tiers) the kernel caches each inode's ACL and checks permissions
        // itself, ACLs included (FUSE_POSIX_ACL implies default_permissions); without, the ACL
        // names answer "not supported" and nothing is asked per file.
        let acl = self.fs.load_full().has_acls().then_some(InitFlags::FUSE_POSIX_ACL);
        for flag in wanted.into_iter().chain(acl) {
            if let Err(missing) = config.add_capabilities(flag) {
                tracing::debug!("kernel lacks {missing:?}");
            }
        }
        if let Err(nearest) = config.set_max_readahead(MAX_READAHEAD) {
            let _ = config.set_max_readahead(nearest);
        }
        Ok(())
    }

    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        self.arrived();
        use std::os::unix::ffi::OsStrExt;
        tracing::debug!(parent = parent.0, ?name, "lookup");
        match self.fs.load_full().lookup(parent.0, name.as_bytes()) {
            Ok(a) => {
                if a.kind == NodeKind::File {
                    self.demand.extend();
                }
                reply.entry(&self.ttl, &file_attr(&a), Generation(0))
            }
            Err(e) => reply.error(errno(e)),
        }
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        self.arrived();
        tracing::debug!(ino = ino.0, "getattr");
        match self.fs.load_full().getattr(ino.0) {
            Ok(a) => reply.attr(&self.ttl, &file_attr(&a)),
            Err(e) => reply.error(errno(e)),
        }
    }

    fn readlink(&self, _req: &Request, ino: INodeNo, reply: ReplyData) {
        self.arrived();
        tracing::debug!(ino = ino.0, "readlink");
        match self.fs.load_full().readlink(ino.0) {
            Ok(target) => reply.data(&target),
            Err(e) => reply.error(errno(e)),
        }
    }

    /// ENOSYS tells the kernel opens need no round trip; it then keeps the page cache.
    fn open(&self, _req: &Request, _ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        reply.error(Errno::ENOSYS);
    }

    /// ENOSYS: no round trip for opendir, and the kernel caches listings.
    fn opendir(&self, _req: &Request, _ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        reply.error(Errno::ENOSYS);
    }

    fn read(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        // Large reads are bound by making the bytes, not by waking up: polling through a
        // stream of them would only take a CPU from the threads making them.
        if size <= POLLED_READ {
            self.arrived();
        }
        tracing::debug!(ino = ino.0, offset, size, "read");
        READ_BUF.with(|cell| {
            let mut buf = cell.borrow_mut();
            if buf.len() < size as usize {
                buf.resize(size as usize, 0);
            }
            match self.fs.load_full().read(ino.0, offset, &mut buf[..size as usize]) {
                Ok(n) => {
                    reply.data(&buf[..n]);
                    // The whole file in one request (short of it: a file that fills the request
                    // exactly, one in some thousand, starts no batch): a reader going file by
                    // file, maybe.
                    if offset == 0
                        && n > 0
                        && n < size as usize
                        && let Some(ahead) = &self.ahead
                    {
                        ahead.read_whole(ino.0);
                    }
                }
                Err(e) => reply.error(errno(e)),
            }
        });
    }

    fn readdir(&self, _req: &Request, ino: INodeNo, _fh: FileHandle, offset: u64, mut reply: ReplyDirectory) {
        self.arrived();
        tracing::debug!(ino = ino.0, offset, "readdir");
        let result = self
            .fs
            .load_full()
            .readdir_names(ino.0, offset, &mut |e| reply.add(INodeNo(e.ino), e.next_offset, kind(e.kind), e.name));
        match result {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(errno(e)),
        }
    }

    fn readdirplus(&self, req: &Request, ino: INodeNo, _fh: FileHandle, offset: u64, mut reply: ReplyDirectoryPlus) {
        self.arrived();
        tracing::debug!(ino = ino.0, offset, "readdirplus");
        // The kernel (READDIRPLUS_AUTO) asks for attributes at offset 0 of every listing, and
        // later pages come as plain readdir unless something looked up a child meanwhile.
        // While no one stats files, the first page ends before the first file (listings put
        // sub-directories first): the walker descends without lookups, and the files come as
        // names only, so `find -type f` costs no attribute generation and no kernel inodes.
        // The listing read-ahead ([`DirAhead`]) follows stat walks only, and its listings stay
        // in the kernel's cache: they always carry attributes.
        let own = self.dirs_ahead.get().is_some_and(|d| d.is_own(req.pid()));
        let names_only = offset == 0 && !own && !self.demand.wanted();
        if !names_only {
            self.demand.extend();
        }
        let result = self.fs.load_full().readdir_each(ino.0, offset, !names_only, &mut |e| {
            let full =
                reply.add(INodeNo(e.attr.ino), e.next_offset, &*e.name, &self.ttl, &file_attr(&e.attr), Generation(0));
            if !full
                && !names_only
                && e.attr.kind == NodeKind::File
                && let Some(ahead) = &self.ahead
            {
                ahead.given(e.attr.ino);
            }
            full
        });
        match result {
            Ok(()) => reply.ok(),
            Err(e) => return reply.error(errno(e)),
        }
        if offset == 0
            && !names_only
            && !own
            && let Some(d) = self.dirs_ahead.get()
            && let Ok(dir) = synthfs_fs::index_of(ino.0)
        {
            d.walked(dir);
        }
    }

    fn statfs(&self, _req: &Request, _ino: INodeNo, reply: ReplyStatfs) {
        self.arrived();
        let s = self.fs.load_full().statfs();
        reply.statfs(s.blocks, 0, 0, s.files, 0, s.block_size, s.name_max, s.block_size);
    }

    fn getxattr(&self, _req: &Request, ino: INodeNo, name: &OsStr, size: u32, reply: ReplyXattr) {
        self.arrived();
        use std::os::unix::ffi::OsStrExt;
        xattr_reply(self.fs.load_full().getxattr(ino.0, name.as_bytes()), size, reply);
    }

    fn listxattr(&self, _req: &Request, ino: INodeNo, size: u32, reply: ReplyXattr) {
        self.arrived();
        xattr_reply(self.fs.load_full().listxattr(ino.0), size, reply);
    }

    fn lseek(&self, _req: &Request, ino: INodeNo, _fh: FileHandle, offset: i64, whence: i32, reply: ReplyLseek) {
        self.arrived();
        let how = match whence {
            libc::SEEK_DATA => Seek::Data,
            libc::SEEK_HOLE => Seek::Hole,
            _ => return reply.error(Errno::EINVAL),
        };
        let Ok(offset) = u64::try_from(offset) else {
            return reply.error(Errno::ENXIO);
        };
        match self.fs.load_full().seek(ino.0, offset, how) {
            Ok(at) => reply.offset(at as i64),
            Err(e) => reply.error(errno(e)),
        }
    }

    /// ENOSYS: the kernel stops asking and grants `access(2)` and `chdir` itself, as this
    /// did for every check but writing, which the read-only mount refuses with EROFS before
    /// any filesystem is asked. A Samba listing sent one ACCESS round trip for every four
    /// entries (6,405 of a warm 20,000-file listing's 32,811 requests).
    fn access(&self, _req: &Request, _ino: INodeNo, _mask: fuser::AccessFlags, reply: ReplyEmpty) {
        reply.error(Errno::ENOSYS);
    }

    // Every modifying call: the tree is read-only.
    fn setattr(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _mode: Option<u32>,
        _uid: Option<u32>,
        _gid: Option<u32>,
        _size: Option<u64>,
        _atime: Option<fuser::TimeOrNow>,
        _mtime: Option<fuser::TimeOrNow>,
        _ctime: Option<SystemTime>,
        _fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        reply.error(Errno::EROFS);
    }

    fn mknod(&self, _req: &Request, _p: INodeNo, _n: &OsStr, _m: u32, _u: u32, _r: u32, reply: ReplyEntry) {
        reply.error(Errno::EROFS);
    }

    fn mkdir(&self, _req: &Request, _p: INodeNo, _n: &OsStr, _m: u32, _u: u32, reply: ReplyEntry) {
        reply.error(Errno::EROFS);
    }

    fn unlink(&self, _req: &Request, _p: INodeNo, _n: &OsStr, reply: ReplyEmpty) {
        reply.error(Errno::EROFS);
    }

    fn rmdir(&self, _req: &Request, _p: INodeNo, _n: &OsStr, reply: ReplyEmpty) {
        reply.error(Errno::EROFS);
    }

    fn symlink(&self, _req: &Request, _p: INodeNo, _n: &OsStr, _t: &Path, reply: ReplyEntry) {
        reply.error(Errno::EROFS);
    }

    fn rename(
        &self,
        _req: &Request,
        _p: INodeNo,
        _n: &OsStr,
        _np: INodeNo,
        _nn: &OsStr,
        _f: fuser::RenameFlags,
        reply: ReplyEmpty,
    ) {
        reply.error(Errno::EROFS);
    }

    fn link(&self, _req: &Request, _i: INodeNo, _np: INodeNo, _nn: &OsStr, reply: ReplyEntry) {
        reply.error(Errno::EROFS);
    }

    fn write(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _offset: u64,
        _data: &[u8],
        _wf: fuser::WriteFlags,
        _flags: OpenFlags,
        _lo: Option<LockOwner>,
        reply: fuser::ReplyWrite,
    ) {
        reply.error(Errno::EROFS);
    }

    fn create(&self, _req: &Request, _p: INodeNo, _n: &OsStr, _m: u32, _u: u32, _f: i32, reply: fuser::ReplyCreate) {
        reply.error(Errno::EROFS);
    }

    fn setxattr(&self, _req: &Request, _i: INodeNo, _n: &OsStr, _v: &[u8], _f: i32, _p: u32, reply: ReplyEmpty) {
        reply.error(Errno::EROFS);
    }

    fn removexattr(&self, _req: &Request, _i: INodeNo, _n: &OsStr, reply: ReplyEmpty) {
        reply.error(Errno::EROFS);
    }
}

/// getxattr/listxattr protocol: size 0 asks for the length; too small a size is ERANGE.
fn xattr_reply(value: Result<Vec<u8>, FsError>, size: u32, reply: ReplyXattr) {
    match value {
        Err(e) => reply.error(errno(e)),
        Ok(v) if size == 0 => reply.size(v.len() as u32),
        Ok(v) if v.len() > size as usize => reply.error(Errno::ERANGE),
        Ok(v) => reply.data(&v),
    }
}
