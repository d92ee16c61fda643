//! Who owns what: the model's owner slots resolved to the accounts of an identity source.
//!
//! The model places owners by *slot* (the people of the synthetic cast in
//! [`super::identity::Directory`], then the people who left). Names, sizes and bytes never
//! depend on who fills a slot: a [`Roster`] (synthetic, the host's accounts, a CSV export, an
//! LDAP directory) only decides which real account each slot is, so another identity source
//! gives the same tree with other owners.
//!
//! Placement: cast member `j` of department `d` becomes member `j` (cyclically) of the roster
//! department that matches `d` by name, or of an unmatched one; department folders get the
//! group named after their department; people who left get ids no account resolves.

use std::collections::HashMap;

use super::identity::{Directory, slug};
use super::profile::Profile;

/// A person as an identity source describes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    /// Account name (`sAMAccountName`, `uid`, the passwd name).
    pub account: String,
    pub display: String,
    /// Department name; empty when the source has none.
    pub department: String,
    pub title: String,
    /// POSIX uid (`uidNumber`); derived from the SID's RID when absent.
    pub uid: Option<u32>,
    /// Primary gid (`gidNumber`).
    pub gid: Option<u32>,
    /// Windows SID (`S-1-5-21-...`); derived from the uid when absent.
    pub sid: Option<String>,
    /// The manager's account name.
    pub manager: Option<String>,
}

/// A group as an identity source describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RosterGroup {
    pub name: String,
    pub gid: Option<u32>,
    pub sid: Option<String>,
}

/// Everything an identity source gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roster {
    /// What the people came from (`synthetic`, `system`, `users.csv`, `ldap://host`).
    pub source: String,
    /// The NetBIOS-style domain for `DOMAIN\account`; the profile's when `None`.
    pub domain: Option<String>,
    pub people: Vec<Person>,
    pub groups: Vec<RosterGroup>,
}

impl Roster {
    /// The synthetic cast as a roster: resolving it gives every slot its own cast member.
    pub fn synthetic(cast: &Directory, profile: &Profile) -> Roster {
        let depts = &profile.template.departments;
        let everyone = cast.everyone_group().gid;
        let people = cast
            .users
            .iter()
            .map(|u| Person {
                account: u.account.clone(),
                display: u.display.clone(),
                department: u
                    .department
                    .and_then(|d| depts.get(d as usize))
                    .map(|d| d.name.clone())
                    .unwrap_or_default(),
                title: u.title.to_string(),
                uid: Some(u.uid),
                gid: Some(everyone),
                sid: Some(cast.user_sid(u)),
                manager: u.manager.and_then(|m| cast.users.get(m as usize)).map(|m| m.account.clone()),
            })
            .collect();
        let groups = cast
            .groups
            .iter()
            .map(|g| RosterGroup { name: g.name.clone(), gid: Some(g.gid), sid: Some(cast.sid(g.rid)) })
            .collect();
        Roster { source: "synthetic".into(), domain: Some(cast.domain.clone()), people, groups }
    }
}

/// A resolvable account that owns files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub display: String,
    pub department: String,
    pub title: String,
    pub uid: u32,
    pub sid: String,
    /// The manager's account name, as the source gave it.
    pub manager: Option<String>,
}

/// A group that owns files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupAccount {
    pub name: String,
    pub gid: u32,
    pub sid: String,
}

/// Why a roster cannot own a tree.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccountsError {
    #[error("identity source {0} gave no usable accounts (each needs a name and a uid or a SID)")]
    Empty(String),
}

/// The owner slots of a tree resolved to accounts.
#[derive(Clone, Debug)]
pub struct Accounts {
    pub source: String,
    pub domain: String,
    /// The domain's SID (`S-1-5-21-a-b-c`): that of most of the source's SIDs, else the cast's.
    domain_sid: String,
    /// Resolvable accounts, ordered by uid.
    pub users: Vec<Account>,
    pub groups: Vec<GroupAccount>,
    /// Cast slot -> index in `users`.
    slot_user: Vec<u32>,
    /// People who left: (uid, SID), resolvable by no one.
    departed: Vec<(u32, String)>,
    /// Template department -> index in `groups`.
    dept_group: Vec<u32>,
    everyone: u32,
    by_uid: HashMap<u32, u32>,
    by_gid: HashMap<u32, u32>,
}

