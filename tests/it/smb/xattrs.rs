//! `mount --samba-xattrs`: the xattrs Samba reads, parsed by Samba's own NDR code (its Python
//! bindings) for every folder and file, equal the model's attributes, creation times and
//! descriptors; without the option the mount has none of them.

use synthfs_model::windows::SecurityDescriptor;
use synthfs_model::windows::dos_attrib::nttime;
use synthfs_model::{Location, Tree};

use super::metadata::indices_by_path;
use crate::common::{Mount, builtin_profile, have, sh};

/// Samba's Python bindings, which Debian's samba package depends on.
const SAMBA_PYTHON: &str = "/usr/bin/python3";

#[test]
fn samba_parses_every_descriptor_and_dos_attribute_the_mount_gives() {
    if !have(&[SAMBA_PYTHON, "-c", "import samba.ndr, samba.dcerpc.xattr"], "Samba's Python bindings (python3-samba)") {
        return;
    }
    let tree_args = ["--profile", "panzura-demo", "--files", "600", "--nt-acls"];
    let Some(plain) = Mount::try_start(&tree_args) else { return };
    let (_, out, _) = sh(&format!("getfattr -n user.DOSATTRIB '{}/Finance' 2>&1", plain.root()));
    assert!(out.contains("No such attribute"), "not without --samba-xattrs: {out}");
    drop(plain);

    let m = Mount::start(&[&tree_args[..], &["--samba-xattrs"]].concat());
    let o = std::process::Command::new(SAMBA_PYTHON)
        .arg("-c")
        .arg(include_str!("samba_ndr.py"))
        .arg(m.path())
        .output()
        .expect("python3 runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut p = builtin_profile("panzura-demo", 600);
    p.acls.windows = true;
    let tree = Tree::new(p).expect("the tree");
    let at = indices_by_path(&tree);
    let text = String::from_utf8_lossy(&o.stdout);
    let mut nodes = 0;
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let index = at[f[0]];
        let (created, want_attrs) = match tree.locate(index).expect("a node") {
            Location::Dir(plan) => (tree.dir_attrs(&plan).created, 0x10),
            Location::File { .. } => {
                let a = tree.file_attrs(index).expect("a file");
                let sys = a.hidden && a.role == synthfs_model::Role::Junk;
                let bits = 0x20 | u32::from(a.readonly) | u32::from(a.hidden) << 1 | u32::from(sys) << 2;
                (a.created, bits | u32::from(a.content.sparse.is_some()) << 9)
            }
            Location::Symlink(_) => unreachable!("links are skipped"),
        };
        assert_eq!(f[1].parse::<u32>().ok(), Some(want_attrs), "{line}");
        assert_eq!(f[2].parse::<u64>().ok(), Some(nttime(created)), "{line}");
        let want = tree.security_descriptor(index).expect("a descriptor").to_sddl();
        let got = SecurityDescriptor::from_sddl(f[3]).map(|sd| sd.to_sddl());
        assert_eq!(got.as_deref().ok(), Some(want.as_str()), "{line}");
        nodes += 1;
    }
    assert_eq!(nodes, tree.file_count() + tree.dir_count(), "every folder and file");
}
