//! NT security descriptors: the DACL a Windows scanner reads on each folder and file, with the
//! anti-patterns permission audits look for.
//!
//! The share follows AGDLP: the root grants SYSTEM and the administrators full control (and
//! Authenticated Users read on the root alone); a department's folder grants its three
//! domain-local tier groups (`dl-finance-read`, `-modify`, `-full`), a project folder its
//! department's read and modify tiers, a home folder its user; everything below inherits.
//! `[acls]` then breaks the rules as real shares do:
//! - `protected` folders (`Sensitive`, `Board`, `IT/Credentials`, `Temp`) stop inheriting: their
//!   ACEs are the inherited ones made explicit ("disable inheritance, convert"), less the read
//!   tier;
//! - `open` folders (`Temp`) grant Everyone modify, and deny it to the contractors' group;
//! - a share of the folders below a department's carry a direct grant: mostly another
//!   department's read tier (AGDLP done right), but some name the department's *global* group,
//!   and some one person, some of whom have left: their SID resolves to no account.
//!
//! A descriptor is served as SDDL (`O:<owner>D:PAI(A;OICI;FA;;;SY)...`), the text form every
//! Windows tool reads and writes, and the SIDs in it are resolved as `LsaLookupSids` would:
//! `User`, `Group` (global), `Alias` (domain-local), or `Unknown` for someone who left.

use std::fmt::Write;

use super::Model;
use super::epoch::AclDrift;
use super::plan::{ChildDir, DirContext, DirKind};
use super::rng::{Purpose, Rng};

/// Access masks as Windows writes them: full control, modify, read and execute.
pub const FULL: u32 = 0x001f_01ff;
pub const MODIFY: u32 = 0x0013_01bf;
pub const READ_EXECUTE: u32 = 0x0012_00a9;
/// The rights that change a file's data or a folder's entries (`FILE_WRITE_DATA`,
/// `FILE_APPEND_DATA`, `DELETE`): what "may modify" means to an audit.
pub const WRITE: u32 = 0x0001_0006;

/// The relative ids of the groups this module names, past the people's and departments'.
const DENIED_RID: u32 = 3800;
const TIER_RID: u32 = 4000;

/// Who an ACE names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Principal {
    System,
    Administrators,
    AuthenticatedUsers,
    Everyone,
    /// A department's domain-local group of a tier (0 read, 1 modify, 2 full).
    Tier {
        department: u16,
        tier: u8,
    },
    /// A department's global group (its people), which AGDLP keeps off ACLs.
    Global(u16),
    /// The domain-local group `open` folders deny (`acls.deny_group`).
    Denied,
    /// A person by owner slot; a slot of someone who left resolves to nothing.
    Person(u32),
}

/// One access control entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ace {
    pub allow: bool,
    pub mask: u32,
    pub principal: Principal,
    /// Inherited from the parent (`ID`).
    pub inherited: bool,
    /// Passed on to sub-folders and files (`OICI`); `false`: this folder only.
    pub inheritable: bool,
}

impl Ace {
    fn grant(principal: Principal, mask: u32) -> Ace {
        Ace { allow: true, mask, principal, inherited: false, inheritable: true }
    }
}

/// A folder's security: its name (the next level matches `Parent/Folder` against it), whether
/// it inherits, and its DACL in canonical order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirSecurity {
    pub name: Box<str>,
    /// Inheritance is broken here (`SE_DACL_PROTECTED`, `P` in SDDL).
    pub protected: bool,
    pub aces: Vec<Ace>,
}

/// How a SID resolves (`SID_NAME_USE`, as `LsaLookupSids` gives it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SidUse {
    User,
    /// A global group.
    Group,
    /// A domain-local group.
    Alias,
    WellKnownGroup,
    /// No account has this SID (it was deleted).
    Unknown,
}

impl SidUse {
    pub fn name(self) -> &'static str {
        match self {
            SidUse::User => "User",
            SidUse::Group => "Group",
            SidUse::Alias => "Alias",
            SidUse::WellKnownGroup => "WellKnownGroup",
            SidUse::Unknown => "Unknown",
        }
    }
}

/// Whether the tree serves NT security descriptors.
pub fn enabled(m: &Model) -> bool {
    m.profile.acls.windows
}

