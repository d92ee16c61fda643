//! New names for renamed files and folders, as people rename them: a draft becomes final, a
//! version goes up, an old folder is marked old. The extension stays.

use crate::rng::{Rng, key};

/// The name `base` takes when renamed in an event keyed `k` (a file's extension kept).
pub fn renamed(base: &str, k: u64, is_file: bool) -> String {
    let mut rng = Rng::from_key(key(k, 0x7265_6e61, 0));
    let (stem, ext) = match base.rfind('.') {
        Some(i) if i > 0 && is_file => base.split_at(i),
        _ => (base, ""),
    };
    let lower = stem.to_ascii_lowercase();
    let new_stem = if let Some(i) = lower.find("draft") {
        let word = if stem[i..].starts_with('D') { "Final" } else { "final" };
        format!("{}{}{}", &stem[..i], word, &stem[i + 5..])
    } else if let Some((head, v)) = version(stem) {
        format!("{head}{}", v + 1)
    } else if is_file {
        let tail = ["_final", " - final", " (reviewed)", " v2", "_signed", " - updated", "_old", " - approved"];
        format!("{stem}{}", rng.pick(&tail))
    } else {
        let tail = [" (old)", " - Archive", "_old", " - do not use", " (moved)", " - 2"];
        format!("{stem}{}", rng.pick(&tail))
    };
    format!("{new_stem}{ext}")
}

/// A stem ending in a version ("Plan v3", "spec_v12"): the part up to the number, and it.
fn version(stem: &str) -> Option<(&str, u64)> {
    let digits = stem.len() - stem.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits > 3 {
        return None;
    }
    let head = &stem[..stem.len() - digits];
    let before_v = head.strip_suffix('v').or_else(|| head.strip_suffix('V'))?;
    if !before_v.ends_with([' ', '_', '-']) {
        return None;
    }
    Some((head, stem[head.len()..].parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_rename_the_way_people_do() {
        assert_eq!(renamed("Budget Draft.xlsx", 1, true), "Budget Final.xlsx");
        assert_eq!(renamed("memo-draft-2.docx", 1, true), "memo-final-2.docx");
        assert_eq!(renamed("Plan v3.pptx", 1, true), "Plan v4.pptx");
        assert_eq!(renamed("spec_v9.pdf", 1, true), "spec_v10.pdf");
        let plain = renamed("Minutes.docx", 7, true);
        assert!(plain.starts_with("Minutes") && plain.ends_with(".docx") && plain != "Minutes.docx", "{plain}");
        let folder = renamed("Q3.Reports", 7, false);
        assert!(folder.starts_with("Q3.Reports") && folder.len() > "Q3.Reports".len(), "{folder}");
        assert_eq!(renamed("Minutes.docx", 7, true), plain, "the same event, the same name");
    }
}
