//! `synthfs report`: the storyline metrics a scanner's dashboard computes (files by creation
//! year, dormancy overall and by top-level folder, owner kinds, the top orphaned owners, bytes by
//! department and by top-level folder), straight from the model, so a demo engineer knows what
//! the scan must show before running it. Every number is one a scanner can compute from `stat`
//! and the `user.synthfs.*` attributes of a mount or a copy.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::manifest::Owners;
use crate::stats::FilesAndBytes;
use crate::walk::fold_subtree;
use synthfs_model::date::{DAY, Date};
use synthfs_model::ntacl;
use synthfs_model::plan::DirPlan;
use synthfs_model::{FileAttrs, Tree};

/// What files at the root of the share are reported under, as a top-level folder.
pub const ROOT_FILES: &str = "(root)";

/// One top-level folder: its files and bytes, and how many files are dormant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Folder {
    pub files: u64,
    pub bytes: u64,
    pub dormant: u64,
}

/// The report.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    pub files: u64,
    pub bytes: u64,
    /// The day ages count from (the tree's `as_of`).
    pub as_of: String,
    /// Files not accessed for this many years count as dormant.
    pub dormant_years: u32,
    pub dormant: u64,
    /// Files by the year they were created (`user.synthfs.created`).
    pub created_by_year: BTreeMap<i32, u64>,
    /// By top-level folder (files at the root under `(root)`).
    pub top_folders: BTreeMap<String, Folder>,
    /// By the owner's kind: `user`, `group` (a department's group owns it), `orphan` (an
    /// account that no longer resolves: a bare SID), `builtin` and `service`.
    pub owner_kinds: BTreeMap<String, FilesAndBytes>,
    /// The orphaned owners with the most files (by SID), most first.
    pub top_orphans: Vec<(String, u64)>,
    /// By department (the folder's, else the owner's own).
    pub departments: BTreeMap<String, FilesAndBytes>,
    /// By file class: how the three times behave (see `model::classes`; a scanner applies the
    /// same rule to `stat` and `user.synthfs.created`).
    pub file_classes: BTreeMap<String, FilesAndBytes>,
    /// By `[[event]]` cohort.
    pub events: BTreeMap<String, FilesAndBytes>,
    /// ACL anti-patterns, where the tree has NT security descriptors (`[acls] windows`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acls: Option<AclPatterns>,
}

/// What a permission audit counts over every folder's DACL (`user.synthfs.sddl`), the way the
/// SIDs resolve (`user.synthfs.sddl_sids`). ACEs are counted where they are explicit (set on
/// the folder, not inherited).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AclPatterns {
    /// Folders, the root included.
    pub folders: u64,
    /// Folders that stop inheriting (`P` in SDDL), the root aside.
    pub broken_inheritance: u64,
    /// Their paths, sorted (the first hundred).
    pub broken_inheritance_paths: Vec<String>,
    /// Folders that grant Everyone write access.
    pub everyone_modify: u64,
    pub deny_aces: u64,
    pub explicit_aces: u64,
    /// Explicit ACEs naming a global group, where AGDLP wants a domain-local one.
    pub global_group_aces: u64,
    /// Explicit ACEs naming one person (resolvable or not).
    pub user_aces: u64,
    /// Explicit ACEs whose SID no account resolves (someone who left).
    pub deleted_user_aces: u64,
    /// Distinct SIDs among those.
    pub deleted_user_sids: u64,
    /// Folders below a department's or project's own, inheriting: where `acls.grant_share`
    /// draws direct grants.
    pub grant_folders: u64,
}

/// Broken-inheritance paths listed by name.
const BROKEN_PATHS: usize = 100;

/// Orphaned owners listed by name.
const TOP_ORPHANS: usize = 10;

/// Totals of one subtree, merged across threads.
#[derive(Default)]
struct Acc {
    created: BTreeMap<i32, u64>,
    folder: Folder,
    kinds: BTreeMap<&'static str, FilesAndBytes>,
    orphans: BTreeMap<String, u64>,
    departments: BTreeMap<String, FilesAndBytes>,
    classes: BTreeMap<&'static str, FilesAndBytes>,
    events: BTreeMap<String, FilesAndBytes>,
    acls: AclPatterns,
    deleted_sids: std::collections::BTreeSet<String>,
}

