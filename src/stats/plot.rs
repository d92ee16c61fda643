//! `stats --plot FILE.svg|FILE.html`: the distributions that make a tree look real, for one
//! tree or two side by side (`--compare`): file sizes, ages, files per folder, sub-folders per
//! folder, depth and the extension mix, each as shares of files (or folders) so trees of any
//! size compare. The first tree is drawn as bars, the second as a line with points.

use std::collections::HashMap;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::render::extensions;
use super::{FilesAndBytes, SIZE_BUCKETS, Stats};
use synthfs_model::units::Bytes;

/// Why a plot could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("--plot {0}: the file must end in .svg or .html")]
    Format(String),
    #[error("cannot draw the plot: {0}")]
    Draw(String),
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

/// One tree to draw: its label in the legend and its totals.
pub struct Series<'a> {
    pub label: String,
    pub stats: &'a Stats,
}

/// One panel: a title, category labels and, per series, the share in each category.
struct Panel {
    title: String,
    labels: Vec<String>,
    shares: Vec<Vec<f64>>,
}

const WIDTH: u32 = 1500;
const HEIGHT: u32 = 900;
const COLORS: [RGBColor; 2] = [RGBColor(31, 119, 180), RGBColor(214, 39, 40)];

/// Writes the plot of `series` (one or two trees) to `out` (`.svg` or `.html`).
pub fn write(series: &[Series], out: &Path) -> Result<(), PlotError> {
    let name = out.display().to_string();
    let html = match out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("svg") => false,
        Some("html" | "htm") => true,
        _ => return Err(PlotError::Format(name)),
    };
    let svg = render(series)?;
    let text = if html {
        let title = series.iter().map(|s| s.label.as_str()).collect::<Vec<_>>().join(" vs ");
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>synthfs stats: {}</title></head>\n<body style=\"margin:0\">\n{svg}\n</body></html>\n",
            escape(&title)
        )
    } else {
        svg
    };
    std::fs::write(out, text).map_err(|source| PlotError::Write { path: name, source })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The SVG text of the plot.
pub fn render(series: &[Series]) -> Result<String, PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw)?;
        let title = match series {
            [one] => format!("synthfs stats: {}", one.label),
            _ => format!("synthfs stats: {} (blue bars) vs {} (red line)", series[0].label, series[1].label),
        };
        let root = root.titled(&title, ("sans-serif", 24)).map_err(draw)?;
        let areas = root.split_evenly((2, 3));
        for (area, panel) in areas.iter().zip(panels(series)) {
            draw_panel(area, &panel, series)?;
        }
        root.present().map_err(draw)?;
    }
    Ok(svg)
}

fn draw<E: std::fmt::Display>(e: E) -> PlotError {
    PlotError::Draw(e.to_string())
}

/// The six panels.
fn panels(series: &[Series]) -> Vec<Panel> {
    let stats: Vec<&Stats> = series.iter().map(|s| s.stats).collect();
    let mut out = Vec::new();

    // Sizes: power-of-two buckets from the smallest to the largest any tree has.
    let used =
        |s: &Stats| s.by_size.iter().enumerate().filter(|(_, t)| t.files > 0).map(|(i, _)| i).collect::<Vec<_>>();
    let lo = stats.iter().filter_map(|s| used(s).first().copied()).min().unwrap_or(0);
    let hi = stats.iter().filter_map(|s| used(s).last().copied()).max().unwrap_or(0);
    let labels = (lo..=hi)
        .map(|b| match b {
            0 => "0".to_string(),
            b if b == SIZE_BUCKETS - 1 => format!("{}+", short(1 << (b - 1))),
            b => short(1 << (b - 1)),
        })
        .collect();
    let shares = stats.iter().map(|s| (lo..=hi).map(|b| share(s.by_size[b].files, s.files)).collect()).collect();
    let ks = match stats.as_slice() {
        [a, b] => format!(" · KS distance {:.3}", super::ks_distance(a, b)),
        _ => String::new(),
    };
    out.push(Panel { title: format!("file size (share of files, by power of two){ks}"), labels, shares });

    // Ages in whole years.
    let years = stats.iter().map(|s| s.by_age_years.len()).max().unwrap_or(0).min(40);
    out.push(files_panel(&stats, "age: years since last modified", 0..years, |s| &s.by_age_years));

    // Files per folder and sub-folders per folder, in power-of-two ranges.
    for (title, pick) in [
        ("files per folder (share of folders)", (|s: &Stats| &s.files_per_dir) as fn(&Stats) -> &Vec<u64>),
        ("sub-folders per folder (share of folders)", |s: &Stats| &s.subdirs_per_dir),
    ] {
        let top = stats.iter().map(|s| pick(s).len()).max().unwrap_or(1).max(1);
        let ranges = pow2_ranges(top);
        out.push(Panel {
            title: title.into(),
            labels: ranges.iter().map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect(),
            shares: stats
                .iter()
                .map(|s| {
                    let counts = pick(s);
                    let total: u64 = counts.iter().sum();
                    ranges.iter().map(|&(a, b)| share(counts.iter().skip(a).take(b + 1 - a).sum(), total)).collect()
                })
                .collect(),
        });
    }

    // Depth of files.
    let depth = stats.iter().map(|s| s.by_depth.len()).max().unwrap_or(1);
    out.push(files_panel(&stats, "depth of files (root's files at 1)", 1..depth, |s| &s.by_depth));

    // Extension mix: the twelve with the largest share in either tree.
    let mut by_share: HashMap<&str, f64> = HashMap::new();
    for s in &stats {
        for (e, t) in extensions(s) {
            let v = by_share.entry(e).or_default();
            *v = v.max(share(t.files, s.files));
        }
    }
    let mut ranked: Vec<(&str, f64)> = by_share.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let top: Vec<String> = ranked.into_iter().take(12).map(|(e, _)| e.to_string()).collect();
    out.push(Panel {
        title: "extension mix (share of files)".into(),
        labels: top.iter().map(|e| if e.is_empty() { "(none)".to_string() } else { e.clone() }).collect(),
        shares: stats
            .iter()
            .map(|s| top.iter().map(|e| share(s.by_ext.get(e.as_str()).map_or(0, |t| t.files), s.files)).collect())
            .collect(),
    });
    for p in &mut out {
        p.trim();
    }
    out
}