/// SIDs Samba gives Unix accounts that have none (`S-1-22-1-uid`, `S-1-22-2-gid`).
fn unix_user_sid(uid: u32) -> String {
    format!("S-1-22-1-{uid}")
}
fn unix_group_sid(gid: u32) -> String {
    format!("S-1-22-2-{gid}")
}

/// The relative identifier (last part) of a SID.
pub fn sid_rid(sid: &str) -> Option<u32> {
    sid.rsplit('-').next()?.parse().ok()
}

/// The domain part of a `S-1-5-21-a-b-c-rid` SID.
fn sid_domain(sid: &str) -> Option<&str> {
    let (domain, _) = sid.rsplit_once('-')?;
    domain.starts_with("S-1-5-21-").then_some(domain)
}

fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || slug(a) == slug(b)
}

impl Accounts {
    /// Resolves the model's owner slots to a roster's accounts (see the module docs).
    pub fn resolve(roster: &Roster, cast: &Directory, profile: &Profile) -> Result<Accounts, AccountsError> {
        let ids = &profile.identities;
        // Accounts: uid from the source, else from the SID's RID (as `uid_start + rid`).
        let mut users: Vec<(Account, Option<u32>)> = roster
            .people
            .iter()
            .filter(|p| !p.account.is_empty())
            .filter_map(|p| {
                let uid = p.uid.or_else(|| ids.uid_start.checked_add(sid_rid(p.sid.as_deref()?)?))?;
                let display = if p.display.is_empty() { p.account.clone() } else { p.display.clone() };
                let sid = p.sid.clone().unwrap_or_else(|| unix_user_sid(uid));
                let a = Account {
                    name: p.account.clone(),
                    display,
                    department: p.department.clone(),
                    title: p.title.clone(),
                    uid,
                    sid,
                    manager: p.manager.clone(),
                };
                Some((a, p.gid))
            })
            .collect();
        users.sort_by(|a, b| (a.0.uid, &a.0.name).cmp(&(b.0.uid, &b.0.name)));
        users.dedup_by(|a, b| a.0.uid == b.0.uid);
        if users.is_empty() {
            return Err(AccountsError::Empty(roster.source.clone()));
        }
        let primary: Vec<Option<u32>> = users.iter().map(|u| u.1).collect();
        let users: Vec<Account> = users.into_iter().map(|u| u.0).collect();

        let mut groups: Vec<GroupAccount> = roster
            .groups
            .iter()
            .filter_map(|g| {
                let gid = g.gid.or_else(|| ids.gid_start.checked_add(sid_rid(g.sid.as_deref()?)?))?;
                let sid = g.sid.clone().unwrap_or_else(|| unix_group_sid(gid));
                Some(GroupAccount { name: g.name.clone(), gid, sid })
            })
            .collect();
        groups.sort_by(|a, b| (a.gid, &a.name).cmp(&(b.gid, &b.name)));
        groups.dedup_by(|a, b| a.gid == b.gid);
        let mut next_gid = ids.gid_start;
        let mut group_named = |groups: &mut Vec<GroupAccount>, name: &str| -> u32 {
            if let Some(i) = groups.iter().position(|g| same_name(&g.name, name)) {
                return i as u32;
            }
            while groups.iter().any(|g| g.gid == next_gid) {
                next_gid += 1;
            }
            groups.push(GroupAccount { name: slug(name), gid: next_gid, sid: unix_group_sid(next_gid) });
            (groups.len() - 1) as u32
        };

        // The group everyone is in: one named so, else the commonest primary group.
        let everyone =
            match groups.iter().position(|g| ["domain-users", "everyone", "users"].contains(&&*slug(&g.name))) {
                Some(i) => i as u32,
                None => {
                    let mut counts: HashMap<u32, usize> = HashMap::new();
                    for g in primary.iter().flatten() {
                        *counts.entry(*g).or_default() += 1;
                    }
                    let common = counts.into_iter().max_by_key(|(g, n)| (*n, std::cmp::Reverse(*g))).map(|(g, _)| g);
                    match common.and_then(|g| groups.iter().position(|x| x.gid == g)) {
                        Some(i) => i as u32,
                        None => group_named(&mut groups, "domain-users"),
                    }
                }
            };

        // The roster's departments, largest first, and their members in uid order.
        let mut depts: Vec<(String, Vec<u32>)> = Vec::new();
        for (i, u) in users.iter().enumerate() {
            let key = u.department.trim();
            match depts.iter_mut().find(|(name, _)| same_name(name, key)) {
                Some((_, members)) => members.push(i as u32),
                None => depts.push((key.to_string(), vec![i as u32])),
            }
        }
        // Largest first; people without a department last, as a pool of their own.
        depts.sort_by(|a, b| {
            (a.0.is_empty(), std::cmp::Reverse(a.1.len()), &a.0).cmp(&(
                b.0.is_empty(),
                std::cmp::Reverse(b.1.len()),
                &b.0,
            ))
        });

        // Template departments to roster departments: same name first, then the unmatched
        // in order of size (the pool without a department last), then round them all again.
        let template = &profile.template.departments;
        let mut dept_of: Vec<Option<usize>> =
            template.iter().map(|t| depts.iter().position(|(name, _)| same_name(name, &t.name))).collect();
        let mut unmatched = (0..depts.len()).filter(|i| !dept_of.contains(&Some(*i))).collect::<Vec<_>>().into_iter();
        let mut cycle = (0..depts.len()).cycle();
        for d in dept_of.iter_mut().filter(|d| d.is_none()) {
            *d = unmatched.next().or_else(|| cycle.next());
        }
        let dept_group = dept_of
            .iter()
            .map(|d| match d {
                Some(i) if !depts[*i].0.is_empty() => {
                    let name = depts[*i].0.clone();
                    group_named(&mut groups, &name)
                }
                _ => everyone,
            })
            .collect();

        // Cast slots: member j of template department d is member j of its roster department.
        let slot_user = cast
            .users
            .iter()
            .enumerate()
            .map(|(k, u)| {
                let placed = u.department.and_then(|d| {
                    let members = &depts[dept_of.get(d as usize).copied().flatten()?].1;
                    let j = cast.by_department[d as usize].iter().position(|&x| x as usize == k)?;
                    Some(members[j % members.len()])
                });
                placed.unwrap_or((k % users.len()) as u32)
            })
            .collect();

        // People who left: ids past every account's, SIDs in the accounts' domain.
        let top_uid = users.iter().map(|u| u.uid).max().unwrap_or(0).max(ids.uid_start + ids.users - 1);
        let mut domains: HashMap<&str, usize> = HashMap::new();
        for u in &users {
            if let Some(d) = sid_domain(&u.sid) {
                *domains.entry(d).or_default() += 1;
            }
        }
        let synthetic_domain = cast.sid(0);
        let domain_sid = domains
            .into_iter()
            .max_by_key(|(d, n)| (*n, std::cmp::Reverse(*d)))
            .map(|(d, _)| d.to_string())
            .unwrap_or_else(|| synthetic_domain.trim_end_matches("-0").to_string());
        let top_rid = users
            .iter()
            .filter(|u| sid_domain(&u.sid).is_some())
            .filter_map(|u| sid_rid(&u.sid))
            .max()
            .unwrap_or(0)
            .max(1100 + ids.users);
        let departed = (1..=ids.departed)
            .map(|k| (top_uid.saturating_add(k), format!("{domain_sid}-{}", top_rid.saturating_add(k))))
            .collect();

        let by_uid = users.iter().enumerate().map(|(i, u)| (u.uid, i as u32)).collect();
        let by_gid = groups.iter().enumerate().map(|(i, g)| (g.gid, i as u32)).collect();
        let domain = roster.domain.clone().unwrap_or_else(|| ids.domain.clone());
        Ok(Accounts {
            source: roster.source.clone(),
            domain,
            domain_sid,
            users,
            groups,
            slot_user,
            departed,
            dept_group,
            everyone,
            by_uid,
            by_gid,
        })
    }

