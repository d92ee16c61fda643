//! The filesystem as any OS adapter sees it: inodes, attributes, directory pages, reads, holes,
//! extended attributes and totals, all answered from the model.
//!
//! Platform-neutral: no FUSE or WinFsp types here. The Linux adapter (`synthfs-fuse`, in
//! `platform/linux`) translates kernel requests into these calls and [`FsError`] into errno;
//! a Windows adapter can reuse the same layer. Inode numbers are model index + 1, so they are stable across
//! mounts and unique; nothing is stored per inode, so there is no lookup count to keep.

pub mod attr_pages;
pub mod read_ahead;
pub mod totals;

use std::sync::Arc;

use synthfs_model::plan::DirPlan;
use synthfs_model::{FileAttrs, Listing, Location, NodeKind, Timestamp, Tree};
use totals::Totals;

/// Why an operation failed; adapters map these to their platform's error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FsError {
    #[error("no such file or directory")]
    NotFound,
    #[error("not a directory")]
    NotDir,
    #[error("is a directory")]
    IsDir,
    #[error("no such attribute")]
    NoAttribute,
    #[error("attribute namespace not supported")]
    Unsupported,
    #[error("buffer too small")]
    Range,
    #[error("offset past the data")]
    NoData,
    #[error("invalid argument")]
    Invalid,
    #[error("read-only filesystem")]
    ReadOnly,
}

pub type FsResult<T> = Result<T, FsError>;

/// Attributes as `stat` shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attr {
    pub ino: u64,
    pub kind: NodeKind,
    pub size: u64,
    /// 512-byte blocks allocated.
    pub blocks: u64,
    pub atime: Timestamp,
    pub mtime: Timestamp,
    /// Change time: the modified time (nothing changes after that).
    pub ctime: Timestamp,
    /// Creation (birth) time.
    pub crtime: Timestamp,
    pub perm: u16,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    /// `st_blksize`: [`BLOCK_SIZE`] for files, [`dir_blksize`] for directories.
    pub blksize: u32,
}

/// Block size reported by `stat` and `statfs`.
pub const BLOCK_SIZE: u32 = 4096;

/// `st_blksize` of a directory of `entries` entries. glibc sizes its getdents buffer by it
/// (32 KiB to 1 MiB), and the kernel sizes each readdir request, and the buffer it allocates
/// for it, by that buffer. So it is enough for the whole listing with attributes in one
/// request, and no more: 1 MiB for every folder had the kernel allocate and free 256 pages
/// per request, the larger part of a cold `find` over thousands of small folders.
pub fn dir_blksize(entries: u64) -> u32 {
    /// A readdirplus entry with a typical name: 128 bytes of attributes, 24 of header, the name.
    const PER_ENTRY: u64 = 192;
    let want = entries.saturating_add(2).saturating_mul(PER_ENTRY).clamp(32 << 10, 1 << 20);
    // A power of two at most 1 MiB: fits in u32.
    u32::try_from(want.next_power_of_two()).unwrap_or(1 << 20)
}
/// Longest name.
pub const NAME_MAX: u32 = 255;

/// One entry of a directory page: its attributes and the offset of the entry after it.
#[derive(Clone, Debug)]
pub struct DirEntry {
    pub attr: Attr,
    pub name: Box<str>,
    pub next_offset: u64,
}

/// The entry listed at `position` (after `.` and `..`): sub-directories come first, then files,
/// so a first page can carry every sub-directory with its attributes and a walker descends
/// without a lookup per folder. (The model keeps files first; this only orders listings.)
/// Links (symbolic, then extra names of files) come last.
fn listed_at(listing: &synthfs_model::Listing, position: u64) -> &synthfs_model::Entry {
    let (files, dirs) = (listing.files, listing.dirs);
    let p = position as usize;
    if p < dirs {
        &listing.entries[files + p]
    } else if p < dirs + files {
        &listing.entries[p - dirs]
    } else {
        &listing.entries[p]
    }
}

/// A directory entry without attributes (see [`SynthFs::readdir_names`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameEntry<'a> {
    pub ino: u64,
    pub kind: NodeKind,
    pub name: &'a str,
    pub next_offset: u64,
}

