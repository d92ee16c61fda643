//! Unit tests of profile parsing, built-ins and validation.

use super::*;

#[test]
fn date_preset_names_are_the_profiles() {
    for p in DatePreset::ALL {
        let dates: Dates = toml::from_str(&format!("preset = \"{}\"", p.name())).unwrap();
        assert_eq!(dates.preset, p);
        assert_eq!(p.name().parse::<DatePreset>(), Ok(p));
    }
    assert!("recent_skew".parse::<DatePreset>().unwrap_err().contains("recent-skew"));
}

fn base() -> String {
    Profile::builtin_text("enterprise").unwrap().to_string()
}

/// Each case edits `text` (`from` becomes `to`) into a profile that is refused with an error
/// that says `want`.
fn assert_refused(text: &str, cases: &[(&str, &str, &str)]) {
    for (from, to, want) in cases {
        let edited = text.replace(from, to);
        assert_ne!(edited, text, "{from}");
        let err = Profile::from_toml(&edited, "p.toml").unwrap_err().to_string();
        assert!(err.contains(want), "{err} should say {want}");
    }
}

#[test]
fn builtin_parses_and_round_trips() {
    let p = Profile::builtin("enterprise").unwrap();
    assert_eq!(p.files, 100_000);
    assert_eq!(p.dir_count(), 8000);
    let again = Profile::from_toml(&p.to_toml(), "round trip").unwrap();
    assert_eq!(again.to_toml(), p.to_toml());
}

#[test]
fn unknown_key_is_named_with_its_line() {
    let text = base().replace("max_depth = 24", "max_depth = 24\nfilez = 3");
    let err = Profile::from_toml(&text, "p.toml").unwrap_err().to_string();
    assert!(err.contains("filez"), "{err}");
    assert!(err.contains("line 14"), "{err}");
    assert!(!err.contains('\n'));
}

#[test]
fn invalid_values_name_the_key() {
    let cases = [
        ("files = 100000", "files = 0", "`files`"),
        ("as_of = \"2026-06-30\"", "as_of = \"2026-13-01\"", "`as_of`"),
        ("rate = 1.0 ", "rate = 1.5 ", "`sparse.rate`"),
        ("finance = { xlsx = 40,", "finance = { \"x.lsx\" = 40,", "`mix.finance.x.lsx`"),
        ("head = \"1MiB\"", "head = \"1000\"", "`sparse.head`"),
        ("by_depth = [24.86,", "by_depth = [-1.0,", "`sizes.by_depth[0]`"),
        ("16.22, 16.15,", "16.22, nan,", "`sizes.by_depth[11]`"),
    ];
    assert_refused(&base(), &cases);
}

#[test]
fn storyline_sections_are_checked() {
    let story = Profile::builtin_text("panzura-demo").unwrap();
    assert!(Profile::from_toml(story, "p.toml").is_ok());
    let cases = [
        // An event named as another top-level folder, case aside.
        ("name = \"Acquired - Northwind 2019\"", "name = \"public\"", "top-level folder `public` appears twice"),
        ("dormant = 30.7,", "dormnt = 30.7,", "`classes.shares.dormnt`"),
        ("IT = { active = 60,", "IT = { active = -1,", "`classes.folders.IT.active`"),
        ("weight = 2.2 ", "weight = 0.0 ", "`template.departments[6].weight`"),
        ("loose_root_share = 0.0003", "loose_root_share = 0.9", "`template.loose_root_share`"),
        ("grant_share = 0.3 ", "grant_share = 1.3 ", "`acls.grant_share`"),
        ("user_grant_share = 0.2 ", "user_grant_share = 0.99 ", "`acls.user_grant_share`"),
        ("\"IT/Credentials\"", "\"IT/Credentials/Old\"", "`acls.protected[3]`"),
        ("folders = [\"Board\"]", "folders = [\"Bo:ard\"]", "`template.departments[8].folders[0]`"),
        ("department_folders = [\"Temp\"]", "department_folders = [\"T*\"]", "`template.department_folders[0]`"),
    ];
    assert_refused(story, &cases);
    let text = base().replace("[template]", "[dates]\nhot_share = 2.0\n\n[template]");
    let err = Profile::from_toml(&text, "p.toml").unwrap_err().to_string();
    assert!(err.contains("dates.hot_share"), "{err}");
}

#[test]
fn bad_size_string_is_reported() {
    let text = base().replace("tail_min = \"512MiB\"", "tail_min = \"lots\"");
    let err = Profile::from_toml(&text, "p.toml").unwrap_err().to_string();
    assert!(err.contains("lots"), "{err}");
}

#[test]
fn set_counts_keeps_the_ratio() {
    let mut p = Profile::builtin_with_files("enterprise", 1_000_000).unwrap();
    assert_eq!(p.files, 1_000_000);
    assert_eq!(p.dir_count(), 80_000);
    p.set_counts(None, Some(5));
    assert_eq!(p.dir_count(), 5);
}
