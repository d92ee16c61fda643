//! Realism you can measure: the same report over the model and over real trees.

mod common;

use common::*;
use serde_json::Value;

fn stats_json(args: &[&str]) -> Value {
    let o = run(&[&["stats", "--json"], args].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `stats DIR` over a materialized tree gives the model's numbers: same walk, same report.
#[test]
fn stats_of_a_materialized_tree_equal_the_models() {
    let profile = small_profile_path();
    let tree = ["--profile", profile.as_str(), "--files", "3000"];
    let dest = tempfile::tempdir().unwrap();
    let d = dest.path().display().to_string();
    let o = run(&[&["materialize", d.as_str()], &tree[..]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    // The resume marker is materialize's own, not part of the tree.
    std::fs::remove_file(dest.path().join(".synthfs.json")).unwrap();
    let model = stats_json(&tree);
    let as_of = model["as_of"].as_str().unwrap().to_string();
    let real = stats_json(&[d.as_str(), "--as-of", &as_of]);
    assert_eq!(real["root"], d.as_str());
    assert_eq!(real["profile"], Value::Null);
    assert_eq!(real["duplicates"], Value::Null, "a plain walk does not look for duplicates");
    for key in [
        "files",
        "dirs",
        "bytes",
        "empty_dirs",
        "max_depth",
        "mean_depth",
        "files_per_dir",
        "subdirs_per_dir",
        "by_type",
        "by_ext",
        "by_size",
        "by_depth",
        "by_age_years",
        "temp_files",
        "folder_junk",
    ] {
        assert_eq!(model[key], real[key], "{key}");
    }
    assert_eq!(model["sparse"]["files"], real["sparse"]["files"]);
    assert_eq!(model["largest"]["bytes"], real["largest"]["bytes"]);
    assert_eq!(model["oldest"]["path"], real["oldest"]["path"]);
    // Same keys, so scripts read both alike.
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&model), keys(&real));
    assert!(model["files_per_dir"]["mean"].as_f64().unwrap() > 1.0);
}

#[test]
fn stats_of_a_directory_refuse_tree_options_and_missing_dirs() {
    let o = run(&["stats", "/usr/share", "--files", "10"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("tree options (--seed, --files, ...) do not apply"), "{}", stderr(&o));
    let o = run(&["stats", "/nonexistent/dir"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).lines().count(), 1);
    assert!(stderr(&o).starts_with("synthfs: error: cannot walk /nonexistent/dir: "), "{}", stderr(&o));
}