    /// Owner slots: the cast, then the people who left.
    pub fn slots(&self) -> usize {
        self.slot_user.len() + self.departed.len()
    }

    /// The first slot of the people who left.
    pub fn departed_slot(&self, k: u32) -> u32 {
        self.slot_user.len() as u32 + k % self.departed.len().max(1) as u32
    }

    pub fn departed_count(&self) -> u32 {
        self.departed.len() as u32
    }

    /// The account of a slot; `None` for someone who left.
    pub fn account(&self, slot: u32) -> Option<&Account> {
        let i = *self.slot_user.get(slot as usize)?;
        self.users.get(i as usize)
    }

    /// The (uid, SID) of a slot of someone who left.
    fn departed(&self, slot: u32) -> Option<&(u32, String)> {
        self.departed.get((slot as usize).checked_sub(self.slot_user.len())?)
    }

    /// The uid a slot owns files as.
    pub fn uid(&self, slot: u32) -> u32 {
        match self.account(slot) {
            Some(a) => a.uid,
            None => self.departed(slot).map_or(0, |d| d.0),
        }
    }

    /// The SID of a slot.
    pub fn sid(&self, slot: u32) -> String {
        match self.account(slot) {
            Some(a) => a.sid.clone(),
            None => self.departed(slot).map_or_else(String::new, |d| d.1.clone()),
        }
    }

