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
fn listed_at(listing: &synthfs_model::Listing, dirs: usize, position: u64) -> &synthfs_model::Entry {
    let files = listing.files;
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
    pub fn new(tree: Arc<Tree>) -> SynthFs {
        let totals = Totals::start(tree.clone());
        let pages = Arc::new(attr_pages::AttrPages::new(tree.clone()));
        let (t, p) = (tree.clone(), pages.clone());
        // Listings ahead of any walk; attribute pages too while a stat walk goes on.
        let listings_ahead = read_ahead::ListingsAhead::start(move |dir, attrs| {
            let paged = attrs && t.plan(dir).is_some_and(|plan| p.page(&plan).is_some());
            if !paged {
                let _ = t.listing(dir);
            }
        });
        SynthFs { tree, totals, listings_ahead, pages }
    }

    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    fn file_attr(&self, a: &FileAttrs) -> Attr {
        file_attr(&self.tree, a)
    }

    fn dir_attr(&self, plan: &DirPlan) -> Attr {
        let d = self.tree.dir_attrs(plan);
        let subdirs = plan.children.len();
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
                1 => ("..".into(), self.getattr(plan.parent + 1)?),
                _ => {
                    let e = listed_at(&listing, plan.children.len(), at - 2);
                    if !files && e.kind == NodeKind::File {
                        break;
                    }
                    let own_file =
                        e.kind == NodeKind::File && e.index > plan.index && e.index <= plan.index + plan.files;
                    let slot = e.index.wrapping_sub(plan.index + 1);
                    let attr = if own_file {
                        match page.as_deref().and_then(|p| p.get(slot as usize)) {
                            Some(a) => *a,
                            None => self.file_attr(&self.tree.file_attrs_in(&plan, slot)),
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
        // The page first: made with the listing when neither is built yet.
        let page = if attrs { self.pages.page(&plan) } else { None };
        let listing = self.tree.listing(index).ok_or(FsError::NotFound)?;
        if offset == 0 {
            self.listings_ahead.ask(plan.children.iter().map(|c| c.index), attrs);
        }
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
                1 => ("..", plan.parent + 1, NodeKind::Dir),
                _ => {
                    let e = listed_at(&listing, plan.children.len(), at - 2);
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

    /// Totals for `statfs`: exact once the background walk has finished, an estimate before.
    pub fn statfs(&self) -> FsStats {
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
        for n in all.iter().map(|(n, _)| n.as_bytes()).chain(acl_names.unwrap_or_default().iter().copied()) {
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
mod tests {
    use super::*;
    use synthfs_model::Profile;

    fn fs() -> SynthFs {
        let mut p = Profile::builtin("enterprise").unwrap();
        p.set_counts(Some(2000), Some(200));
        SynthFs::new(Arc::new(Tree::new(p).unwrap()))
    }

    #[test]
    fn directory_blksize_fits_the_listing_and_no_more() {
        assert_eq!(dir_blksize(0), 32 << 10);
        assert_eq!(dir_blksize(100), 32 << 10, "a typical folder: glibc's smallest buffer");
        assert_eq!(dir_blksize(1_000), 256 << 10);
        assert_eq!(dir_blksize(5_000), 1 << 20);
        assert_eq!(dir_blksize(u64::MAX), 1 << 20, "1 MiB at most, glibc's largest");
        for n in [0u64, 7, 170, 171, 300, 2_000, 5_459] {
            let b = u64::from(dir_blksize(n));
            assert!(b.is_power_of_two() && b >= (n + 2) * 192, "{n} entries: {b}");
        }
    }

    #[test]
    fn root_and_lookup() {
        let fs = fs();
        let root = fs.getattr(1).unwrap();
        assert_eq!(root.kind, NodeKind::Dir);
        let fin = fs.lookup(1, b"Finance").unwrap();
        assert_eq!(fin.kind, NodeKind::Dir);
        assert_eq!(fs.lookup(1, b"finance"), Err(FsError::NotFound));
        assert_eq!(fs.getattr(0), Err(FsError::NotFound));
        assert_eq!(fs.getattr(fs.tree().node_count() + 1), Err(FsError::NotFound));
    }

    #[test]
    fn readdir_pages_give_each_entry_once() {
        let fs = fs();
        let all = fs.readdir(1, 0, usize::MAX).unwrap();
        let mut paged = Vec::new();
        let mut off = 0;
        loop {
            let page = fs.readdir(1, off, 3).unwrap();
            if page.is_empty() {
                break;
            }
            off = page.last().unwrap().next_offset;
            paged.extend(page.into_iter().map(|e| e.name));
        }
        let names: Vec<_> = all.into_iter().map(|e| e.name).collect();
        assert_eq!(paged, names);
        assert_eq!(&*names[0], ".");
        assert_eq!(&*names[1], "..");
    }

    /// Attribute pages (made with the listing, with the listing already built, or ahead by the
    /// read-ahead) give what `getattr` makes afresh; without files a listing stops before them.
    #[test]
    fn attribute_pages_agree_with_getattr() {
        let fs = fs();
        let finance = fs.lookup(1, b"Finance").unwrap().ino;
        // The root's page is made with its listing; Finance's listing is built first.
        let _ = fs.readdir_names(finance, 0, &mut |_| true);
        let mut files = 0;
        for dir in [1, finance] {
            for e in fs.readdir(dir, 0, usize::MAX).unwrap().into_iter().skip(2) {
                assert_eq!(e.attr, fs.getattr(e.attr.ino).unwrap(), "{}", e.name);
                files += usize::from(e.attr.kind == NodeKind::File);
            }
            let mut kinds = Vec::new();
            fs.readdir_each(dir, 0, false, &mut |e| {
                kinds.push(e.attr.kind);
                false
            })
            .unwrap();
            assert!(kinds.iter().all(|k| *k == NodeKind::Dir), "{kinds:?}");
        }
        assert!(files > 0);
        // A sub-directory's page asked for ahead, once it is there, agrees too.
        let sub =
            fs.readdir(finance, 0, usize::MAX).unwrap().into_iter().find(|e| e.attr.kind == NodeKind::Dir).unwrap();
        let index = sub.attr.ino - 1;
        for _ in 0..500 {
            if fs.pages.cached(index) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(fs.pages.cached(index), "the read-ahead made the page");
        for e in fs.readdir(sub.attr.ino, 0, usize::MAX).unwrap().into_iter().skip(2) {
            assert_eq!(e.attr, fs.getattr(e.attr.ino).unwrap(), "{}", e.name);
        }
    }

    #[test]
    fn names_only_listing_matches_the_full_one() {
        let fs = fs();
        for dir in [1, fs.lookup(1, b"Finance").unwrap().ino] {
            let full: Vec<_> = fs
                .readdir(dir, 0, usize::MAX)
                .unwrap()
                .into_iter()
                .map(|e| (e.attr.ino, e.attr.kind, e.name, e.next_offset))
                .collect();
            let mut names = Vec::new();
            // Resume after each entry, as the kernel does when it switches listing kinds.
            let mut off = 0;
            loop {
                let mut got = None;
                fs.readdir_names(dir, off, &mut |e| {
                    got = Some((e.ino, e.kind, Box::<str>::from(e.name), e.next_offset));
                    true
                })
                .unwrap();
                let Some(e) = got else { break };
                off = e.3;
                names.push(e);
            }
            assert_eq!(names, full);
        }
        assert_eq!(fs.readdir_names(fs.tree().node_count() + 1, 0, &mut |_| false), Err(FsError::NotFound));
    }

    #[test]
    fn xattrs() {
        let fs = fs();
        let names = fs.listxattr(1).unwrap();
        assert_eq!(names.iter().filter(|b| **b == 0).count(), XATTRS.len());
        let fin = fs.lookup(1, b"Finance").unwrap();
        assert_eq!(fs.getxattr(fin.ino, b"user.synthfs.department").unwrap(), b"Finance");
        assert!(fs.getxattr(fin.ino, b"user.synthfs.sid").unwrap().starts_with(b"S-1-5-21-"));
        assert!(fs.getxattr(fin.ino, b"user.synthfs.owner").unwrap().starts_with(b"CORP\\"));
        assert_eq!(fs.getxattr(fin.ino, b"user.other"), Err(FsError::NoAttribute));
        assert_eq!(fs.getxattr(fin.ino, b"system.posix_acl_access"), Err(FsError::Unsupported));
        assert_eq!(fs.getxattr(fin.ino, b"security.selinux"), Err(FsError::Unsupported));
    }

    #[test]
    fn links_list_stat_and_read() {
        let mut p = Profile::builtin("torture").unwrap();
        p.set_counts(Some(300), None);
        let fs = SynthFs::new(Arc::new(Tree::new(p).unwrap()));
        let links = fs.lookup(1, b"links").unwrap();
        let page = fs.readdir(links.ino, 0, usize::MAX).unwrap();
        let kinds = |k: NodeKind| page.iter().filter(|e| e.attr.kind == k).count();
        // ., .., elsewhere; two files under five names (three here); eleven symbolic links.
        assert_eq!((kinds(NodeKind::Dir), kinds(NodeKind::File), kinds(NodeKind::Symlink)), (3, 4, 11));
        let original = fs.lookup(links.ino, b"original.docx").unwrap();
        let twin = fs.lookup(links.ino, b"original (hard link).docx").unwrap();
        assert_eq!((original.ino, original.nlink), (twin.ino, 3));
        let listed = page.iter().find(|e| &*e.name == "original (hard link).docx").unwrap();
        assert_eq!(listed.attr, original, "a listing's attributes are the inode's");
        let up = fs.lookup(links.ino, b"to-parent").unwrap();
        assert_eq!((up.kind, up.size, up.perm), (NodeKind::Symlink, 2, 0o777));
        assert_eq!(fs.readlink(up.ino).unwrap(), b"..");
        assert_eq!(fs.readlink(original.ino), Err(FsError::Invalid));
        assert_eq!(fs.readlink(fs.tree().node_count() + 1), Err(FsError::NotFound));
        assert_eq!(fs.lookup(up.ino, b"x"), Err(FsError::NotDir));
        assert_eq!(fs.read(up.ino, 0, &mut [0u8; 4]), Err(FsError::Invalid));
        assert_eq!(fs.listxattr(up.ino).unwrap(), b"");
        assert_eq!(fs.statfs().files, fs.tree().node_count());
    }

    /// What a hostile or confused client can send: any inode, any bytes as a name, any offset.
    /// Every call answers (no panic) with a valid result or the error the kernel expects.
    mod hostile {
        use super::*;
        use proptest::prelude::*;
        use std::sync::OnceLock;

        /// The filesystems under test: an enterprise tree, and a torture tree (hostile names,
        /// symbolic and hard links, a folder of 2,000 files).
        fn shared(torture: bool) -> &'static SynthFs {
            static FS: OnceLock<SynthFs> = OnceLock::new();
            static TORTURE: OnceLock<SynthFs> = OnceLock::new();
            if torture {
                TORTURE.get_or_init(|| {
                    let mut p = Profile::builtin("torture").unwrap();
                    p.set_counts(Some(2500), None);
                    p.torture.control_chars = true;
                    SynthFs::new(Arc::new(Tree::new(p).unwrap()))
                })
            } else {
                FS.get_or_init(fs)
            }
        }

        /// Inodes around the trees' range: 0, real ones, and past the end.
        fn any_ino() -> impl Strategy<Value = u64> {
            let n = shared(false).tree().node_count().max(shared(true).tree().node_count());
            prop_oneof![Just(0u64), 1..=n, n + 1..n + 1000, any::<u64>()]
        }

        /// Every directory's inode and entry names.
        fn dirs(torture: bool) -> &'static [(u64, Vec<Box<str>>)] {
            static DIRS: OnceLock<Vec<(u64, Vec<Box<str>>)>> = OnceLock::new();
            static TORTURE_DIRS: OnceLock<Vec<(u64, Vec<Box<str>>)>> = OnceLock::new();
            (if torture { &TORTURE_DIRS } else { &DIRS }).get_or_init(|| {
                let fs = shared(torture);
                let (mut out, mut todo) = (Vec::new(), vec![1u64]);
                while let Some(d) = todo.pop() {
                    let entries = fs.readdir(d, 2, usize::MAX).unwrap();
                    todo.extend(entries.iter().filter(|e| e.attr.kind == NodeKind::Dir).map(|e| e.attr.ino));
                    out.push((d, entries.into_iter().map(|e| e.name).collect()));
                }
                out
            })
        }

        /// Arbitrary bytes as names: NUL, slashes, invalid UTF-8, past 255 bytes.
        fn any_name() -> impl Strategy<Value = Vec<u8>> {
            proptest::collection::vec(any::<u8>(), 0..300)
        }

        /// A parent and a name: anything, or a real directory with one of its names, exact or
        /// with its case changed.
        fn any_lookup(torture: bool) -> impl Strategy<Value = (u64, Vec<u8>)> {
            prop_oneof![
                (any_ino(), any_name()),
                (any::<usize>(), any::<usize>(), any::<bool>()).prop_map(move |(d, k, upper)| {
                    let dirs = dirs(torture);
                    let (ino, names) = &dirs[d % dirs.len()];
                    let name = names.get(k % names.len().max(1)).map_or("", |n| &**n);
                    (*ino, if upper { name.to_uppercase().into_bytes() } else { name.as_bytes().to_vec() })
                }),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

            #[test]
            fn lookup_answers_the_entry_or_enoent((torture, (parent, name)) in any::<bool>().prop_flat_map(|t| (Just(t), any_lookup(t)))) {
                let fs = shared(torture);
                match fs.lookup(parent, &name) {
                    Ok(a) => {
                        // The entry found is the one of that exact name in that directory.
                        let listed = fs.readdir(parent, 2, usize::MAX).unwrap();
                        prop_assert!(listed.iter().any(|e| e.attr.ino == a.ino && e.name.as_bytes() == name.as_slice()));
                    }
                    Err(e) => {
                        prop_assert!(matches!(e, FsError::NotFound | FsError::NotDir), "{e:?}");
                        // Only a name that is not in the directory is missing.
                        let listed = fs.readdir(parent, 2, usize::MAX).unwrap_or_default();
                        prop_assert!(!listed.iter().any(|e| e.name.as_bytes() == name.as_slice()));
                    }
                }
            }

            #[test]
            fn readdir_at_any_offset_pages_forward(torture in any::<bool>(), ino in any_ino(), offset in prop_oneof![0u64..300, any::<u64>()], max in 1usize..50) {
                let fs = shared(torture);
                match fs.readdir(ino, offset, max) {
                    Ok(page) => {
                        prop_assert!(page.len() <= max);
                        let mut at = offset;
                        for e in &page {
                            prop_assert!(e.next_offset > at);
                            at = e.next_offset;
                        }
                        let mut names = Vec::new();
                        fs.readdir_names(ino, offset, &mut |e| { names.push(e.ino); names.len() >= max }).unwrap();
                        prop_assert_eq!(names, page.iter().map(|e| e.attr.ino).collect::<Vec<_>>());
                    }
                    Err(e) => prop_assert!(matches!(e, FsError::NotFound | FsError::NotDir), "{e:?}"),
                }
            }

            #[test]
            fn reads_seeks_and_xattrs_answer(torture in any::<bool>(), ino in any_ino(), offset in prop_oneof![0u64..1 << 20, any::<u64>()], len in 0usize..70_000, name in any_name()) {
                let fs = shared(torture);
                let mut buf = vec![0u8; len];
                // A symbolic link is not read (the kernel follows it first): EINVAL.
                match fs.read(ino, offset, &mut buf) {
                    Ok(n) => prop_assert!(n <= len),
                    Err(e) => prop_assert!(matches!(e, FsError::NotFound | FsError::IsDir | FsError::Invalid), "{e:?}"),
                }
                for how in [Seek::Data, Seek::Hole] {
                    if let Err(e) = fs.seek(ino, offset, how) {
                        prop_assert!(matches!(e, FsError::NotFound | FsError::IsDir | FsError::NoData | FsError::Invalid), "{e:?}");
                    }
                }
                match fs.readlink(ino) {
                    Ok(target) => prop_assert!(!target.is_empty() && fs.getattr(ino).unwrap().kind == NodeKind::Symlink),
                    Err(e) => prop_assert!(matches!(e, FsError::NotFound | FsError::Invalid), "{e:?}"),
                }
                if let Err(e) = fs.getxattr(ino, &name) {
                    prop_assert!(matches!(e, FsError::NotFound | FsError::NoAttribute | FsError::Unsupported), "{e:?}");
                }
            }
        }
    }
}