/// The share root's: SYSTEM and the administrators in full, Authenticated Users may list it.
pub fn root_security() -> DirSecurity {
    let mut list = Ace::grant(Principal::AuthenticatedUsers, READ_EXECUTE);
    list.inheritable = false;
    DirSecurity {
        name: "".into(),
        protected: true,
        aces: vec![Ace::grant(Principal::System, FULL), Ace::grant(Principal::Administrators, FULL), list],
    }
}

/// Whether a `[acls]` name (`Temp`, `IT/Credentials`) names the folder `name` in `parent`.
fn named(list: &[String], parent: &str, name: &str) -> bool {
    list.iter().any(|entry| match entry.split_once('/') {
        Some((p, n)) => p.eq_ignore_ascii_case(parent) && n.eq_ignore_ascii_case(name),
        None => entry.eq_ignore_ascii_case(name),
    })
}

/// The security of sub-folder `child` of a folder whose security is `parent`, with the ACL
/// changes `drift` it has had by the tree's epoch (none at epoch 0). Drift touches only the
/// folders that may carry a direct grant ([`grantable`]): a grant added (another one past
/// the epoch-0 grant, if any), or inheritance broken as the `protected` folders have it.
pub fn child_security(m: &Model, parent: &DirSecurity, child: &ChildDir, drift: AclDrift) -> DirSecurity {
    let acls = &m.profile.acls;
    let ctx = child.ctx;
    let protected = named(&acls.protected, &parent.name, &child.name);
    let open = named(&acls.open, &parent.name, &child.name);
    let drifts = grantable(&ctx, protected || open);
    let broken = protected || open || (drifts && drift.protected.is_some());
    let mut inherited: Vec<Ace> =
        parent.aces.iter().filter(|a| a.inheritable).map(|a| Ace { inherited: true, ..*a }).collect();
    let mut explicit: Vec<Ace> = Vec::new();
    let tiers = |d: u16, upto: u8| {
        (0..=upto).map(move |t| (Principal::Tier { department: d, tier: t }, TIER_MASKS[t as usize]))
    };
    match (ctx.kind, ctx.department_area()) {
        (DirKind::Department, Some(d)) => explicit.extend(tiers(d, 2).map(|(p, mask)| Ace::grant(p, mask))),
        (DirKind::Project, Some(d)) => explicit.extend(tiers(d, 1).map(|(p, mask)| Ace::grant(p, mask))),
        (DirKind::Home, _) => explicit.extend(ctx.owner.map(|u| Ace::grant(Principal::Person(u), FULL))),
        _ => {}
    }
    if broken {
        // "Disable inheritance, convert to explicit", then narrowed: the read tier goes.
        let converted = inherited
            .drain(..)
            .filter(|a| !matches!(a.principal, Principal::Tier { tier: 0, .. }))
            .map(|a| Ace { inherited: false, ..a });
        explicit.extend(converted);
    }
    if open {
        explicit.push(Ace { allow: false, ..Ace::grant(Principal::Denied, MODIFY) });
        explicit.push(Ace::grant(Principal::Everyone, MODIFY));
    }
    if let (true, Some(d)) = (drifts, ctx.department_area()) {
        let mut rng = Rng::new(m.seed, child.index, Purpose::Acl);
        if rng.chance(acls.grant_share) {
            explicit.push(direct_grant(m, d, &mut rng));
        }
        if let Some(e) = drift.grant {
            let mut rng = Rng::new(m.seed, child.index ^ (e << 40), Purpose::Acl);
            let ace = direct_grant(m, d, &mut rng);
            // A grant to someone the folder already names explicitly changes nothing.
            if !explicit.iter().any(|a| a.allow && a.principal == ace.principal) {
                explicit.push(ace);
            }
        }
    }
    // Canonical order: explicit denies, explicit allows, then the inherited ones.
    explicit.sort_by_key(|a| a.allow);
    explicit.extend(inherited);
    DirSecurity { name: child.name.as_ref().into(), protected: broken, aces: explicit }
}

