//! An LDAP directory (Active Directory or OpenLDAP), read once: one bind, then one paged
//! search for users and one for groups (pages of [`PAGE`] entries), so a tree of any size costs
//! the same few requests. Every later lookup is answered from memory.
//!
//! Understood attributes, AD names first: account `sAMAccountName` / `uid`; display name
//! `displayName` / `cn`; department `department` / `departmentNumber` / `ou`, else the first
//! `memberOf` group; `title`; `objectSid` (binary or text); RFC 2307 `uidNumber`,
//! `gidNumber`. The password comes from an environment variable or a file, never the
//! command line.

use std::collections::HashMap;
use std::time::Duration;

use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{LdapConn, LdapConnSettings, LdapResult, Scope, SearchEntry};

use super::IdentityError;
use synthfs_model::accounts::{Person, Roster, RosterGroup};
use synthfs_model::profile::Identities;

/// Entries per page of a search.
const PAGE: i32 = 500;
const TIMEOUT: Duration = Duration::from_secs(15);

const USERS: &str =
    "(|(&(objectClass=user)(!(objectClass=computer)))(objectClass=posixAccount)(objectClass=inetOrgPerson))";
const GROUPS: &str = "(|(objectClass=group)(objectClass=posixGroup)(objectClass=groupOfNames))";
const USER_ATTRS: [&str; 13] = [
    "manager",
    "sAMAccountName",
    "uid",
    "displayName",
    "cn",
    "department",
    "departmentNumber",
    "ou",
    "title",
    "objectSid",
    "uidNumber",
    "gidNumber",
    "memberOf",
];
const GROUP_ATTRS: [&str; 4] = ["sAMAccountName", "cn", "gidNumber", "objectSid"];

/// How to reach and read the directory.
#[derive(Clone, Debug)]
pub struct Settings {
    pub url: String,
    pub base: String,
    pub bind: Option<(String, String)>,
}

impl Settings {
    pub fn from_profile(url: &str, ids: &Identities) -> Result<Settings, IdentityError> {
        let base = ids.ldap_base.clone().ok_or_else(|| {
            IdentityError::Setting(format!("{url} needs --ldap-base (the search base, like dc=corp,dc=example,dc=com)"))
        })?;
        let password = match (&ids.ldap_password_env, &ids.ldap_password_file) {
            (Some(_), Some(_)) => {
                return Err(IdentityError::Setting(
                    "give --ldap-password-env or --ldap-password-file, not both".into(),
                ));
            }
            (Some(var), None) => Some(std::env::var(var).map_err(|_| {
                IdentityError::Setting(format!("--ldap-password-env {var}: the variable is not set (or not UTF-8)"))
            })?),
            (None, Some(file)) => {
                let text = std::fs::read_to_string(file)
                    .map_err(|source| IdentityError::Read { path: file.clone(), source })?;
                Some(text.lines().next().unwrap_or("").to_string())
            }
            (None, None) => None,
        };
        let bind = match (&ids.ldap_bind_dn, password) {
            (Some(dn), Some(pw)) => Some((dn.clone(), pw)),
            (Some(dn), None) => {
                return Err(IdentityError::Setting(format!(
                    "--ldap-bind-dn {dn} needs a password: --ldap-password-env VAR or --ldap-password-file FILE"
                )));
            }
            (None, Some(_)) => {
                return Err(IdentityError::Setting("a bind password was given without --ldap-bind-dn".into()));
            }
            (None, None) => None,
        };
        Ok(Settings { url: url.to_string(), base, bind })
    }
}

/// `dc=corp,dc=example,dc=com` -> `CORP`.
fn domain_of(base: &str) -> Option<String> {
    base.split(',').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        k.trim().eq_ignore_ascii_case("dc").then(|| v.trim().to_ascii_uppercase())
    })
}