impl Acc {
    fn merge(mut self, o: Acc) -> Acc {
        for (y, n) in o.created {
            *self.created.entry(y).or_default() += n;
        }
        self.folder.files += o.folder.files;
        self.folder.bytes += o.folder.bytes;
        self.folder.dormant += o.folder.dormant;
        merge_tallies(&mut self.kinds, o.kinds);
        for (k, n) in o.orphans {
            *self.orphans.entry(k).or_default() += n;
        }
        merge_tallies(&mut self.departments, o.departments);
        merge_tallies(&mut self.classes, o.classes);
        merge_tallies(&mut self.events, o.events);
        let (a, b) = (&mut self.acls, o.acls);
        a.folders += b.folders;
        a.broken_inheritance += b.broken_inheritance;
        a.broken_inheritance_paths.extend(b.broken_inheritance_paths);
        a.everyone_modify += b.everyone_modify;
        a.deny_aces += b.deny_aces;
        a.explicit_aces += b.explicit_aces;
        a.global_group_aces += b.global_group_aces;
        a.user_aces += b.user_aces;
        a.deleted_user_aces += b.deleted_user_aces;
        a.grant_folders += b.grant_folders;
        self.deleted_sids.extend(o.deleted_sids);
        self
    }
}

/// Adds `from`'s tallies into `into`'s, key by key.
fn merge_tallies<K: Ord>(into: &mut BTreeMap<K, FilesAndBytes>, from: BTreeMap<K, FilesAndBytes>) {
    for (k, t) in from {
        into.entry(k).or_default().merge(t);
    }
}

/// Counts a file of `size` bytes under `name`, allocating the key only the first time.
fn tally_named(map: &mut BTreeMap<String, FilesAndBytes>, name: &str, size: u64) {
    match map.get_mut(name) {
        Some(t) => t.add(size),
        None => map.entry(name.to_string()).or_default().add(size),
    }
}

/// Computes the report; files not accessed for `dormant_years` years are dormant.
pub fn collect(tree: &Tree, dormant_years: u32) -> Report {
    let owners = Owners::new(tree);
    let as_of_end = tree.now_secs();
    let dormant_before = as_of_end + 1 - i64::from(dormant_years) * 365 * DAY;
    let resolver = ntacl::enabled(&tree.model).then(|| ntacl::Resolver::new(&tree.model));
    let visit = |acc: &mut Acc, plan: &DirPlan| {
        if let Some(r) = &resolver {
            add_folder_acl(acc, tree, r, plan);
        }
        tree.each_file_attrs(plan, |a| add_file(acc, tree, &owners, plan, &a, dormant_before));
    };
    let root = tree.root();
    let mut own = Acc::default();
    visit(&mut own, root);
    let mut folders: Vec<(String, Acc)> = vec![(ROOT_FILES.to_string(), own)];
    folders.par_extend(tree.live_children(root).into_par_iter().map(|c| {
        let child = tree.live_child_plan_uncached(root, &c);
        let acc = fold_subtree(tree, &child, Acc::default, visit, Acc::merge);
        (c.name.into_owned(), acc)
    }));
    let mut all = Acc::default();
    let mut top_folders = BTreeMap::new();
    for (name, acc) in folders {
        if acc.folder.files > 0 || name != ROOT_FILES {
            top_folders.insert(name, acc.folder);
        }
        all = all.merge(acc);
    }
    let mut top_orphans: Vec<(String, u64)> = all.orphans.into_iter().collect();
    top_orphans.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top_orphans.truncate(TOP_ORPHANS);
    let acls = resolver.map(|_| {
        let mut a = all.acls;
        a.broken_inheritance_paths.sort();
        a.broken_inheritance_paths.truncate(BROKEN_PATHS);
        a.deleted_user_sids = all.deleted_sids.len() as u64;
        a
    });
    Report {
        files: all.folder.files,
        bytes: all.folder.bytes,
        as_of: Date::of_unix(as_of_end).to_string(),
        dormant_years,
        dormant: all.folder.dormant,
        created_by_year: all.created,
        top_folders,
        owner_kinds: all.kinds.into_iter().map(|(k, t)| (k.to_string(), t)).collect(),
        top_orphans,
        departments: all.departments,
        file_classes: all.classes.into_iter().map(|(k, t)| (k.to_string(), t)).collect(),
        events: all.events,
        acls,
    }
}