    /// How a Windows scanner names a slot: `DOMAIN\account`, or the bare SID of someone who left.
    pub fn owner_name(&self, slot: u32) -> String {
        match self.account(slot) {
            Some(a) => [self.domain.as_str(), "\\", &a.name].concat(),
            None => self.sid(slot),
        }
    }

    /// How a Windows scanner names a slot's manager (`DOMAIN\\account`); empty when none.
    pub fn manager_name(&self, slot: u32) -> String {
        match self.account(slot).and_then(|a| a.manager.as_deref()) {
            Some(m) => [self.domain.as_str(), "\\", m].concat(),
            None => String::new(),
        }
    }

    pub fn user_by_uid(&self, uid: u32) -> Option<&Account> {
        self.users.get(*self.by_uid.get(&uid)? as usize)
    }

    pub fn group_by_gid(&self, gid: u32) -> Option<&GroupAccount> {
        self.groups.get(*self.by_gid.get(&gid)? as usize)
    }

    /// The group owning a template department's files, or everyone's group.
    pub fn department_gid(&self, department: Option<u16>) -> u32 {
        self.department_group(department).gid
    }

    /// The group account of a template department, or everyone's group.
    pub fn department_group(&self, department: Option<u16>) -> &GroupAccount {
        let i = department.and_then(|d| self.dept_group.get(d as usize)).copied().unwrap_or(self.everyone);
        &self.groups[i as usize]
    }

    /// The domain's SID (`S-1-5-21-a-b-c`): the one most of the source's accounts are in, or
    /// the model's own where they have none (a Unix source), so that Domain Users, the tier
    /// groups and the service accounts are domain SIDs whatever the source.
    pub fn domain_sid(&self) -> &str {
        &self.domain_sid
    }

