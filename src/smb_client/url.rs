//! `smb://[user@]host[:port]/share[/path]`: where on which SMB server a tree goes. A password
//! is never part of one (it would end up in shell history and process lists): it comes from
//! the environment or a file (see [`super::credentials`]).

use std::fmt;

/// The port SMB servers listen on.
pub const DEFAULT_PORT: u16 = 445;

/// A parsed `smb://` location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmbUrl {
    /// The account named in the URL (`user@`), if any; a `DOMAIN;user` form keeps its domain.
    pub user: Option<String>,
    pub host: String,
    pub port: u16,
    pub share: String,
    /// The folders below the share's root, in order (empty: the root).
    pub path: Vec<String>,
}

/// An `smb://` location that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{url}: {why}")]
pub struct SmbUrlError {
    pub url: String,
    pub why: &'static str,
}

impl SmbUrl {
    /// Whether `text` names an SMB location rather than a local path.
    pub fn is_smb(text: &str) -> bool {
        text.get(..6).is_some_and(|s| s.eq_ignore_ascii_case("smb://"))
    }

    /// Parses `smb://[user@]host[:port]/share[/path]`. A password in the URL
    /// (`user:password@`) is refused.
    pub fn parse(text: &str) -> Result<SmbUrl, SmbUrlError> {
        let err = |why| SmbUrlError { url: redacted(text), why };
        if !SmbUrl::is_smb(text) {
            return Err(err("not an smb:// URL"));
        }
        let rest = &text[6..];
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (user, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => {
                if u.contains(':') {
                    return Err(err(
                        "a password does not go in the URL; set SYNTHFS_SMB_PASSWORD or use --password-file",
                    ));
                }
                (Some(percent_decode(u).ok_or_else(|| err("the user name is not valid percent-encoding"))?), h)
            }
            None => (None, authority),
        };
        let (host, port) = split_port(hostport).ok_or_else(|| err("the port is not a number from 1 to 65535"))?;
        if host.is_empty() {
            return Err(err("no server named (smb://server/share)"));
        }
        let mut parts = path
            .split('/')
            .filter(|p| !p.is_empty())
            .map(|p| percent_decode(p).ok_or_else(|| err("the path is not valid percent-encoding")));
        let share = parts.next().transpose()?.ok_or_else(|| err("no share named (smb://server/share)"))?;
        let path = parts.collect::<Result<Vec<_>, _>>()?;
        if path.iter().any(|p| p == "." || p == "..") {
            return Err(err("the path may not hold . or .."));
        }
        Ok(SmbUrl { user: user.filter(|u| !u.is_empty()), host: host.to_string(), port, share, path })
    }

    /// `host:port`, as the client connects.
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The path below the share's root with Windows separators (`a\b`), empty for the root.
    pub fn base(&self) -> String {
        self.path.join("\\")
    }

    /// `base\name` (or `name` at the share's root).
    pub fn join(base: &str, name: &str) -> String {
        if base.is_empty() { name.to_string() } else { format!("{base}\\{name}") }
    }
}

impl fmt::Display for SmbUrl {
    /// The URL without any secret: `smb://user@host[:port]/share/path`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("smb://")?;
        if let Some(u) = &self.user {
            write!(f, "{u}@")?;
        }
        f.write_str(&self.host)?;
        if self.port != DEFAULT_PORT {
            write!(f, ":{}", self.port)?;
        }
        write!(f, "/{}", self.share)?;
        for p in &self.path {
            write!(f, "/{p}")?;
        }
        Ok(())
    }
}

/// `host[:port]`, `[v6]` or `[v6]:port`.
fn split_port(hostport: &str) -> Option<(&str, u16)> {
    if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(p) => Some((host, p.parse().ok().filter(|p| *p > 0)?)),
            None if after.is_empty() => Some((host, DEFAULT_PORT)),
            None => None,
        };
    }
    match hostport.rsplit_once(':') {
        Some((h, p)) => Some((h, p.parse().ok().filter(|p| *p > 0)?)),
        None => Some((hostport, DEFAULT_PORT)),
    }
}

/// `%20` and friends, as a URL carries names with spaces.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The URL as an error may show it: anything between `//` and the last `@` that holds a `:`
/// hidden.
fn redacted(text: &str) -> String {
    match (text.find("//"), text.rfind('@')) {
        (Some(s), Some(at)) if s + 2 < at && text[s + 2..at].contains(':') => {
            format!("{}//***@{}", &text[..s], &text[at + 1..])
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_part() {
        let u = SmbUrl::parse("smb://CORP;alice@nas.example.com:4455/Projects/Demo%20Share/2026").unwrap();
        assert_eq!(u.user.as_deref(), Some("CORP;alice"));
        assert_eq!((u.host.as_str(), u.port), ("nas.example.com", 4455));
        assert_eq!(u.share, "Projects");
        assert_eq!(u.path, ["Demo Share", "2026"]);
        assert_eq!(u.base(), "Demo Share\\2026");
        assert_eq!(u.address(), "nas.example.com:4455");
        let root = SmbUrl::parse("SMB://127.0.0.1/share/").unwrap();
        assert_eq!((root.user, root.port, root.share.as_str(), root.path.len()), (None, 445, "share", 0));
        assert_eq!(SmbUrl::parse("smb://[::1]:446/s").unwrap().address(), "[::1]:446");
        assert_eq!(SmbUrl::parse("smb://bob@h/s/a").unwrap().to_string(), "smb://bob@h/s/a");
    }

    #[test]
    fn refuses_passwords_and_incomplete_urls() {
        let e = SmbUrl::parse("smb://bob:hunter2@h/s").unwrap_err();
        assert!(e.to_string().contains("SYNTHFS_SMB_PASSWORD"), "{e}");
        assert!(!e.to_string().contains("hunter2"), "the password is not repeated: {e}");
        let e = SmbUrl::parse("smb://bob:p@ss@h/s").unwrap_err().to_string();
        assert!(!e.contains("ss@h"), "no part of a password with an @ in it is shown: {e}");
        assert_eq!(SmbUrl::parse("smb://h:446/share/a@b").unwrap().path, ["a@b"], "an @ in the path is a name");
        for bad in ["smb://h", "smb:///s", "smb://h:0/s", "smb://h:x/s", "smb://h/s/../t", "/local/path"] {
            assert!(SmbUrl::parse(bad).is_err(), "{bad}");
        }
        assert!(SmbUrl::is_smb("smb://h/s") && !SmbUrl::is_smb("/mnt/smb://x"));
    }
}
