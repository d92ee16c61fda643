//! What `archive` prints when it is done (without `--json`): the archive, then one line per
//! side file and per feature that was asked for.

use std::io::{self, Write};

use synthfs::archive::Summary;
use synthfs_model::units::{Bytes, Count};

/// Prints the summary; `target` is `--target-size`, met by the scale the summary reports.
pub fn print(summary: &Summary, target: Option<u64>) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "wrote {} ({}, {}): {} documents ({}) in {}, {} entries{}; {:.1} s, {} files/s, {}/s",
        summary.out,
        summary.kind,
        Bytes(summary.archive_bytes),
        Count(summary.documents),
        Bytes(summary.bytes_in),
        match summary.volumes {
            0 => format!("{} folders", Count(summary.folders)),
            1 => "1 volume".to_string(),
            n => format!("{n} volumes"),
        },
        Count(summary.entries),
        if summary.zip64 { ", ZIP64" } else { "" },
        summary.elapsed_seconds,
        Count(summary.files_per_second as u64),
        Bytes(summary.bytes_per_second as u64)
    )?;
    if let Some(t) = target {
        let off = (summary.archive_bytes as f64 / t as f64 - 1.0) * 100.0;
        writeln!(
            out,
            "target {} met within {off:+.2}% by scaling file sizes by {} (pass --size-scale {} to other commands for the same tree)",
            Bytes(t),
            summary.size_scale,
            summary.size_scale
        )?;
    }
    let inside = if summary.load_file_inside { " (inside the archive)" } else { "" };
    if let Some(p) = &summary.files.dat {
        writeln!(out, "load file: {p}{inside}")?;
    } else if summary.load_file_inside {
        writeln!(out, "load file: inside the archive")?;
    }
    // The side files and what the archive holds beyond documents, each where there is one.
    let files = &summary.files;
    let lines = [
        files
            .opt
            .as_ref()
            .map(|p| format!("image load file (Opticon): {p}, {} images", Count(summary.image_documents))),
        (summary.attachments > 0)
            .then(|| format!("families: {} attachments extracted from their e-mails", Count(summary.attachments))),
        (summary.pages > 0).then(|| {
            format!("page images: {} TIFF pages for {} documents", Count(summary.pages), Count(summary.image_documents))
        }),
        (summary.volumes > 0)
            .then(|| format!("production: {} volumes, load files in each volume's DATA folder", summary.volumes)),
        files.csv.as_ref().map(|p| format!("load file (CSV): {p}")),
        files.xml.as_ref().map(|p| format!("load file (EDRM XML): {p}")),
        files.manifest.as_ref().map(|p| format!("manifest: {p}")),
        match (&files.meta, &summary.sha256, &summary.md5) {
            (Some(p), Some(sha), Some(md5)) => Some(format!("meta: {p} (SHA-256 {sha}, MD5 {md5})")),
            _ => None,
        },
    ];
    for line in lines.into_iter().flatten() {
        writeln!(out, "{line}")?;
    }
    Ok(())
}
