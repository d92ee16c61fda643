//! Unit tests of the torture layout: names at their limits, classification, twists, links.

use super::*;

#[test]
fn names_are_distinct_and_at_their_limits() {
    for control in [false, true] {
        let v = names(control);
        let set: std::collections::HashSet<&String> = v.iter().collect();
        assert_eq!(set.len(), v.len());
        assert_eq!(v.iter().filter(|n| n.len() == 255).count(), 4);
        assert!(v.iter().all(|n| !n.contains('/') && !n.contains('\0') && n.len() <= 255));
        assert_eq!(v.iter().any(|n| n.contains('\n')), control);
    }
    assert!((1..=30).all(|k| deep_name(k).len() == 150));
}

#[test]
fn every_specimen_is_classified() {
    let now = 1_800_000_000;
    let twins = case_twins(names(true).iter().map(String::as_str));
    let mut kinds = std::collections::BTreeSet::new();
    for n in names(true) {
        let seen = Seen {
            path_len: n.len() + 7,
            name: n,
            is_dir: false,
            mode: 0o644,
            size: 10,
            modified: 1_600_000_000,
            created: None,
            now,
            case_twin: twins.contains(n),
            nlink: 1,
        };
        let k = classify(&seen);
        assert!(
            !k.is_empty() || n == ".hidden" || n.starts_with('#') || n == "café.txt" || n == "Résumé 2024.docx",
            "{n:?}"
        );
        kinds.extend(k);
    }
    for k in [
        Hostile::Decomposed,
        Hostile::RightToLeft,
        Hostile::Emoji,
        Hostile::CombiningMarks,
        Hostile::CaseTwins,
        Hostile::ControlCharacters,
        Hostile::Name255BytesMultibyte,
    ] {
        assert!(kinds.contains(&k), "{k:?}");
    }
    assert_eq!(Hostile::PathOver4096.key(), "path-over-4096");
}

#[test]
fn every_twist_is_hostile_and_one_to_one() {
    let names = ["Q3 Budget Forecast.xlsx", "Q3 Budget Forecast (2).xlsx", "README", "notes.v2.txt"];
    for pick in 0..14 * 16 * 8 {
        let twisted: Vec<String> = names.iter().map(|n| twist_name(n, pick, true)).collect();
        let set: std::collections::HashSet<String> = twisted.iter().map(|t| t.to_lowercase()).collect();
        assert_eq!(set.len(), names.len(), "pick {pick}: {twisted:?}");
        for t in &twisted {
            let seen = Seen {
                path_len: t.len(),
                name: t,
                is_dir: false,
                mode: 0o644,
                size: 10,
                modified: 1_600_000_000,
                created: None,
                now: 1_800_000_000,
                case_twin: false,
                nlink: 1,
            };
            assert!(!classify(&seen).is_empty(), "pick {pick}: {t:?} is not hostile");
            assert!(t.len() <= 255 && !t.contains('/') && !t.contains('\0'), "{t:?}");
        }
    }
    assert!((0..13).all(|p| !twist_name("a.txt", p, false).contains('\n')));
}

#[test]
fn links_resolve_to_indices() {
    let t = Torture::default();
    let l = Links::new(&t, 100, 103, 5000);
    assert_eq!(l.nlink(101), 3, "original.docx has three names");
    assert_eq!(l.nlink(102), 2);
    assert_eq!(l.nlink(104), 1);
    assert_eq!(l.symlink(5000).map(|s| s.name), Some("to-original.docx"));
    assert_eq!(l.symlink(4999), None);
    assert_eq!(l.symlink(5000 + l.symlinks.len() as u64), None);
    assert!(l.symlinks.iter().any(|s| s.parent == 103));
    let deep = l.symlinks.iter().find(|s| s.name == "to-deep-file.txt").unwrap();
    assert!(deep.target.len() > 260, "past MAX_PATH");
    assert_eq!(
        classify_symlink(b"/usr/share", LinkEnd::Dir),
        vec![Hostile::Symlink, Hostile::SymlinkAbsolute, Hostile::SymlinkToFolder]
    );
    assert_eq!(classify_symlink(b"a", LinkEnd::File), vec![Hostile::Symlink]);
}
