//! Realism you can measure: the same report over the model and over real trees.

mod dates;
mod fit;
mod laws;
mod shares;

use std::process::Command;

use serde_json::Value;

use crate::common::*;

/// `stats DIR` over a materialized tree gives the model's numbers: same walk, same report.
#[test]
fn stats_of_a_materialized_tree_equal_the_models() {
    let profile = small_profile_path();
    let tree = ["--profile", profile.as_str(), "--files", "3000"];
    let model = stats_json(&tree);
    let as_of = model["as_of"].as_str().unwrap().to_string();
    let (dest, real) = materialized_stats(&tree, &["--as-of", &as_of]);
    let d = dest.path().display().to_string();
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
    // Bytes by depth as a typical (geometric mean) size, from the model and from the walk alike.
    assert!(
        model["by_depth"].as_array().unwrap().iter().all(|d| d["mean_log2_size"].as_f64().is_some_and(|m| m > 0.0))
    );
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

/// Materializes the tree these options name into a fresh directory and returns it with
/// `stats DIR --json [stats_args]` of it (materialize's resume marker, left in place, is not
/// counted: it is not part of the tree).
fn materialized_stats(tree: &[&str], stats_args: &[&str]) -> (tempfile::TempDir, Value) {
    let dest = tempfile::tempdir().unwrap();
    let d = dest.path().display().to_string();
    Run::of(&[&["materialize", d.as_str()], tree].concat()).ok();
    assert!(dest.path().join(".synthfs.json").is_file());
    let real = stats_json(&[&[d.as_str()][..], stats_args].concat());
    (dest, real)
}

/// The plot is a well-formed SVG that a real renderer draws, for one tree or two.
#[test]
fn the_plot_renders_beside_a_real_directory() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    std::fs::create_dir_all(real.join("a/b")).unwrap();
    for (i, size) in [10usize, 2000, 70_000, 5, 123_456].iter().enumerate() {
        std::fs::write(real.join(if i % 2 == 0 { "a" } else { "a/b" }).join(format!("f{i}.txt")), vec![b'x'; *size])
            .unwrap();
    }
    let svg = dir.path().join("plot.svg");
    let html = dir.path().join("plot.html");
    let (svg_arg, html_arg, real_arg) =
        (svg.display().to_string(), html.display().to_string(), real.display().to_string());
    let o = run(&["stats", "--files", "5000", "--plot", &svg_arg, "--compare", &real_arg]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("enterprise seed 1, 5,000 files (blue bars) vs"), "the legend names both trees");
    assert!(text.contains(&format!("{real_arg}, 5 files (red line)")));
    for panel in
        ["file size", "age: years", "files per folder", "sub-folders per folder", "depth of files", "extension mix"]
    {
        assert!(text.contains(panel), "{panel}");
    }
    let (ok, _, err) =
        sh(&format!("python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' {svg_arg}"));
    assert!(ok.success(), "not well-formed XML: {err}");
    if have_tool(Command::new("rsvg-convert").arg("--version"), "rsvg-convert (librsvg2-bin)") {
        let png = dir.path().join("plot.png");
        let (ok, _, err) = sh(&format!("rsvg-convert {svg_arg} -o {}", png.display()));
        assert!(ok.success(), "{err}");
        let bytes = std::fs::read(&png).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        // Width and height from the IHDR chunk: the figure's own size.
        assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 1500);
    }
    // HTML wraps the same drawing; a profile compares too.
    Run::of(&["stats", "--files", "2000", "--plot", &html_arg, "--compare", "ediscovery"]).ok();
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<svg") && page.contains("ediscovery seed"));
    let o = run(&["stats", "--plot", "x.png"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "synthfs: error: --plot x.png: the file must end in .svg or .html\n");
}