/// A direct grant on a folder of department `d`: its global group (`global_group_share`), one
/// person (`user_grant_share`; someone who left for `departed_grant_share` of them), else
/// another department's read tier, which is AGDLP done right.
fn direct_grant(m: &Model, d: u16, rng: &mut Rng) -> Ace {
    let acls = &m.profile.acls;
    let u = rng.unit();
    if u < acls.global_group_share {
        return Ace::grant(Principal::Global(d), MODIFY);
    }
    let accounts = m.accounts();
    let members = m.identities.by_department.get(usize::from(d)).map_or(&[][..], Vec::as_slice);
    if u < acls.global_group_share + acls.user_grant_share {
        let departed = accounts.departed_count();
        if departed > 0 && (members.is_empty() || rng.chance(acls.departed_grant_share)) {
            let slot = accounts.departed_slot(rng.below(u64::from(departed)) as u32);
            return Ace::grant(Principal::Person(slot), MODIFY);
        }
        if !members.is_empty() {
            return Ace::grant(Principal::Person(members[rng.below(members.len() as u64) as usize]), MODIFY);
        }
    }
    let n = m.profile.template.departments.len().max(1) as u64;
    let other = ((u64::from(d) + 1 + rng.below(n.saturating_sub(1).max(1))) % n) as u16;
    Ace::grant(Principal::Tier { department: other, tier: 0 }, READ_EXECUTE)
}

/// Whether a folder may carry a direct grant (`grant_share`): one below a department's (or
/// project's) own, whose inheritance holds.
pub fn grantable(ctx: &DirContext, protected: bool) -> bool {
    let below = matches!(ctx.kind, DirKind::Topic | DirKind::Sub | DirKind::Year | DirKind::Period);
    below && !protected && ctx.department_area().is_some()
}

/// The rights of the read, modify and full-control tiers.
const TIER_MASKS: [u32; 3] = [READ_EXECUTE, MODIFY, FULL];

/// The DACL a file in a folder gets: what the folder passes on to files, inherited.
pub fn file_aces(folder: &DirSecurity) -> Vec<Ace> {
    folder.aces.iter().filter(|a| a.inheritable).map(|a| Ace { inherited: true, inheritable: false, ..*a }).collect()
}

/// SIDs and names: the domain's accounts as the tree resolves them.
pub struct Resolver<'a> {
    m: &'a Model,
    accounts: std::sync::Arc<super::accounts::Accounts>,
}