/// Why a result is not a success, in words.
fn describe(r: &LdapResult) -> String {
    let what = match r.rc {
        32 => "no such object (check --ldap-base)",
        34 => "invalid DN syntax",
        48 => "inappropriate authentication",
        49 => "invalid credentials",
        50 => "insufficient access rights",
        52 => "server unavailable",
        53 => "server unwilling to perform",
        _ => "error",
    };
    if r.text.is_empty() {
        format!("{what} (LDAP result {})", r.rc)
    } else {
        format!("{what} (LDAP result {}: {})", r.rc, r.text)
    }
}

pub fn load(s: &Settings) -> Result<Roster, IdentityError> {
    let connect = |message: String| IdentityError::LdapConnect { url: s.url.clone(), message };
    let settings = LdapConnSettings::new().set_conn_timeout(TIMEOUT);
    let mut conn = LdapConn::with_settings(settings, &s.url).map_err(|e| connect(e.to_string()))?;
    if let Some((dn, pw)) = &s.bind {
        let bind_error = |message: String| IdentityError::LdapBind { url: s.url.clone(), dn: dn.clone(), message };
        let r = conn.with_timeout(TIMEOUT).simple_bind(dn, pw).map_err(|e| bind_error(e.to_string()))?;
        if r.rc != 0 {
            return Err(bind_error(describe(&r)));
        }
    }
    let users = search(&mut conn, s, USERS, &USER_ATTRS)?;
    let groups = search(&mut conn, s, GROUPS, &GROUP_ATTRS)?;
    let _ = conn.unbind();
    let mut roster = Roster {
        source: s.url.clone(),
        domain: domain_of(&s.base),
        people: with_managers(&users),
        groups: groups.iter().filter_map(group).collect(),
    };
    roster.people.sort_by(|a, b| a.account.cmp(&b.account));
    tracing::info!(
        url = %s.url,
        users = users.len(),
        groups = groups.len(),
        requests = requests(s, users.len(), groups.len()),
        "LDAP directory read"
    );
    Ok(roster)
}

/// The requests [`load`] makes: the bind, then one per page of each search.
fn requests(s: &Settings, users: usize, groups: usize) -> usize {
    let pages = |n: usize| n / PAGE as usize + 1;
    usize::from(s.bind.is_some()) + pages(users) + pages(groups)
}

fn search(conn: &mut LdapConn, s: &Settings, filter: &str, attrs: &[&str]) -> Result<Vec<SearchEntry>, IdentityError> {
    let failed = |message: String| IdentityError::LdapSearch { url: s.url.clone(), base: s.base.clone(), message };
    let adapters: Vec<Box<dyn Adapter<_, _>>> = vec![Box::new(EntriesOnly::new()), Box::new(PagedResults::new(PAGE))];
    let mut stream = conn
        .with_timeout(TIMEOUT)
        .streaming_search_with(adapters, &s.base, Scope::Subtree, filter, attrs.to_vec())
        .map_err(|e| failed(e.to_string()))?;
    let mut entries = Vec::new();
    while let Some(e) = stream.next().map_err(|e| failed(e.to_string()))? {
        entries.push(SearchEntry::construct(e));
    }
    let r = stream.result();
    if r.rc != 0 {
        return Err(failed(describe(&r)));
    }
    Ok(entries)
}

/// The first value of the first attribute present (names compared without case).
fn first<'a>(attrs: &'a HashMap<String, Vec<String>>, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| {
        attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .and_then(|(_, v)| v.iter().map(|s| s.trim()).find(|s| !s.is_empty()))
    })
}

/// A SID as text: AD sends `objectSid` binary (which lands among the text attributes when its
/// bytes happen to be valid UTF-8); some servers send `S-1-...` text.
fn sid(e: &SearchEntry) -> Option<String> {
    let binary = e.bin_attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case("objectSid")).and_then(|(_, v)| v.first());
    if let Some(b) = binary {
        return sid_text(b);
    }
    let value = e.attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case("objectSid")).and_then(|(_, v)| v.first())?;
    if value.starts_with("S-1-") { Some(value.clone()) } else { sid_text(value.as_bytes()) }
}