/// Filesystem totals for `statfs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FsStats {
    pub blocks: u64,
    pub files: u64,
    pub block_size: u32,
    pub name_max: u32,
}

/// `lseek` kinds the filesystem answers itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seek {
    Data,
    Hole,
}

/// The filesystem: a tree plus the totals being computed for it.
pub struct SynthFs {
    tree: Arc<Tree>,
    totals: Arc<Totals>,
    listings_ahead: read_ahead::ListingsAhead,
    pages: Arc<attr_pages::AttrPages>,
    /// Whether the xattrs Samba reads for Windows clients are served too.
    samba: bool,
}

pub use synthfs_model::tree::XATTRS;

/// The POSIX ACL attributes (access tiers), as Linux names them.
pub const ACL_ACCESS: &[u8] = b"system.posix_acl_access";
pub const ACL_DEFAULT: &[u8] = b"system.posix_acl_default";

/// A folder opened for listing: its plan, its attribute page (when asked for and the folder
/// is small enough to have one) and its listing.
struct OpenDir {
    plan: Arc<DirPlan>,
    page: Option<Arc<[Attr]>>,
    listing: Arc<Listing>,
}

/// A file's attributes as `stat` shows them.
fn file_attr(tree: &Tree, a: &FileAttrs) -> Attr {
    Attr {
        ino: a.index + 1,
        kind: NodeKind::File,
        size: a.size(),
        blocks: a.allocated() / 512,
        atime: a.accessed,
        mtime: a.modified,
        ctime: a.modified,
        crtime: a.created,
        perm: a.mode as u16,
        nlink: tree.nlink(a.index),
        uid: a.uid,
        gid: a.gid,
        blksize: BLOCK_SIZE,
    }
}

pub fn index_of(ino: u64) -> FsResult<u64> {
    ino.checked_sub(1).ok_or(FsError::NotFound)
}

impl SynthFs {
    /// The filesystem of `tree`, nothing computed yet: each request computes what it needs
    /// (the first listing with files waits for the tree's survey of files by depth, see
    /// `Tree::size_tilt`), and the exact totals for `statfs` are walked once a listing has
    /// been served.
    pub fn new(tree: Arc<Tree>) -> SynthFs {
        let totals = Totals::new(tree.clone());
        let pages = Arc::new(attr_pages::AttrPages::new(tree.clone()));
        let (t, p) = (tree.clone(), pages.clone());
        // Listings ahead of any walk; attribute pages too while a stat walk goes on.
        let listings_ahead = read_ahead::ListingsAhead::start(move |dir, attrs| {
            let paged = attrs && t.plan(dir).is_some_and(|plan| p.page(&plan).is_some());
            if !paged {
                let _ = t.listing(dir);
            }
        });
        SynthFs { tree, totals, listings_ahead, pages, samba: false }
    }

    /// Also serves the extended attributes Samba reads for Windows clients: `security.NTACL`
    /// (where the tree has NT security descriptors), `user.DOSATTRIB` and the streams'
    /// `user.DosStream.*` (see `synthfs_model::windows::samba`).
    pub fn with_samba_xattrs(mut self, on: bool) -> SynthFs {
        self.samba = on;
        self
    }

    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    fn file_attr(&self, a: &FileAttrs) -> Attr {
        file_attr(&self.tree, a)
    }

    fn dir_attr(&self, plan: &DirPlan) -> Attr {
        let d = self.tree.dir_attrs(plan);
        let subdirs =
            if self.tree.epochs().is_some() { self.tree.live_children(plan).len() } else { plan.children.len() };
        Attr {
            ino: d.index + 1,
            kind: NodeKind::Dir,
            size: u64::from(BLOCK_SIZE),
            blocks: u64::from(BLOCK_SIZE) / 512,
            atime: d.accessed,
            mtime: d.modified,
            ctime: d.modified,
            crtime: d.created,
            perm: d.mode as u16,
            nlink: 2 + subdirs as u32,
            uid: d.uid,
            gid: d.gid,
            blksize: dir_blksize(plan.files + subdirs as u64),
        }
    }

