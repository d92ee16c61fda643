//! The test directory: 200 people in 8 departments, as an LDIF for slapd (half RFC 2307, half
//! Active Directory attributes) and as the CSV `Export-Csv` writes of the same people.

pub const BASE: &str = "dc=example,dc=com";

pub const ADMIN: &str = "cn=admin,dc=example,dc=com";

pub const PASSWORD: &str = "s3cret-for-tests";

pub const DEPTS: [&str; 8] =
    ["Finance", "Human Resources", "Legal", "Sales", "Marketing", "Engineering", "IT", "Operations"];

pub const FIRST: [&str; 10] = ["Ana", "Ben", "Chloe", "Dev", "Emma", "Felix", "Grace", "Hugo", "Iris", "Jon"];

pub const LAST: [&str; 20] = [
    "Adams", "Baker", "Clark", "Davis", "Evans", "Foster", "Garcia", "Hughes", "Ito", "Jones", "Khan", "Lopez",
    "Moore", "Nagy", "Olsen", "Patel", "Quinn", "Reyes", "Silva", "Turner",
];

/// The profile's uid_start: AD users without uidNumber get uid_start + RID.
pub const UID_START: u32 = 10_000;

/// One test user, as the LDIF and the CSV describe it.
pub struct TestUser {
    pub account: String,
    pub display: String,
    pub dept: usize,
    /// Active Directory style (SID, no uidNumber) or RFC 2307 (uidNumber, gidNumber).
    pub ad: bool,
    pub rid: u32,
}

impl TestUser {
    pub fn uid(&self) -> u32 {
        if self.ad { UID_START + self.rid } else { 5000 + self.rid - 2000 }
    }
    pub fn sid(&self) -> String {
        format!("S-1-5-21-11-22-33-{}", self.rid)
    }
}

pub fn users() -> Vec<TestUser> {
    (0..200)
        .map(|i| {
            let (first, last) = (FIRST[i % 10], LAST[i / 10]);
            TestUser {
                account: format!("{}{}", first.to_lowercase(), last.to_lowercase()),
                display: format!("{first} {last}"),
                dept: i % 8,
                ad: i % 2 == 1,
                rid: 2000 + i as u32,
            }
        })
        .collect()
}

pub fn binary_sid(rid: u32) -> Vec<u8> {
    let mut b = vec![1u8, 5, 0, 0, 0, 0, 0, 5];
    for sub in [21u32, 11, 22, 33, rid] {
        b.extend(sub.to_le_bytes());
    }
    b
}

pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The DN of a test user's entry.
pub fn dn(u: &TestUser) -> String {
    if u.ad { format!("cn={},ou=People,{BASE}", u.account) } else { format!("uid={},ou=People,{BASE}", u.account) }
}

/// Each department's first user heads it; the others report to the head.
pub fn head(users: &[TestUser], u: &TestUser) -> Option<usize> {
    (users[u.dept].account != u.account).then_some(u.dept)
}

pub fn ldif(users: &[TestUser]) -> String {
    let mut s = format!(
        "dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n\
dn: ou=People,{BASE}\nobjectClass: organizationalUnit\nou: People\n\n\
dn: ou=Groups,{BASE}\nobjectClass: organizationalUnit\nou: Groups\n\n"
    );
    for (d, name) in DEPTS.iter().enumerate() {
        s += &format!(
            "dn: cn={name},ou=Groups,{BASE}\nobjectClass: posixGroup\ncn: {name}\ngidNumber: {}\n\n",
            7000 + d
        );
    }
    for u in users {
        let (first, last) = u.display.split_once(' ').unwrap();
        let dept = DEPTS[u.dept];
        let manager = head(users, u).map(|h| format!("manager: {}\n", dn(&users[h]))).unwrap_or_default();
        if u.ad {
            s += &format!(
                "dn: cn={},ou=People,{BASE}\nobjectClass: inetOrgPerson\nobjectClass: extensibleObject\ncn: {}\nsn: {last}\n\
givenName: {first}\nsAMAccountName: {}\ndisplayName: {}\ntitle: Analyst\ndepartment: {dept}\nobjectSid:: {}\n\
memberOf: cn={dept},ou=Groups,{BASE}\n{manager}\n",
                u.account,
                u.account,
                u.account,
                u.display,
                base64(&binary_sid(u.rid))
            );
        } else {
            s += &format!(
                "dn: uid={},ou=People,{BASE}\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: {}\ncn: {}\n\
sn: {last}\ndisplayName: {}\ntitle: Engineer\ndepartmentNumber: {dept}\nuidNumber: {}\ngidNumber: {}\n\
homeDirectory: /home/{}\n{manager}\n",
                u.account,
                u.account,
                u.display,
                u.display,
                u.uid(),
                7000 + u.dept,
                u.account
            );
        }
    }
    s
}

pub fn csv(users: &[TestUser]) -> String {
    let mut s = String::from(
        "#TYPE Microsoft.ActiveDirectory.Management.ADUser\r\n\"Department\",\"Enabled\",\"Name\",\"SamAccountName\",\"SID\",\"Title\",\"uidNumber\",\"Manager\"\r\n",
    );
    for u in users {
        let uid = if u.ad { String::new() } else { u.uid().to_string() };
        // Export-Csv writes the manager's DN; its CN is the manager's Name.
        let manager =
            head(users, u).map(|h| format!("CN={},OU=People,DC=example,DC=com", users[h].display)).unwrap_or_default();
        s += &format!(
            "\"{}\",\"True\",\"{}\",\"{}\",\"{}\",\"Analyst\",\"{uid}\",\"{manager}\"\r\n",
            DEPTS[u.dept],
            u.display,
            u.account,
            u.sid()
        );
    }
    s
}
