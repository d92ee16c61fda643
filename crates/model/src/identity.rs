//! Synthetic identities: people with account names, departments and titles, groups per
//! department, uid/gid ranges and Windows-style SIDs, all from the profile and seed.

use super::profile::Profile;
use super::rng::{Purpose, Rng};
use super::words;

/// A person who owns files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Account name (`jsmith`), unique.
    pub account: String,
    /// Display name (`John Smith`).
    pub display: String,
    pub title: &'static str,
    /// Index of the user's department in the template, if any.
    pub department: Option<u16>,
    pub uid: u32,
    /// Relative identifier, the last part of the SID.
    pub rid: u32,
    /// The user's manager (index): the department's head, whose own manager is the head of
    /// `Executive` (or the first user); the top has none.
    pub manager: Option<u32>,
}

/// A group that owns files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    pub rid: u32,
}

/// All users and groups of a tree.
#[derive(Clone, Debug)]
pub struct Directory {
    pub domain: String,
    /// The three sub-authorities of the domain SID (`S-1-5-21-a-b-c`).
    pub domain_sid: [u32; 3],
    pub users: Vec<User>,
    /// One group per department (same order as the template), then `domain-users`.
    pub groups: Vec<Group>,
    /// Users by department, for picking an owner inside a department.
    pub by_department: Vec<Vec<u32>>,
}

impl Directory {
    pub fn build(profile: &Profile) -> Directory {
        let ids = &profile.identities;
        let depts = &profile.template.departments;
        let mut rng = Rng::new(profile.seed, 0, Purpose::Identity);
        let domain_sid = [
            (rng.next_u64() as u32) | 0x1000_0000,
            (rng.next_u64() as u32) | 0x1000_0000,
            (rng.next_u64() as u32) | 0x1000_0000,
        ];
        let mut taken = std::collections::HashSet::new();
        let mut users = Vec::with_capacity(ids.users as usize);
        let mut by_department = vec![Vec::new(); depts.len()];
        for k in 0..ids.users {
            let first = *rng.pick(words::FIRST_NAMES);
            let last = *rng.pick(words::LAST_NAMES);
            let base: String = std::iter::once(first.chars().next().unwrap_or('x'))
                .chain(last.chars())
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            let mut account = base.clone();
            let mut n = 2;
            while !taken.insert(account.clone()) {
                account = format!("{base}{n}");
                n += 1;
            }
            let department = (!depts.is_empty()).then(|| (k as usize % depts.len()) as u16);
            if let Some(d) = department {
                by_department[d as usize].push(k);
            }
            users.push(User {
                account,
                display: format!("{first} {last}"),
                title: rng.word(words::TITLES),
                department,
                uid: ids.uid_start + k,
                rid: 1100 + k,
                manager: None,
            });
        }
        // Reporting lines: each department's first member heads it.
        let top = depts
            .iter()
            .position(|d| d.name.eq_ignore_ascii_case("Executive"))
            .and_then(|d| by_department[d].first().copied())
            .or((!users.is_empty()).then_some(0));
        for members in &by_department {
            let Some(&head) = members.first() else { continue };
            for &m in &members[1..] {
                users[m as usize].manager = Some(head);
            }
            users[head as usize].manager = top.filter(|&t| t != head);
        }
        let mut groups: Vec<Group> = depts
            .iter()
            .enumerate()
            .map(|(i, d)| Group { name: slug(&d.name), gid: ids.gid_start + 1 + i as u32, rid: 3000 + i as u32 })
            .collect();
        groups.push(Group { name: "domain-users".into(), gid: ids.gid_start, rid: 513 });
        Directory { domain: ids.domain.clone(), domain_sid, users, groups, by_department }
    }

    /// The group everyone belongs to.
    pub fn everyone_group(&self) -> &Group {
        self.groups.last().expect("domain-users is always present")
    }

    /// The group of a department, or `domain-users`.
    pub fn department_group(&self, department: Option<u16>) -> &Group {
        department.and_then(|d| self.groups.get(d as usize)).unwrap_or_else(|| self.everyone_group())
    }

    /// The Windows-style SID of a user.
    pub fn user_sid(&self, user: &User) -> String {
        self.sid(user.rid)
    }

    /// The SID of a relative identifier in this domain.
    pub fn sid(&self, rid: u32) -> String {
        let [a, b, c] = self.domain_sid;
        format!("S-1-5-21-{a}-{b}-{c}-{rid}")
    }

    /// The user with a given uid, if it is one of ours.
    pub fn user_by_uid(&self, uid: u32) -> Option<&User> {
        let first = self.users.first()?.uid;
        self.users.get(uid.checked_sub(first)? as usize)
    }

    /// The group with a given gid, if it is one of ours.
    pub fn group_by_gid(&self, gid: u32) -> Option<&Group> {
        self.groups.iter().find(|g| g.gid == gid)
    }
}

/// `Human Resources` -> `human-resources`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_unique_and_stable() {
        let p = Profile::builtin("enterprise").unwrap();
        let a = Directory::build(&p);
        let b = Directory::build(&p);
        assert_eq!(a.users, b.users);
        assert_eq!(a.users.len(), 250);
        let set: std::collections::HashSet<_> = a.users.iter().map(|u| &u.account).collect();
        assert_eq!(set.len(), a.users.len());
        assert!(a.users.iter().all(|u| u.account.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())));
        assert_eq!(a.groups[1].name, "human-resources");
        assert_eq!(a.user_by_uid(10_005), Some(&a.users[5]));
        assert!(a.user_sid(&a.users[0]).starts_with("S-1-5-21-"));
        let fin = &a.by_department[0];
        assert_eq!(a.users[fin[1] as usize].manager, Some(fin[0]), "members report to their head");
        let top = a.users.iter().filter(|u| u.manager.is_none()).count();
        assert_eq!(top, 1, "one person at the top");
    }
}