impl Panel {
    /// Drops trailing categories under 0.1% in every tree (long empty tails say nothing).
    fn trim(&mut self) {
        let keep = (0..self.labels.len())
            .rev()
            .find(|&i| self.shares.iter().any(|s| s.get(i).copied().unwrap_or(0.0) >= 0.001))
            .map_or(self.labels.len(), |i| i + 1);
        self.labels.truncate(keep);
        for s in &mut self.shares {
            s.truncate(keep);
        }
    }
}

/// A panel of each tree's share of files in slots `range` of a per-slot count (by age in
/// years, by depth), labelled by slot.
fn files_panel(
    stats: &[&Stats],
    title: &str,
    range: std::ops::Range<usize>,
    by: impl Fn(&Stats) -> &Vec<FilesAndBytes>,
) -> Panel {
    let files = |s: &Stats, i: usize| by(s).get(i).map_or(0, |t| t.files);
    Panel {
        title: title.into(),
        labels: range.clone().map(|i| i.to_string()).collect(),
        shares: stats.iter().map(|s| range.clone().map(|i| share(files(s, i), s.files)).collect()).collect(),
    }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// `1 KiB` -> `1K`: short labels for the size axis.
fn short(bytes: u64) -> String {
    Bytes(bytes).to_string().replace(".0 ", "").replace(" ", "").replace("iB", "").replace('B', "")
}

/// 0, 1, 2-3, 4-7, ... covering `0..len`.
fn pow2_ranges(len: usize) -> Vec<(usize, usize)> {
    let mut out = vec![(0, 0)];
    let mut a = 1;
    while a < len {
        let b = (a * 2 - 1).min(len - 1);
        out.push((a, b));
        a *= 2;
    }
    out
}

fn draw_panel(area: &DrawingArea<SVGBackend, Shift>, p: &Panel, series: &[Series]) -> Result<(), PlotError> {
    let n = p.labels.len().max(1);
    let top = p.shares.iter().flatten().copied().fold(0.0f64, f64::max).max(0.01) * 1.1;
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, ("sans-serif", 15))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(48)
        // Categories sit on the integers, so the axis' key points (step 1) label them.
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..top)
        .map_err(draw)?;
    let labels = p.labels.clone();
    let every = n.div_ceil(16);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            let k = i as usize;
            if (x - i).abs() < 1e-6 && i >= 0.0 && k < labels.len() && k % every == 0 {
                labels[k].clone()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(draw)?;
    // The legend is the figure's title: the first tree as bars, the second as a line.
    for (k, shares) in p.shares.iter().take(series.len()).enumerate() {
        let color = COLORS[k % COLORS.len()];
        if k == 0 {
            chart
                .draw_series(shares.iter().enumerate().map(|(i, v)| {
                    Rectangle::new([(i as f64 - 0.4, 0.0), (i as f64 + 0.4, *v)], color.mix(0.6).filled())
                }))
                .map_err(draw)?;
        } else {
            let points: Vec<(f64, f64)> = shares.iter().enumerate().map(|(i, v)| (i as f64, *v)).collect();
            chart.draw_series(LineSeries::new(points.clone(), color.stroke_width(2))).map_err(draw)?;
            chart.draw_series(points.into_iter().map(|p| Circle::new(p, 3, color.filled()))).map_err(draw)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_every_count_once() {
        assert_eq!(pow2_ranges(1), [(0, 0)]);
        assert_eq!(pow2_ranges(6), [(0, 0), (1, 1), (2, 3), (4, 5)]);
        assert_eq!(short(1 << 10), "1K");
        assert_eq!(short(1 << 30), "1G");
        assert_eq!(short(64), "64");
    }

    #[test]
    fn one_and_two_trees_render_with_their_labels() {
        let mut p = synthfs_model::Profile::builtin_with_files("enterprise", 2000).unwrap();
        let a = super::super::collect(&synthfs_model::Tree::new(p.clone()).unwrap());
        p.seed = 9;
        let b = super::super::collect(&synthfs_model::Tree::new(p).unwrap());
        let one = render(&[Series { label: "enterprise".into(), stats: &a }]).unwrap();
        assert!(one.starts_with("<svg") && one.contains("synthfs stats: enterprise") && one.contains("extension mix"));
        let two = render(&[Series { label: "seed 1".into(), stats: &a }, Series { label: "seed 9".into(), stats: &b }])
            .unwrap();
        assert!(two.contains("seed 1 (blue bars) vs seed 9 (red line)") && two.contains("KS distance 0.0"), "alike");
        assert!(two.matches("<rect").count() > one.matches("<rect").count() / 2);
        let dir = tempfile::tempdir().unwrap();
        let e = write(&[Series { label: "x".into(), stats: &a }], &dir.path().join("p.png")).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("--plot {}: the file must end in .svg or .html", dir.path().join("p.png").display())
        );
        write(&[Series { label: "x".into(), stats: &a }], &dir.path().join("p.html")).unwrap();
        let html = std::fs::read_to_string(dir.path().join("p.html")).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg"));
    }
}
