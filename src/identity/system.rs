//! The host's accounts through NSS, as `getent passwd` and `getent group` enumerate them: local
//! users, and on an AD-joined host the directory's (SSSD needs `enumerate = true` for that,
//! winbind `winbind enum users = yes`).
//!
//! A user's department is their primary group, unless that group is their own (Debian's user
//! private groups) or everyone's; the display name is the first GECOS field.

use std::collections::HashMap;
use std::process::Command;

use super::IdentityError;
use synthfs_model::accounts::{Person, Roster, RosterGroup};
use synthfs_model::profile::Identities;

/// Which accounts to take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// Inclusive uid range; regular users (1000-60000) by default.
    pub uids: (u32, u32),
    /// Only members of this group (listed members or primary group).
    pub group: Option<String>,
}

impl Filter {
    pub fn from_settings(ids: &Identities) -> Result<Filter, IdentityError> {
        let uids = match &ids.uid_range {
            None => (1000, 60_000),
            Some(r) => parse_range(r).ok_or_else(|| {
                IdentityError::Setting(format!("--uid-range `{r}`: expected FIRST-LAST, like 1000-60000"))
            })?,
        };
        Ok(Filter { uids, group: ids.group.clone() })
    }
}

fn parse_range(r: &str) -> Option<(u32, u32)> {
    let (a, b) = r.split_once('-')?;
    let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a <= b).then_some((a, b))
}

pub fn load(filter: &Filter) -> Result<Roster, IdentityError> {
    let passwd = getent("passwd")?;
    let group = getent("group")?;
    let roster = from_databases(&passwd, &group, filter)?;
    if roster.people.is_empty() {
        let within = match &filter.group {
            Some(g) => format!(" in group {g}"),
            None => String::new(),
        };
        return Err(IdentityError::Setting(format!(
            "the host has no accounts with a uid in {}-{}{within} (set --uid-range)",
            filter.uids.0, filter.uids.1
        )));
    }
    Ok(roster)
}

fn getent(database: &str) -> Result<String, IdentityError> {
    let out = Command::new("getent")
        .arg(database)
        .output()
        .map_err(|e| IdentityError::System(format!("cannot run getent {database}: {e}")))?;
    // Exit code 2 is "no entries", not a failure.
    if !out.status.success() && out.status.code() != Some(2) {
        return Err(IdentityError::System(format!("getent {database} failed ({})", out.status)));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| IdentityError::System(format!("getent {database} printed non-UTF-8 names")))
}

/// Builds the roster from `passwd` and `group` database lines.
pub fn from_databases(passwd: &str, group: &str, filter: &Filter) -> Result<Roster, IdentityError> {
    let mut groups = Vec::new();
    let mut members: HashMap<String, Vec<String>> = HashMap::new();
    let mut group_name: HashMap<u32, String> = HashMap::new();
    for line in group.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(':').collect();
        let (Some(name), Some(gid)) = (f.first(), f.get(2).and_then(|g| g.parse::<u32>().ok())) else {
            return Err(IdentityError::System(format!("unexpected group entry `{line}`")));
        };
        let listed =
            f.get(3).map(|m| m.split(',').filter(|m| !m.is_empty()).map(str::to_string).collect()).unwrap_or_default();
        members.insert(name.to_string(), listed);
        group_name.insert(gid, name.to_string());
        groups.push(RosterGroup { name: name.to_string(), gid: Some(gid), sid: None });
    }
    let wanted_gid = match &filter.group {
        None => None,
        Some(g) => Some(
            groups
                .iter()
                .find(|x| &x.name == g)
                .and_then(|x| x.gid)
                .ok_or_else(|| IdentityError::Setting(format!("--group {g}: the host has no such group")))?,
        ),
    };
    let mut people = Vec::new();
    for line in passwd.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(':').collect();
        let (Some(account), Some(uid), Some(gid)) =
            (f.first(), f.get(2).and_then(|u| u.parse::<u32>().ok()), f.get(3).and_then(|g| g.parse::<u32>().ok()))
        else {
            return Err(IdentityError::System(format!("unexpected passwd entry `{line}`")));
        };
        if uid < filter.uids.0 || uid > filter.uids.1 {
            continue;
        }
        if let (Some(g), Some(wanted)) = (&filter.group, wanted_gid) {
            let listed = members.get(g).is_some_and(|m| m.iter().any(|m| m == account));
            if gid != wanted && !listed {
                continue;
            }
        }
        let primary = group_name.get(&gid).cloned().unwrap_or_default();
        let gecos = f.get(4).and_then(|g| g.split(',').next()).unwrap_or("");
        people.push(Person {
            account: account.to_string(),
            display: gecos.to_string(),
            department: if primary == *account { String::new() } else { primary },
            title: String::new(),
            uid: Some(uid),
            gid: Some(gid),
            sid: None,
            manager: None,
        });
    }
    // A primary group that everyone shares ("domain users") says nothing about departments.
    let shared = people.len() > 1 && people.iter().all(|p| p.department == people[0].department);
    if shared {
        for p in &mut people {
            p.department.clear();
        }
    }
    Ok(Roster { source: "system".into(), domain: None, people, groups })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
alice:x:1001:2001:Alice Archer,Room 1,,:/home/alice:/bin/bash\n\
bob:x:1002:1002:Bob Baker:/home/bob:/bin/bash\n\
carol:x:1003:2002:Carol Cole:/home/carol:/bin/sh\n\
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
    const GROUP: &str = "root:x:0:\nfinance:x:2001:\nlegal:x:2002:bob\nbob:x:1002:\nnogroup:x:65534:\n";

    #[test]
    fn regular_users_with_departments_from_primary_groups() {
        let f = Filter { uids: (1000, 60_000), group: None };
        let r = from_databases(PASSWD, GROUP, &f).unwrap();
        let names: Vec<_> = r.people.iter().map(|p| (p.account.as_str(), p.department.as_str())).collect();
        assert_eq!(names, [("alice", "finance"), ("bob", ""), ("carol", "legal")]);
        assert_eq!(r.people[0].display, "Alice Archer");
        assert_eq!(r.groups.len(), 5);
    }

    #[test]
    fn group_and_range_filters() {
        let f = Filter { uids: (0, 65_534), group: Some("legal".into()) };
        let r = from_databases(PASSWD, GROUP, &f).unwrap();
        let names: Vec<_> = r.people.iter().map(|p| p.account.as_str()).collect();
        assert_eq!(names, ["bob", "carol"], "listed member and primary member");
        let f = Filter { uids: (0, 65_534), group: Some("nope".into()) };
        assert_eq!(
            from_databases(PASSWD, GROUP, &f).unwrap_err().to_string(),
            "--group nope: the host has no such group"
        );
        let ids = Identities { uid_range: Some("5-1".into()), ..Identities::default() };
        assert!(Filter::from_settings(&ids).unwrap_err().to_string().contains("expected FIRST-LAST"));
        let ids = Identities { uid_range: Some("0 - 0".into()), ..Identities::default() };
        assert_eq!(Filter::from_settings(&ids).unwrap().uids, (0, 0));
    }

    #[test]
    fn the_hosts_own_accounts_load() {
        // Real NSS: root exists everywhere.
        let r = load(&Filter { uids: (0, 0), group: None }).unwrap();
        assert_eq!(r.people[0].account, "root");
        assert!(r.groups.iter().any(|g| g.gid == Some(0)));
    }
}
