//! The filesystem view against the model: listings, pages, attributes, reads and holes.

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
    let sub = fs.readdir(finance, 0, usize::MAX).unwrap().into_iter().find(|e| e.attr.kind == NodeKind::Dir).unwrap();
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
    assert_eq!(fs.getxattr(fin.ino, b"user.DOSATTRIB"), Err(FsError::NoAttribute), "only when asked");
    assert_eq!(fs.getxattr(fin.ino, b"user.synthfs.department").unwrap(), b"Finance");
    // Asked for: the attributes and creation time Samba reads (no NT ACLs in this tree).
    let fs = fs.with_samba_xattrs(true);
    let names = fs.listxattr(1).unwrap();
    assert_eq!(names.iter().filter(|b| **b == 0).count(), XATTRS.len() + 1);
    assert!(names.ends_with(b"user.DOSATTRIB\0"));
    let dos = fs.getxattr(fin.ino, b"user.DOSATTRIB").unwrap();
    let (attributes, created) = synthfs_model::windows::dos_attrib::parse_dos_attrib(&dos).unwrap();
    assert_eq!(attributes, synthfs_model::windows::dos_attrib::FILE_ATTRIBUTE_DIRECTORY);
    assert!(created.is_some());
    assert_eq!(fs.getxattr(fin.ino, b"security.NTACL"), Err(FsError::NoAttribute), "no NT ACLs in this tree");
    assert_eq!(fs.getxattr(fin.ino, b"user.DosStream.Zone.Identifier:$DATA"), Err(FsError::NoAttribute));
    assert_eq!(fs.getxattr(u64::MAX, b"user.DOSATTRIB"), Err(FsError::NotFound));
    assert_eq!(fs.getxattr(fin.ino, b"user.synthfs.department").unwrap(), b"Finance");
    assert!(fs.getxattr(fin.ino, b"user.synthfs.sid").unwrap().starts_with(b"S-1-5-21-"));
    assert!(fs.getxattr(fin.ino, b"user.synthfs.owner").unwrap().starts_with(b"CORP\\"));
    assert_eq!(fs.getxattr(fin.ino, b"user.other"), Err(FsError::NoAttribute));
    assert_eq!(fs.getxattr(fin.ino, b"system.posix_acl_access"), Err(FsError::Unsupported));
    assert_eq!(fs.getxattr(fin.ino, b"security.selinux"), Err(FsError::Unsupported));
}

#[test]
fn links_list_stat_and_read() {
    let p = Profile::builtin_with_files("torture", 300).unwrap();
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
                let mut p = Profile::builtin_with_files("torture", 2500).unwrap();
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