/// Counts a folder's DACL into the ACL patterns.
fn add_folder_acl(acc: &mut Acc, tree: &Tree, r: &ntacl::Resolver, plan: &DirPlan) {
    let Some(sec) = tree.dir_security(plan.index) else { return };
    let a = &mut acc.acls;
    a.folders += 1;
    if sec.protected && plan.index != 0 {
        a.broken_inheritance += 1;
        a.broken_inheritance_paths.push(tree.path(plan.index).unwrap_or_default());
    }
    a.grant_folders += u64::from(ntacl::grantable(&plan.ctx, sec.protected));
    let mut everyone_modify = false;
    for ace in sec.aces.iter().filter(|ace| !ace.inherited) {
        a.explicit_aces += 1;
        a.deny_aces += u64::from(!ace.allow);
        everyone_modify |= ace.allow && ace.principal == ntacl::Principal::Everyone && ace.mask & ntacl::WRITE != 0;
        match r.lookup(ace.principal).0 {
            ntacl::SidUse::Group => a.global_group_aces += 1,
            ntacl::SidUse::User => a.user_aces += 1,
            ntacl::SidUse::Unknown => {
                a.user_aces += 1;
                a.deleted_user_aces += 1;
                acc.deleted_sids.insert(r.sid(ace.principal));
            }
            ntacl::SidUse::Alias | ntacl::SidUse::WellKnownGroup => {}
        }
    }
    a.everyone_modify += u64::from(everyone_modify);
}

fn add_file(acc: &mut Acc, tree: &Tree, owners: &Owners, plan: &DirPlan, a: &FileAttrs, dormant_before: i64) {
    let size = a.size();
    acc.classes.entry(tree.file_class(a).name()).or_default().add(size);
    let event = tree.event_of(&plan.ctx);
    if !event.is_empty() {
        tally_named(&mut acc.events, event, size);
    }
    *acc.created.entry(Date::of_unix(a.created.secs).year).or_default() += 1;
    acc.folder.files += 1;
    acc.folder.bytes += size;
    acc.folder.dormant += u64::from(a.accessed.secs < dormant_before);
    let (owner, department) = owners.of(a, plan.ctx.department);
    acc.kinds.entry(owner.kind).or_default().add(size);
    if owner.kind == "orphan" {
        *acc.orphans.entry(owner.name.clone()).or_default() += 1;
    }
    tally_named(&mut acc.departments, department, size);
}