impl<'a> Resolver<'a> {
    pub fn new(m: &'a Model) -> Resolver<'a> {
        Resolver { m, accounts: std::sync::Arc::clone(&m.accounts()) }
    }

    /// The SID in SDDL: a well-known alias (`SY`, `BA`, `AU`, `WD`) or the full SID.
    pub fn sid(&self, p: Principal) -> String {
        let accounts = &self.accounts;
        match p {
            Principal::System => "SY".into(),
            Principal::Administrators => "BA".into(),
            Principal::AuthenticatedUsers => "AU".into(),
            Principal::Everyone => "WD".into(),
            Principal::Tier { department, tier } => {
                format!("{}-{}", accounts.domain_sid(), TIER_RID + 3 * u32::from(department) + u32::from(tier))
            }
            Principal::Global(d) => accounts.department_group(Some(d)).sid.clone(),
            Principal::Denied => format!("{}-{DENIED_RID}", accounts.domain_sid()),
            Principal::Person(slot) => accounts.sid(slot),
        }
    }

    /// How the SID resolves, and the account's name (`DOMAIN\name`; empty when unknown).
    pub fn lookup(&self, p: Principal) -> (SidUse, String) {
        let accounts = &self.accounts;
        let domain = accounts.domain();
        let depts = &self.m.profile.template.departments;
        match p {
            Principal::System => (SidUse::WellKnownGroup, "NT AUTHORITY\\SYSTEM".into()),
            Principal::Administrators => (SidUse::Alias, "BUILTIN\\Administrators".into()),
            Principal::AuthenticatedUsers => (SidUse::WellKnownGroup, "NT AUTHORITY\\Authenticated Users".into()),
            Principal::Everyone => (SidUse::WellKnownGroup, "Everyone".into()),
            Principal::Tier { department, tier } => {
                let dept = depts.get(usize::from(department)).map_or("", |d| d.name.as_str());
                (SidUse::Alias, format!("{domain}\\{}", super::acl::tier_name(dept, usize::from(tier))))
            }
            Principal::Global(d) => (SidUse::Group, format!("{domain}\\{}", accounts.department_group(Some(d)).name)),
            Principal::Denied => (SidUse::Alias, format!("{domain}\\{}", self.m.profile.acls.deny_group)),
            Principal::Person(slot) => match accounts.account(slot) {
                Some(a) => (SidUse::User, format!("{domain}\\{}", a.name)),
                None => (SidUse::Unknown, String::new()),
            },
        }
    }

    /// A descriptor in SDDL: `O:<owner>D:<flags>(ace)...`.
    pub fn sddl(&self, owner_sid: &str, protected: bool, aces: &[Ace]) -> String {
        let mut out = format!("O:{owner_sid}D:{}AI", if protected { "P" } else { "" });
        for a in aces {
            let kind = if a.allow { 'A' } else { 'D' };
            let flags = match (a.inheritable, a.inherited) {
                (true, true) => "OICIID",
                (true, false) => "OICI",
                (false, true) => "ID",
                (false, false) => "",
            };
            let _ = match a.mask {
                FULL => write!(out, "({kind};{flags};FA;;;{})", self.sid(a.principal)),
                mask => write!(out, "({kind};{flags};0x{mask:x};;;{})", self.sid(a.principal)),
            };
        }
        out
    }

    /// The SIDs of a DACL that are not well-known aliases, one per line, as `LsaLookupSids`
    /// resolves them: `SID<TAB>use<TAB>DOMAIN\name` (no name for `Unknown`).
    pub fn lookups(&self, aces: &[Ace]) -> String {
        let mut seen: Vec<Principal> = Vec::new();
        let mut out = String::new();
        for a in aces {
            let p = a.principal;
            let aliased = matches!(
                p,
                Principal::System | Principal::Administrators | Principal::AuthenticatedUsers | Principal::Everyone
            );
            if aliased || seen.contains(&p) {
                continue;
            }
            seen.push(p);
            let (kind, name) = self.lookup(p);
            let _ = writeln!(out, "{}\t{}\t{name}", self.sid(p), kind.name());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Profile, Tree};

    fn story() -> Tree {
        let p = Profile::builtin_with_files("panzura-demo", 20_000).unwrap();
        Tree::new(p).unwrap()
    }

    #[test]
    fn direct_grants_follow_the_knobs() {
        let t = story();
        let acls = &t.model.profile.acls;
        let root = root_security();
        let finance = t.root().children.iter().find(|c| &*c.name == "Finance").unwrap();
        let parent = child_security(&t.model, &root, finance, AclDrift::default());
        let n = 200_000u64;
        let (mut grants, mut global, mut people, mut gone) = (0u64, 0u64, 0u64, 0u64);
        for index in 0..n {
            let ctx = DirContext { kind: DirKind::Topic, ..finance.ctx };
            let child = ChildDir { index: 1_000_000 + index, files: 0, dirs: 0, ctx, name: "x".into(), kind: 1.0 };
            let sec = child_security(&t.model, &parent, &child, AclDrift::default());
            for a in sec.aces.iter().filter(|a| !a.inherited) {
                grants += 1;
                match a.principal {
                    Principal::Global(0) => global += 1,
                    Principal::Person(slot) => {
                        people += 1;
                        gone += u64::from(t.model.accounts().account(slot).is_none());
                    }
                    Principal::Tier { department, tier: 0 } => assert_ne!(department, 0, "another department"),
                    other => panic!("{other:?}"),
                }
            }
        }
        let near = |what: &str, got: f64, want: f64| assert!((got - want).abs() < 0.01, "{what}: {got} vs {want}");
        near("grants", grants as f64 / n as f64, acls.grant_share);
        near("global groups", global as f64 / grants as f64, acls.global_group_share);
        near("people", people as f64 / grants as f64, acls.user_grant_share);
        near("people who left", gone as f64 / people as f64, acls.departed_grant_share);
    }

    #[test]
    fn named_matches_names_and_parent_paths() {
        let list = vec!["Temp".to_string(), "IT/Credentials".to_string()];
        assert!(named(&list, "Finance", "temp"));
        assert!(named(&list, "IT", "Credentials"));
        assert!(!named(&list, "Finance", "Credentials"));
        assert!(!named(&list, "IT", "Temp Files"));
    }

    #[test]
    fn sddl_is_canonical_and_well_formed() {
        let t = story();
        let r = Resolver::new(&t.model);
        let root = root_security();
        assert_eq!(
            r.sddl("BA", root.protected, &root.aces),
            "O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;;0x1200a9;;;AU)"
        );
        let open = DirSecurity {
            name: "Temp".into(),
            protected: true,
            aces: vec![
                Ace { allow: false, ..Ace::grant(Principal::Denied, MODIFY) },
                Ace::grant(Principal::Everyone, MODIFY),
            ],
        };
        let text = r.sddl("SY", true, &open.aces);
        assert!(text.starts_with("O:SYD:PAI(D;OICI;0x1301bf;;;S-1-5-21-"), "{text}");
        assert!(text.ends_with("-3800)(A;OICI;0x1301bf;;;WD)"), "{text}");
        let lines = r.lookups(&open.aces);
        assert!(lines.ends_with("-3800\tAlias\tCORP\\contractors\n"), "{lines}");
        assert_eq!(lines.lines().count(), 1, "Everyone is an alias");
        // Files get what the folder passes on, inherited and not passed further.
        let files = file_aces(&root);
        assert_eq!(files.len(), 2);
        assert!(files.iter().all(|a| a.inherited && !a.inheritable));
    }

    #[test]
    fn departments_grant_tiers_and_children_inherit() {
        let t = story();
        let root = root_security();
        let plan = t.root();
        let (k, finance) = plan.children.iter().enumerate().find(|(_, c)| &*c.name == "Finance").unwrap();
        let sec = child_security(&t.model, &root, finance, AclDrift::default());
        assert!(!sec.protected);
        let explicit: Vec<_> = sec.aces.iter().filter(|a| !a.inherited).collect();
        assert_eq!(explicit.len(), 3);
        assert!(explicit.iter().all(|a| matches!(a.principal, Principal::Tier { department: 0, .. })));
        // Authenticated Users lists the root alone.
        assert_eq!(sec.aces.iter().filter(|a| a.inherited).count(), 2);
        let fplan = t.child_plan(plan, k);
        let temp = fplan.children.iter().find(|c| &*c.name == "Temp").expect("every department has Temp");
        let tsec = child_security(&t.model, &sec, temp, AclDrift::default());
        assert!(tsec.protected);
        assert!(tsec.aces.iter().all(|a| !a.inherited));
        assert!(!tsec.aces[0].allow, "the deny comes first");
        assert!(!tsec.aces.iter().any(|a| matches!(a.principal, Principal::Tier { tier: 0, .. })));
        assert!(tsec.aces.iter().any(|a| a.principal == Principal::Everyone && a.mask == MODIFY));
    }

    #[test]
    fn drift_adds_a_grant_or_breaks_inheritance_where_grants_may_go() {
        let t = story();
        let root = root_security();
        let finance = t.root().children.iter().find(|c| &*c.name == "Finance").unwrap();
        let parent = child_security(&t.model, &root, finance, AclDrift::default());
        let (mut grown, mut same) = (0, 0);
        for index in 0..2_000u64 {
            let ctx = DirContext { kind: DirKind::Topic, ..finance.ctx };
            let child = ChildDir { index: 1_000_000 + index, files: 0, dirs: 0, ctx, name: "x".into(), kind: 1.0 };
            let before = child_security(&t.model, &parent, &child, AclDrift::default());
            let granted = child_security(&t.model, &parent, &child, AclDrift { grant: Some(7), protected: None });
            let explicit = |s: &DirSecurity| s.aces.iter().filter(|a| !a.inherited).count();
            // One more explicit ACE, inheritable, unless it names someone the folder names.
            if explicit(&granted) == explicit(&before) + 1 {
                grown += 1;
            } else {
                assert_eq!(granted, before);
                same += 1;
            }
            assert!(granted.aces.iter().all(|a| a.inherited || a.inheritable));
            let broken = child_security(&t.model, &parent, &child, AclDrift { grant: None, protected: Some(3) });
            assert!(broken.protected && broken.aces.iter().all(|a| !a.inherited));
            assert!(!broken.aces.iter().any(|a| a.principal == Principal::Tier { department: 0, tier: 0 }));
            assert_eq!(explicit(&broken), before.aces.len() - 1, "converted, less the read tier");
        }
        assert!(grown > 1_900 && same > 0, "{grown} grown, {same} the same");
        // A department's own folder never drifts.
        let drifted = child_security(&t.model, &root, finance, AclDrift { grant: Some(4), protected: Some(5) });
        assert_eq!(drifted, parent);
    }
}