    /// A symbolic link: mode 0777, its target's length as its size, its folder's owner and
    /// times.
    fn symlink_attr(&self, index: u64) -> FsResult<Attr> {
        let l = self.tree.symlink(index).ok_or(FsError::NotFound)?;
        let plan = self.tree.plan(l.parent).ok_or(FsError::NotFound)?;
        let d = self.tree.dir_attrs(&plan);
        Ok(Attr {
            ino: index + 1,
            kind: NodeKind::Symlink,
            size: l.target.len() as u64,
            blocks: 0,
            atime: d.accessed,
            mtime: d.modified,
            ctime: d.modified,
            crtime: d.created,
            perm: 0o777,
            nlink: 1,
            uid: d.uid,
            gid: d.gid,
            blksize: BLOCK_SIZE,
        })
    }

    /// Attributes of an inode.
    pub fn getattr(&self, ino: u64) -> FsResult<Attr> {
        let index = index_of(ino)?;
        // Past epoch 0 an inode may name what is gone (a deleted file a client still holds).
        if self.tree.epochs().is_some() && !self.tree.exists(index) {
            return Err(FsError::NotFound);
        }
        Ok(match self.tree.locate(index).ok_or(FsError::NotFound)? {
            Location::Dir(plan) => self.dir_attr(&plan),
            Location::File { parent, slot } => self.file_attr(&self.tree.file_attrs_in(&parent, slot)),
            Location::Symlink(_) => self.symlink_attr(index)?,
        })
    }

    /// The target of a symbolic link.
    pub fn readlink(&self, ino: u64) -> FsResult<Vec<u8>> {
        let index = index_of(ino)?;
        match self.tree.symlink(index) {
            Some(l) => Ok(l.target.as_bytes().to_vec()),
            None if self.tree.kind(index).is_some() => Err(FsError::Invalid),
            None => Err(FsError::NotFound),
        }
    }

    /// The entry `name` in directory `parent`.
    pub fn lookup(&self, parent: u64, name: &[u8]) -> FsResult<Attr> {
        let index = index_of(parent)?;
        let listing = match self.tree.locate(index).ok_or(FsError::NotFound)? {
            Location::Dir(_) => self.tree.listing(index).ok_or(FsError::NotFound)?,
            Location::File { .. } | Location::Symlink(_) => return Err(FsError::NotDir),
        };
        let entry = listing.find(name).ok_or(FsError::NotFound)?;
        self.getattr(entry.index + 1)
    }

    /// Directory entries from `offset` on, at most `max` of them. Offsets are positions: 0 is
    /// `.`, 1 is `..`, then sub-directories and files in their stable order (see
    /// [`listed_at`]); every entry carries the offset
    /// of the next, so paging gives each entry exactly once whatever else is being read.
    pub fn readdir(&self, ino: u64, offset: u64, max: usize) -> FsResult<Vec<DirEntry>> {
        let mut out = Vec::new();
        self.readdir_each(ino, offset, true, &mut |e| {
            out.push(e);
            out.len() >= max
        })?;
        Ok(out)
    }

    /// Like [`SynthFs::readdir`], handing entries one at a time to `take` until it returns
    /// `true` (its buffer is full), so no entry's attributes are computed in vain. Without
    /// `files` the listing stops before its first file (sub-directories come first): a walker
    /// that wants no file attributes gets the sub-directories' entries and nothing is made for files;
    /// with `files`, the folder's attribute page is used (see [`attr_pages`]) and the
    /// sub-directories' pages are made ahead.
    pub fn readdir_each(
        &self,
        ino: u64,
        offset: u64,
        files: bool,
        take: &mut dyn FnMut(DirEntry) -> bool,
    ) -> FsResult<()> {
        let OpenDir { plan, page, listing } = self.open_dir(ino, offset, files)?;
        let total = listing.entries.len() as u64 + 2;
        let mut at = offset;
        while at < total {
            let (name, attr): (Box<str>, Attr) = match at {
                0 => (".".into(), self.dir_attr(&plan)),
                1 => ("..".into(), self.getattr(self.tree.folder_parent(&plan) + 1)?),
                _ => {
                    let e = listed_at(&listing, at - 2);
                    if !files && e.kind == NodeKind::File {
                        break;
                    }
                    // The folder's own files come after its sub-folders; the page holds them
                    // in listing order.
                    let position = (at - 2) as usize;
                    let own_file =
                        e.kind == NodeKind::File && (listing.dirs..listing.dirs + listing.files).contains(&position);
                    let attr = if own_file {
                        match page.as_deref().and_then(|p| p.get(position - listing.dirs)) {
                            Some(a) => *a,
                            None => {
                                let slot = if synthfs_model::epoch::is_added(e.index) {
                                    e.index
                                } else {
                                    e.index - plan.index - 1
                                };
                                self.file_attr(&self.tree.file_attrs_in(&plan, slot))
                            }
                        }
                    } else {
                        self.getattr(e.index + 1)?
                    };
                    (e.name.clone(), attr)
                }
            };
            at += 1;
            if take(DirEntry { attr, name, next_offset: at }) {
                break;
            }
        }
        Ok(())
    }