/// The binary SID layout: revision, sub-authority count, 48-bit big-endian authority, then
/// little-endian 32-bit sub-authorities.
pub fn sid_text(b: &[u8]) -> Option<String> {
    let (&revision, &count) = (b.first()?, b.get(1)?);
    let authority = b.get(2..8)?.iter().fold(0u64, |a, x| a << 8 | u64::from(*x));
    let subs = b.get(8..8 + 4 * count as usize)?;
    let mut out = format!("S-{revision}-{authority}");
    for c in subs.chunks_exact(4) {
        out.push_str(&format!("-{}", u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
    }
    Some(out)
}

/// The people of the user entries, each with the account of the entry its `manager` DN names.
fn with_managers(users: &[SearchEntry]) -> Vec<Person> {
    let account_of: HashMap<String, String> =
        users.iter().filter_map(|e| Some((e.dn.to_lowercase(), person(e)?.account))).collect();
    users
        .iter()
        .filter_map(|e| {
            let mut p = person(e)?;
            p.manager = first(&e.attrs, &["manager"]).and_then(|dn| account_of.get(&dn.to_lowercase()).cloned());
            Some(p)
        })
        .collect()
}

/// `CN=Finance,OU=Groups,DC=corp` -> `Finance`.
fn cn_of(dn: &str) -> Option<&str> {
    let (k, v) = dn.split(',').next()?.split_once('=')?;
    k.trim().eq_ignore_ascii_case("cn").then(|| v.trim())
}

fn person(e: &SearchEntry) -> Option<Person> {
    let a = &e.attrs;
    let account = first(a, &["sAMAccountName", "uid"])?.to_string();
    let number = |n: &str| first(a, &[n]).and_then(|v| v.parse().ok());
    let department = first(a, &["department", "departmentNumber", "ou"])
        .map(str::to_string)
        .or_else(|| {
            let groups = a.iter().find(|(k, _)| k.eq_ignore_ascii_case("memberOf"))?.1;
            groups.iter().filter_map(|g| cn_of(g)).find(|g| !g.eq_ignore_ascii_case("Domain Users")).map(str::to_string)
        })
        .unwrap_or_default();
    Some(Person {
        display: first(a, &["displayName", "cn"]).unwrap_or(&account).to_string(),
        account,
        department,
        title: first(a, &["title"]).unwrap_or("").to_string(),
        uid: number("uidNumber"),
        gid: number("gidNumber"),
        sid: sid(e),
        manager: None,
    })
}

fn group(e: &SearchEntry) -> Option<RosterGroup> {
    let name = first(&e.attrs, &["sAMAccountName", "cn"])?.to_string();
    Some(RosterGroup { name, gid: first(&e.attrs, &["gidNumber"]).and_then(|v| v.parse().ok()), sid: sid(e) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(attrs: &[(&str, &[&str])]) -> SearchEntry {
        SearchEntry {
            dn: "cn=x".into(),
            attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect(),
            bin_attrs: HashMap::new(),
        }
    }

    #[test]
    fn binary_sids_read_as_text() {
        // S-1-5-21-1004336348-1177238915-682003330-512, as AD stores it.
        let mut b = vec![1u8, 5, 0, 0, 0, 0, 0, 5];
        for sub in [21u32, 1_004_336_348, 1_177_238_915, 682_003_330, 512] {
            b.extend(sub.to_le_bytes());
        }
        assert_eq!(sid_text(&b).unwrap(), "S-1-5-21-1004336348-1177238915-682003330-512");
        assert_eq!(sid_text(&b[..10]), None);
        // Small sub-authorities make the bytes valid UTF-8: ldap3 files them as text.
        let mut small = vec![1u8, 5, 0, 0, 0, 0, 0, 5];
        for sub in [21u32, 1, 2, 3, 1105] {
            small.extend(sub.to_le_bytes());
        }
        let as_text = String::from_utf8(small).unwrap();
        let e = entry(&[("sAMAccountName", &["x"]), ("objectSid", &[as_text.as_str()])]);
        assert_eq!(person(&e).unwrap().sid.as_deref(), Some("S-1-5-21-1-2-3-1105"));
    }

    #[test]
    fn ad_and_rfc2307_attributes() {
        type Seen = (String, String, String, Option<u32>, Option<u32>, Option<String>);
        // `key=value;...`: one value per attribute.
        let seen = |text: &str| -> Option<Seen> {
            let pairs: Vec<(&str, [&str; 1])> =
                text.split(';').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k, [v])).collect();
            let attrs: Vec<(&str, &[&str])> = pairs.iter().map(|(k, v)| (*k, &v[..])).collect();
            person(&entry(&attrs)).map(|p| (p.account, p.display, p.department, p.uid, p.gid, p.sid))
        };
        let ad = "sAMAccountName=jsmith;displayName=John Smith;department=Finance;title=Controller;objectSid=S-1-5-21-1-2-3-1105";
        let posix = "uid=alice;cn=Alice Archer;departmentnumber=Legal;uidNumber=5001;gidNumber=6001";
        let want = |a: &str, d: &str, dept: &str, ids: (Option<u32>, Option<u32>), sid: Option<&str>| {
            Some((a.into(), d.into(), dept.into(), ids.0, ids.1, sid.map(String::from)))
        };
        assert_eq!(seen(ad), want("jsmith", "John Smith", "Finance", (None, None), Some("S-1-5-21-1-2-3-1105")));
        assert_eq!(seen(posix), want("alice", "Alice Archer", "Legal", (Some(5001), Some(6001)), None));
        let member = entry(&[
            ("uid", &["bob"]),
            ("memberOf", &["CN=Domain Users,CN=Users,DC=corp", "CN=Sales,OU=Groups,DC=corp"]),
        ]);
        assert_eq!(person(&member).unwrap().department, "Sales");
        assert!(person(&entry(&[("cn", &["no account"])])).is_none());
        let g = group(&entry(&[("cn", &["finance"]), ("gidNumber", &["7001"])])).unwrap();
        assert_eq!((g.name.as_str(), g.gid), ("finance", Some(7001)));
    }

    #[test]
    fn settings_need_a_base_and_a_password_from_outside_the_command_line() {
        let url = "ldap://127.0.0.1:1";
        let mut ids = Identities { source: url.into(), ..Identities::default() };
        assert!(Settings::from_profile(url, &ids).unwrap_err().to_string().contains("needs --ldap-base"));
        ids.ldap_base = Some("dc=corp,dc=example,dc=com".into());
        ids.ldap_bind_dn = Some("cn=admin,dc=corp,dc=example,dc=com".into());
        assert!(Settings::from_profile(url, &ids).unwrap_err().to_string().contains("needs a password"));
        ids.ldap_password_env = Some("SYNTHFS_TEST_SURELY_UNSET_VARIABLE".into());
        assert!(Settings::from_profile(url, &ids).unwrap_err().to_string().contains("is not set"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "s3cret\nignored\n").unwrap();
        ids.ldap_password_env = None;
        ids.ldap_password_file = Some(file.display().to_string());
        let s = Settings::from_profile(url, &ids).unwrap();
        assert_eq!(s.bind.unwrap().1, "s3cret");
        assert_eq!(domain_of("ou=People,dc=corp,dc=example,dc=com").as_deref(), Some("CORP"));
    }

    #[test]
    fn an_unreachable_server_is_one_clear_error() {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let s = Settings { url: "ldap://127.0.0.1:1".into(), base: "dc=x".into(), bind: None };
        let e = load(&s).unwrap_err().to_string();
        assert!(e.starts_with("cannot reach LDAP server ldap://127.0.0.1:1: "), "{e}");
        assert!(!e.contains('\n'));
    }
}
