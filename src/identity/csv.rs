//! An Active Directory export as PowerShell writes it:
//! `Get-ADUser -Filter * -Properties Department,Title | Export-Csv users.csv`.
//!
//! Understood: UTF-8 (with or without BOM) and UTF-16 (`-Encoding Unicode`), the `#TYPE` line
//! of Windows PowerShell, quoted fields with `""` escapes and line breaks, `;` as the
//! separator (`-UseCulture` in many locales), column names in any case. Required columns:
//! SamAccountName, Name, Department, Title, SID; optional: DisplayName, uidNumber, gidNumber.
//! Other columns are ignored.

use std::path::Path;

use super::IdentityError;
use synthfs_model::accounts::{Person, Roster};

const REQUIRED: [&str; 5] = ["SamAccountName", "Name", "Department", "Title", "SID"];

pub fn load(path: &Path) -> Result<Roster, IdentityError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| IdentityError::Read { path: shown.clone(), source })?;
    let text = decode(&bytes).ok_or_else(|| IdentityError::Csv {
        path: shown.clone(),
        line: 1,
        message: "not UTF-8 or UTF-16 text".into(),
    })?;
    parse(&text, &shown)
}

/// The text of a file: UTF-16 when it starts with a BOM, else UTF-8 (BOM dropped).
fn decode(bytes: &[u8]) -> Option<String> {
    let utf16 = |le: bool| {
        let units = bytes[2..]
            .chunks_exact(2)
            .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) });
        char::decode_utf16(units).collect::<Result<String, _>>().ok()
    };
    match bytes {
        [0xff, 0xfe, ..] => utf16(true),
        [0xfe, 0xff, ..] => utf16(false),
        [0xef, 0xbb, 0xbf, rest @ ..] => String::from_utf8(rest.to_vec()).ok(),
        _ => String::from_utf8(bytes.to_vec()).ok(),
    }
}

/// Parses an export (see the module docs).
pub fn parse(text: &str, path: &str) -> Result<Roster, IdentityError> {
    let mut records = Records::new(text);
    let mut header = records.next_record(path)?.map(|r| r.1).unwrap_or_default();
    if header.first().is_some_and(|h| h.starts_with("#TYPE")) {
        header = records.next_record(path)?.map(|r| r.1).unwrap_or_default();
    }
    let column = |name: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let missing: Vec<&str> = REQUIRED.iter().copied().filter(|c| column(c).is_none()).collect();
    if !missing.is_empty() {
        return Err(IdentityError::CsvColumns { path: path.into(), missing: missing.join(", ") });
    }
    let at = |c: &str| column(c).unwrap_or(usize::MAX);
    let (account, name, department, title, sid) =
        (at("SamAccountName"), at("Name"), at("Department"), at("Title"), at("SID"));
    let (display, uid, gid) = (column("DisplayName"), column("uidNumber"), column("gidNumber"));
    let manager = column("Manager");
    let mut managers: Vec<String> = Vec::new();
    let mut people = Vec::new();
    while let Some((line, fields)) = records.next_record(path)? {
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let get = |i: usize| fields.get(i).map(|f| f.trim()).unwrap_or("");
        let number = |i: Option<usize>, what: &str| -> Result<Option<u32>, IdentityError> {
            match i.map(get).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => v.parse().map(Some).map_err(|_| IdentityError::Csv {
                    path: path.into(),
                    line,
                    message: format!("{what} `{v}` is not a number"),
                }),
            }
        };
        if get(account).is_empty() {
            return Err(IdentityError::Csv { path: path.into(), line, message: "empty SamAccountName".into() });
        }
        let sid_value = get(sid);
        if !sid_value.is_empty() && !sid_value.starts_with("S-1-") {
            return Err(IdentityError::Csv {
                path: path.into(),
                line,
                message: format!("SID `{sid_value}` is not a SID (S-1-...)"),
            });
        }
        let shown = display.map(get).filter(|d| !d.is_empty()).unwrap_or(get(name));
        managers.push(manager.map(get).unwrap_or("").to_string());
        people.push(Person {
            account: get(account).to_string(),
            display: shown.to_string(),
            department: get(department).to_string(),
            title: get(title).to_string(),
            uid: number(uid, "uidNumber")?,
            gid: number(gid, "gidNumber")?,
            sid: (!sid_value.is_empty()).then(|| sid_value.to_string()),
            manager: None,
        });
    }
    // AD exports name the manager by DN (`CN=Smith\, John,OU=...`): its CN is the manager's Name.
    let by_name: std::collections::HashMap<String, String> =
        people.iter().map(|p| (p.display.to_lowercase(), p.account.clone())).collect();
    for (p, dn) in people.iter_mut().zip(&managers) {
        p.manager = super::dn_cn(dn).and_then(|cn| by_name.get(&cn.to_lowercase()).cloned());
    }
    let file = Path::new(path).file_name().map_or_else(|| path.to_string(), |f| f.to_string_lossy().into_owned());
    Ok(Roster { source: file, domain: None, people, groups: Vec::new() })
}

/// RFC 4180 records, with the separator guessed from the header line.
struct Records<'a> {
    rest: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    sep: char,
}