    /// A directory's plan, attribute page (with `attrs`, for a folder small enough to have
    /// one) and listing for a listing from `offset`; a listing read from its start also queues
    /// its sub-directories' listings (and, with `attrs`, their pages) to be built ahead.
    fn open_dir(&self, ino: u64, offset: u64, attrs: bool) -> FsResult<OpenDir> {
        let index = index_of(ino)?;
        let plan = match self.tree.locate(index).ok_or(FsError::NotFound)? {
            Location::Dir(plan) => plan,
            Location::File { .. } | Location::Symlink(_) => return Err(FsError::NotDir),
        };
        // Past epoch 0 a client may hold the inode of a folder deleted since.
        if self.tree.epochs().is_some() && !self.tree.exists(index) {
            return Err(FsError::NotFound);
        }
        // The page first: made with the listing when neither is built yet.
        let page = if attrs { self.pages.page(&plan) } else { None };
        let listing = self.tree.listing(index).ok_or(FsError::NotFound)?;
        if offset == 0 {
            self.listings_ahead.ask(plan.children.iter().map(|c| c.index), attrs);
        }
        // The mount serves: background work may start.
        self.totals.start();
        Ok(OpenDir { plan, page, listing })
    }

    /// Names, kinds and inodes from `offset` on, without attributes (plain `readdir`: a
    /// walker that only wants names, such as `find -type f`, costs no attribute generation).
    /// Offsets are those of [`SynthFs::readdir`]; `take` returns `true` when its buffer is full.
    pub fn readdir_names(&self, ino: u64, offset: u64, take: &mut dyn FnMut(NameEntry<'_>) -> bool) -> FsResult<()> {
        let OpenDir { plan, listing, .. } = self.open_dir(ino, offset, false)?;
        let total = listing.entries.len() as u64 + 2;
        let mut at = offset;
        while at < total {
            let (name, ino, kind) = match at {
                0 => (".", ino, NodeKind::Dir),
                1 => ("..", self.tree.folder_parent(&plan) + 1, NodeKind::Dir),
                _ => {
                    let e = listed_at(&listing, at - 2);
                    (&*e.name, e.index + 1, e.kind)
                }
            };
            at += 1;
            if take(NameEntry { ino, kind, name, next_offset: at }) {
                break;
            }
        }
        Ok(())
    }

    /// Reads file bytes at `offset` into `buf`; returns how many.
    pub fn read(&self, ino: u64, offset: u64, buf: &mut [u8]) -> FsResult<usize> {
        let a = self.file(ino)?;
        Ok(self.tree.read_content(&a.content, offset, buf))
    }

    fn file(&self, ino: u64) -> FsResult<FileAttrs> {
        match self.tree.locate(index_of(ino)?).ok_or(FsError::NotFound)? {
            Location::File { parent, slot } => Ok(self.tree.file_attrs_in(&parent, slot)),
            Location::Dir(_) => Err(FsError::IsDir),
            Location::Symlink(_) => Err(FsError::Invalid),
        }
    }

    /// `lseek` with `SEEK_DATA` or `SEEK_HOLE`: the next data or hole offset, `NoData` past the
    /// end (ENXIO).
    pub fn seek(&self, ino: u64, offset: u64, whence: Seek) -> FsResult<u64> {
        let a = self.file(ino)?;
        let found = match whence {
            Seek::Data => a.content.seek_data(offset),
            Seek::Hole => a.content.seek_hole(offset),
        };
        found.ok_or(FsError::NoData)
    }

    /// Totals for `statfs`: exact once the background walk (started by the first listing or
    /// `statfs`) has finished, an estimate before.
    pub fn statfs(&self) -> FsStats {
        self.totals.start();
        let (_, allocated) = self.totals.bytes();
        FsStats {
            blocks: allocated.div_ceil(u64::from(BLOCK_SIZE)),
            files: self.tree.node_count(),
            block_size: BLOCK_SIZE,
            name_max: NAME_MAX,
        }
    }

    /// The value of an extended attribute.
    pub fn getxattr(&self, ino: u64, name: &[u8]) -> FsResult<Vec<u8>> {
        // Tools ask for security.* and system.posix_acl_* on every file (`ls -l`): answer those
        // before touching the model. A namespace the tree has nothing in (security labels,
        // ACLs, trusted.*) answers "not supported", which tells `ls`, libacl and libselinux
        // to stop asking on this device instead of costing a round trip per file.
        if name == ACL_ACCESS || name == ACL_DEFAULT {
            return self.acl(ino, name == ACL_DEFAULT);
        }
        if self.samba && synthfs_model::windows::is_samba_xattr(name) {
            // What Samba reads for Windows clients: the descriptor, attributes, streams.
            let index = index_of(ino)?;
            return self.tree.samba_xattr(index, name).ok_or_else(|| match self.tree.locate(index) {
                None => FsError::NotFound,
                Some(_) => FsError::NoAttribute,
            });
        }
        use synthfs_model::tree::{ATTRIBUTES_XATTR, SDDL_SIDS_XATTR, SDDL_XATTR, ZONE_XATTR};
        let optional = [ATTRIBUTES_XATTR, ZONE_XATTR, SDDL_XATTR, SDDL_SIDS_XATTR];
        if !XATTRS.iter().chain(&optional).any(|x| x.as_bytes() == name) {
            return Err(if name.starts_with(b"user.") { FsError::NoAttribute } else { FsError::Unsupported });
        }
        let all = self.tree.xattrs_where(index_of(ino)?, |n| n.as_bytes() == name).ok_or(FsError::NotFound)?;
        all.into_iter().find(|(n, _)| n.as_bytes() == name).map(|(_, v)| v.into_bytes()).ok_or(FsError::NoAttribute)
    }

    /// The names of the extended attributes, each NUL-terminated, as `listxattr` returns them.
    pub fn listxattr(&self, ino: u64) -> FsResult<Vec<u8>> {
        let all = self.tree.xattrs(index_of(ino)?).ok_or(FsError::NotFound)?;
        let mut out = Vec::new();
        let acl = if self.has_acls() { synthfs_model::attrs::node_acl(&self.tree, index_of(ino)?) } else { None };
        let acl_names =
            acl.map(|a| if a.default.is_some() { &[ACL_ACCESS, ACL_DEFAULT][..] } else { &[ACL_ACCESS][..] });
        let samba = match self.samba {
            true => self.tree.samba_xattr_names(index_of(ino)?).unwrap_or_default(),
            false => Vec::new(),
        };
        let samba_names = samba.iter().map(|n| n.as_bytes());
        let names = all.iter().map(|(n, _)| n.as_bytes()).chain(samba_names);
        for n in names.chain(acl_names.unwrap_or_default().iter().copied()) {
            out.extend_from_slice(n);
            out.push(0);
        }
        Ok(out)
    }

    /// Whether the tree carries POSIX ACLs (access tiers): the adapter then asks the kernel to
    /// cache and enforce them.
    pub fn has_acls(&self) -> bool {
        self.tree.model.profile.acls.tiers
    }

    /// A node's access ACL, or its default ACL, as xattr bytes.
    fn acl(&self, ino: u64, default: bool) -> FsResult<Vec<u8>> {
        if !self.has_acls() {
            return Err(FsError::Unsupported);
        }
        let acl = synthfs_model::attrs::node_acl(&self.tree, index_of(ino)?);
        let found = acl.and_then(|a| if default { a.default } else { Some(a.access) });
        match found {
            Some(v) => Ok(v),
            None => {
                self.tree.locate(index_of(ino)?).ok_or(FsError::NotFound)?;
                Err(FsError::NoAttribute)
            }
        }
    }
}

#[cfg(test)]
mod tests;