/// The report as text: one line per figure, shares in percent.
pub fn render(r: &Report) -> String {
    use std::fmt::Write;
    use synthfs_model::units::{Bytes, Count};
    let pct = |n: u64, of: u64| if of == 0 { 0.0 } else { 100.0 * n as f64 / of as f64 };
    let mut o = String::new();
    let _ = writeln!(o, "files         {} ({}), as of {}", Count(r.files), Bytes(r.bytes), r.as_of);
    let _ = writeln!(
        o,
        "dormant       {:.1}% not accessed in {} years ({} files)",
        pct(r.dormant, r.files),
        r.dormant_years,
        Count(r.dormant)
    );
    let _ = writeln!(o, "created by year");
    for (y, n) in &r.created_by_year {
        let _ = writeln!(o, "  {y}  {n:>10}  {:5.1}%", pct(*n, r.files));
    }
    let _ = writeln!(o, "top-level folders (files, bytes share, dormant)");
    for (name, f) in &r.top_folders {
        let _ = writeln!(
            o,
            "  {name:<28} {:>10}  {:5.1}% of bytes  {:5.1}% dormant",
            f.files,
            pct(f.bytes, r.bytes),
            pct(f.dormant, f.files)
        );
    }
    let _ = writeln!(o, "file classes (files, bytes share)");
    for (class, t) in &r.file_classes {
        let _ = writeln!(
            o,
            "  {class:<24} {:5.1}% of files  {:5.1}% of bytes",
            pct(t.files, r.files),
            pct(t.bytes, r.bytes)
        );
    }
    for (event, t) in &r.events {
        let _ = writeln!(o, "event {event}: {} files, {:.1}% of files", Count(t.files), pct(t.files, r.files));
    }
    let _ = writeln!(o, "owners");
    for (kind, t) in &r.owner_kinds {
        let _ =
            writeln!(o, "  {kind:<8} {:5.1}% of files  {:5.1}% of bytes", pct(t.files, r.files), pct(t.bytes, r.bytes));
    }
    if !r.top_orphans.is_empty() {
        let _ = writeln!(o, "top orphaned owners");
        for (sid, n) in &r.top_orphans {
            let _ = writeln!(o, "  {sid:<48} {n:>10}");
        }
    }
    if let Some(a) = &r.acls {
        let _ = writeln!(o, "ACLs over {} folders", Count(a.folders));
        let _ = writeln!(o, "  broken inheritance   {} folders", Count(a.broken_inheritance));
        for p in &a.broken_inheritance_paths {
            let _ = writeln!(o, "    {p}");
        }
        let _ = writeln!(
            o,
            "  Everyone may modify  {} folders ({} deny ACEs)",
            Count(a.everyone_modify),
            Count(a.deny_aces)
        );
        let _ = writeln!(
            o,
            "  global groups        {} of {} explicit ACEs ({:.1}%)",
            Count(a.global_group_aces),
            Count(a.explicit_aces),
            pct(a.global_group_aces, a.explicit_aces)
        );
        let _ = writeln!(
            o,
            "  deleted users        {} ACEs naming {} SIDs no account resolves ({} ACEs name a person)",
            Count(a.deleted_user_aces),
            Count(a.deleted_user_sids),
            Count(a.user_aces)
        );
    }
    let _ = writeln!(o, "departments (files, bytes share)");
    for (d, t) in &r.departments {
        let name = if d.is_empty() { "(none)" } else { d.as_str() };
        let _ = writeln!(o, "  {name:<28} {:>10}  {:5.1}% of bytes", t.files, pct(t.bytes, r.bytes));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use synthfs_model::Profile;

    #[test]
    fn totals_agree_across_breakdowns() {
        let p = Profile::builtin_with_files("panzura-demo", 5_000).unwrap();
        let tree = Tree::new(p).unwrap();
        let r = collect(&tree, 3);
        assert_eq!(r.files, 5_000);
        assert_eq!(r.created_by_year.values().sum::<u64>(), r.files);
        assert_eq!(r.top_folders.values().map(|f| f.files).sum::<u64>(), r.files);
        assert_eq!(r.top_folders.values().map(|f| f.bytes).sum::<u64>(), r.bytes);
        assert_eq!(r.top_folders.values().map(|f| f.dormant).sum::<u64>(), r.dormant);
        assert_eq!(r.owner_kinds.values().map(|t| t.files).sum::<u64>(), r.files);
        assert_eq!(r.departments.values().map(|t| t.bytes).sum::<u64>(), r.bytes);
        assert_eq!(r.file_classes.values().map(|t| t.files).sum::<u64>(), r.files);
        assert!(r.owner_kinds.contains_key("user") && r.owner_kinds.contains_key("group"), "{:?}", r.owner_kinds);
        assert!(r.dormant > 0 && r.dormant < r.files);
        assert_eq!(collect(&tree, 3), r, "the same report whatever the threads' order");
        assert!(collect(&tree, 8).dormant < r.dormant, "fewer files are eight years idle than three");
        assert!(render(&r).contains("dormant"));
        let a = r.acls.as_ref().expect("panzura-demo has NT ACLs");
        assert_eq!(a.folders, tree.dir_count());
        assert_eq!(a.broken_inheritance, a.broken_inheritance_paths.len() as u64);
        assert!(a.broken_inheritance_paths.iter().any(|p| p == "Sensitive"), "{a:?}");
        assert_eq!(a.everyone_modify, a.deny_aces);
        assert!(a.deleted_user_aces <= a.user_aces && a.global_group_aces < a.explicit_aces);
        assert!(render(&r).contains("broken inheritance"));
    }
}