impl<'a> Records<'a> {
    fn new(text: &'a str) -> Records<'a> {
        let first = text.lines().find(|l| !l.starts_with("#TYPE")).unwrap_or("");
        let sep = if !first.contains(',') && first.contains(';') { ';' } else { ',' };
        Records { rest: text.chars().peekable(), line: 1, sep }
    }

    /// The next record and the line it starts on; `None` at the end.
    fn next_record(&mut self, path: &str) -> Result<Option<(usize, Vec<String>)>, IdentityError> {
        if self.rest.peek().is_none() {
            return Ok(None);
        }
        let start = self.line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut was_quoted = false;
        while let Some(c) = self.rest.next() {
            match c {
                '"' if quoted => {
                    if self.rest.peek() == Some(&'"') {
                        self.rest.next();
                        field.push('"');
                    } else {
                        quoted = false;
                    }
                }
                '"' if field.is_empty() && !was_quoted => {
                    quoted = true;
                    was_quoted = true;
                }
                '\n' if quoted => {
                    self.line += 1;
                    field.push('\n');
                }
                '\r' if self.rest.peek() == Some(&'\n') => {}
                c if quoted => field.push(c),
                '\n' => {
                    self.line += 1;
                    fields.push(std::mem::take(&mut field));
                    return Ok(Some((start, fields)));
                }
                c if c == self.sep => {
                    fields.push(std::mem::take(&mut field));
                    was_quoted = false;
                }
                c => field.push(c),
            }
        }
        if quoted {
            return Err(IdentityError::Csv {
                path: path.into(),
                line: start,
                message: "a quoted field is never closed".into(),
            });
        }
        fields.push(field);
        Ok(Some((start, fields)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = "#TYPE Microsoft.ActiveDirectory.Management.ADUser\r\n\
\"Department\",\"DistinguishedName\",\"Enabled\",\"Name\",\"SamAccountName\",\"SID\",\"Title\",\"Surname\",\"Manager\"\r\n\
\"Finance\",\"CN=Smith\\, John,OU=Staff,DC=corp,DC=example\",\"True\",\"John Smith\",\"jsmith\",\"S-1-5-21-1-2-3-1105\",\"Controller\",\"Smith\",\"\"\r\n\
\"Human Resources\",\"CN=Doe,OU=Staff\",\"True\",\"Jane \"\"JD\"\" Doe\",\"jdoe\",\"S-1-5-21-1-2-3-1106\",\"HR\r\nPartner\",\"Doe\",\"CN=John Smith,OU=Staff,DC=corp\"\r\n\
\r\n";

    #[test]
    fn a_powershell_export_is_read() {
        let r = parse(EXPORT, "/x/users.csv").unwrap();
        assert_eq!(r.source, "users.csv");
        assert_eq!(r.people[1].manager.as_deref(), Some("jsmith"), "by the manager's DN");
        assert_eq!(r.people.len(), 2);
        let j = &r.people[0];
        assert_eq!(
            (j.account.as_str(), j.display.as_str(), j.department.as_str()),
            ("jsmith", "John Smith", "Finance")
        );
        assert_eq!(j.sid.as_deref(), Some("S-1-5-21-1-2-3-1105"));
        assert_eq!((j.uid, j.gid), (None, None));
        let d = &r.people[1];
        assert_eq!(d.display, "Jane \"JD\" Doe");
        assert_eq!(d.title, "HR\nPartner");
    }

    #[test]
    fn boms_separators_and_numbers() {
        let text = "samaccountname;NAME;department;title;sid;uidNumber;gidNumber;DisplayName\nbob;Bob;IT;Admin;;5001;6000;Bob B.\n";
        let mut utf16 = vec![0xff, 0xfe];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        for bytes in [text.as_bytes().to_vec(), [&[0xef, 0xbb, 0xbf][..], text.as_bytes()].concat(), utf16] {
            let r = parse(&decode(&bytes).unwrap(), "u.csv").unwrap();
            assert_eq!(r.people[0].uid, Some(5001));
            assert_eq!(r.people[0].gid, Some(6000));
            assert_eq!(r.people[0].display, "Bob B.");
            assert_eq!(r.people[0].sid, None);
        }
    }

    #[test]
    fn missing_columns_and_bad_values_are_named() {
        let e = parse("Name,SID,Title\nJohn,S-1-5-21-1-2-3-4,x\n", "a.csv").unwrap_err().to_string();
        assert_eq!(
            e,
            "a.csv has no column SamAccountName, Department (export with: Get-ADUser -Filter * -Properties Department,Title | Export-Csv)"
        );
        let head = "SamAccountName,Name,Department,Title,SID,uidNumber\n";
        let e = parse(&format!("{head}a,A,IT,x,S-1-5-21-1-2-3-4,12x\n"), "a.csv").unwrap_err().to_string();
        assert_eq!(e, "a.csv, line 2: uidNumber `12x` is not a number");
        let e = parse(&format!("{head}a,A,IT,x,1234,\n"), "a.csv").unwrap_err().to_string();
        assert_eq!(e, "a.csv, line 2: SID `1234` is not a SID (S-1-...)");
        let e = parse(&format!("{head}\"a,A,IT,x,S-1-5,\n"), "a.csv").unwrap_err().to_string();
        assert_eq!(e, "a.csv, line 2: a quoted field is never closed");
        assert!(parse("", "e.csv").unwrap_err().to_string().starts_with("e.csv has no column SamAccountName, Name,"));
    }
}