    /// The Windows domain owners are named in (`CORP`).
    pub fn domain(&self) -> &str {
        &self.domain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enterprise() -> (Profile, Directory) {
        let p = Profile::builtin("enterprise").unwrap();
        let cast = Directory::build(&p);
        (p, cast)
    }

    fn person(account: &str, department: &str, uid: u32) -> Person {
        Person { account: account.into(), department: department.into(), uid: Some(uid), ..Person::default() }
    }

    #[test]
    fn the_synthetic_roster_gives_every_slot_its_cast_member() {
        let (p, cast) = enterprise();
        let a = Accounts::resolve(&Roster::synthetic(&cast, &p), &cast, &p).unwrap();
        for (k, u) in cast.users.iter().enumerate() {
            let acct = a.account(k as u32).unwrap();
            assert_eq!((acct.uid, &acct.name, acct.sid.clone()), (u.uid, &u.account, cast.user_sid(u)));
        }
        for d in 0..p.template.departments.len() as u16 {
            assert_eq!(a.department_gid(Some(d)), cast.department_group(Some(d)).gid);
        }
        assert_eq!(a.department_gid(None), cast.everyone_group().gid);
        assert_eq!(a.owner_name(0), format!("CORP\\{}", cast.users[0].account));
    }

    #[test]
    fn departments_match_by_name_and_members_stay_in_them() {
        let (p, cast) = enterprise();
        let mut people = Vec::new();
        for (i, dept) in ["FINANCE", "Human Resources", "Logistics"].iter().enumerate() {
            for k in 0..5 {
                people.push(person(&format!("{dept}{k}"), dept, 5000 + (i * 10 + k) as u32));
            }
        }
        let groups = vec![RosterGroup { name: "finance".into(), gid: Some(7001), sid: None }];
        let roster = Roster { source: "test".into(), domain: Some("ACME".into()), people, groups };
        let a = Accounts::resolve(&roster, &cast, &p).unwrap();
        for (k, u) in cast.users.iter().enumerate() {
            let acct = a.account(k as u32).unwrap();
            match u.department {
                Some(0) => assert_eq!(acct.department, "FINANCE"),
                Some(1) => assert_eq!(acct.department, "Human Resources"),
                // The rest take the unmatched department, then all of them in turn.
                _ => {}
            }
        }
        assert_eq!(a.department_gid(Some(0)), 7001, "the roster's own group is used");
        let hr = a.group_by_gid(a.department_gid(Some(1))).unwrap();
        assert_eq!(hr.name, "human-resources");
        assert_eq!(a.user_by_uid(5000).unwrap().name, "FINANCE0");
        assert_eq!(a.owner_name(0).split('\\').next(), Some("ACME"));
    }

    #[test]
    fn people_without_a_department_still_own_files() {
        let (p, cast) = enterprise();
        let mut people: Vec<Person> = (0..3).map(|k| person(&format!("fin{k}"), "Finance", 100 + k)).collect();
        people.extend((0..20).map(|k| person(&format!("u{k}"), "", 200 + k)));
        let roster = Roster { source: "test".into(), people, ..Roster::default() };
        let a = Accounts::resolve(&roster, &cast, &p).unwrap();
        let used: std::collections::HashSet<u32> = (0..cast.users.len() as u32).map(|s| a.uid(s)).collect();
        assert_eq!(used.len(), 23, "everyone fills some slot");
        // Finance slots stay in Finance.
        for &k in &cast.by_department[0] {
            assert_eq!(a.account(k).unwrap().department, "Finance");
        }
        let hr = a.account(cast.by_department[1][0]).unwrap();
        assert_eq!(hr.department, "", "the unmatched take the pool without a department");
        assert_eq!(a.department_gid(Some(1)), a.department_gid(None), "whose group is everyone's");
    }

    #[test]
    fn people_who_left_resolve_to_nobody() {
        let (p, cast) = enterprise();
        let a = Accounts::resolve(&Roster::synthetic(&cast, &p), &cast, &p).unwrap();
        assert!(a.departed_count() >= 1);
        let slot = a.departed_slot(0);
        let uid = a.uid(slot);
        assert!(a.user_by_uid(uid).is_none());
        assert!(uid > cast.users.last().unwrap().uid);
        let sid = a.sid(slot);
        assert!(sid.starts_with(cast.sid(0).trim_end_matches("-0")), "{sid}");
        assert_eq!(a.owner_name(slot), sid);
        assert!(a.account(slot).is_none());
    }

    #[test]
    fn uids_come_from_sids_when_the_source_has_none() {
        let (p, cast) = enterprise();
        let people =
            vec![Person { account: "ad1".into(), sid: Some("S-1-5-21-1-2-3-1105".into()), ..Person::default() }];
        let roster = Roster { source: "ad".into(), people, ..Roster::default() };
        let a = Accounts::resolve(&roster, &cast, &p).unwrap();
        assert_eq!(a.users[0].uid, p.identities.uid_start + 1105);
        assert!(a.sid(a.departed_slot(0)).starts_with("S-1-5-21-1-2-3-"));
        let empty = Roster { source: "x.csv".into(), ..Roster::default() };
        assert_eq!(Accounts::resolve(&empty, &cast, &p).unwrap_err(), AccountsError::Empty("x.csv".into()));
    }
}
