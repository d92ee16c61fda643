//! Archive sizes without writing: the exact length of a stored archive (headers, data, text
//! entries, a load file inside), and the file-size scale that brings it to a target.

use std::ops::ControlFlow;
use std::sync::Arc;

use rayon::prelude::*;

use synthfs_model::accounts::Roster;
use synthfs_model::units::Bytes;
use synthfs_model::{Profile, ProfileError, Tree};

use super::docs::{self, Fields, Numbers};
use super::loadfile::{opt_line, preamble_len, row_len};
use super::prepare::{WHOLE_MAX, is_image};
use super::walk::{Item, LinkItem, walk};
use super::{Compression, Format, Options, TEXT_DIR, VOLUME, data_extents, deflate, docid, tar, text, zip};

/// Why a target size cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum SizeError {
    #[error("--target-size needs --compression store: deflated sizes are known only after compressing")]
    Deflate,
    #[error(
        "target size {} is below the smallest archive this tree gives ({}, every file at its format's minimum); use fewer --files",
        Bytes(*target), Bytes(*limit)
    )]
    TooSmall { target: u64, limit: u64 },
    #[error(
        "target size {} is above the largest archive this tree gives ({}, files at sizes.max); use more --files or raise sizes.max",
        Bytes(*target), Bytes(*limit)
    )]
    TooLarge { target: u64, limit: u64 },
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

/// The exact length of the archive `opts` would write for `tree` (stored archives; for a
/// directory, the bytes of its files).
pub fn archive_len(tree: &Tree, opts: &Options) -> u64 {
    let mut batch: Vec<Item> = Vec::new();
    let mut acc = Acc::default();
    if opts.text {
        acc.add_dir(opts, TEXT_DIR);
    }
    let flush = |batch: &mut Vec<Item>, acc: &mut Acc| {
        let parts: Vec<Part> = batch.par_iter().map(|i| part(tree, opts, i)).collect();
        for (item, p) in batch.drain(..).zip(parts) {
            acc.add(opts, &item, p);
        }
    };
    walk(tree, &mut |item| {
        batch.push(item);
        if batch.len() >= 1024 {
            flush(&mut batch, &mut acc);
        }
        ControlFlow::Continue(())
    });
    flush(&mut batch, &mut acc);
    if opts.load_file && opts.load_file_inside {
        let stem = opts.out.file_stem().map_or("loadfile".into(), |s| s.to_string_lossy().into_owned());
        acc.add_file(opts, &format!("{stem}.dat"), acc.dat_len);
        if acc.opt_len > 0 {
            acc.add_file(opts, &format!("{stem}.opt"), acc.opt_len);
        }
    }
    acc.finish(opts)
}

/// The scale of file sizes (`sizes.scale`) whose archive lands closest to `target` bytes,
/// with the archive length it gives.
pub fn solve_scale(
    profile: &Profile,
    roster: Option<Arc<Roster>>,
    opts: &Options,
    target: u64,
) -> Result<(f64, u64), SizeError> {
    if opts.compression == Compression::Deflate && opts.format == Format::Zip {
        return Err(SizeError::Deflate);
    }
    let eval = |scale: f64| -> Result<u64, SizeError> {
        let mut p = profile.clone();
        p.sizes.scale = scale;
        Ok(archive_len(&Tree::with_roster(p, roster.clone())?, opts))
    };
    let close = |len: u64| (len as f64 - target as f64).abs() <= target as f64 * 0.002;
    let (mut lo, mut hi) = (profile.sizes.scale, profile.sizes.scale);
    let mut at_lo = eval(lo)?;
    if close(at_lo) {
        return Ok((lo, at_lo));
    }
    let mut at_hi = at_lo;
    // Bracket the target, factor 4 at a time, until sizes stop moving (clamped).
    while at_lo > target {
        let next = lo / 4.0;
        let len = eval(next)?;
        if len == at_lo || next < 1e-9 {
            return Err(SizeError::TooSmall { target, limit: len });
        }
        (hi, at_hi, lo, at_lo) = (lo, at_lo, next, len);
    }
    while at_hi < target {
        let next = hi * 4.0;
        let len = eval(next)?;
        if len == at_hi || next > 1e9 {
            return Err(SizeError::TooLarge { target, limit: len });
        }
        (lo, at_lo, hi, at_hi) = (hi, at_hi, next, len);
    }
    let mut best = if target - at_lo.min(target) <= at_hi.saturating_sub(target) { (lo, at_lo) } else { (hi, at_hi) };
    for _ in 0..40 {
        let mid = (lo * hi).sqrt();
        let len = eval(mid)?;
        if len.abs_diff(target) < best.1.abs_diff(target) {
            best = (mid, len);
        }
        if close(len) {
            break;
        }
        if len < target {
            (lo, at_lo) = (mid, len)
        } else {
            (hi, at_hi) = (mid, len)
        }
        let _ = (at_lo, at_hi);
    }
    Ok(best)
}

/// What one entry adds.
struct Part {
    data: u64,
    text: Option<u64>,
    dat_row: u64,
    opt_line: u64,
}

/// What a link entry at `path` names: a symbolic link its target; a hard link its first name's
/// path in tar, and in ZIP (which has no hard links) that name relative to the link's folder,
/// as a symbolic link.
pub fn link_target<'a>(link: &'a LinkItem, format: Format, path: &str) -> std::borrow::Cow<'a, str> {
    use std::borrow::Cow;
    match (link, format) {
        (LinkItem::Symbolic(t), _) => Cow::Borrowed(t),
        (LinkItem::Hard(first), Format::Zip) => Cow::Owned(relative(path, first)),
        (LinkItem::Hard(first), _) => Cow::Borrowed(first),
    }
}

/// `to` relative to the folder of `from` (both `/`-separated, from the same root).
fn relative(from: &str, to: &str) -> String {
    let from_dir: Vec<&str> = from.split('/').collect::<Vec<_>>().split_last().map_or(Vec::new(), |(_, d)| d.to_vec());
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dir.iter().zip(&to_parts).take_while(|(a, b)| a == b).count();
    let mut out: Vec<&str> = vec![".."; from_dir.len() - common];
    out.extend(&to_parts[common..]);
    out.join("/")
}

fn part(tree: &Tree, opts: &Options, item: &Item) -> Part {
    let Some(file) = &item.file else { return Part { data: 0, text: None, dat_row: 0, opt_line: 0 } };
    let a = &file.attrs;
    let size = a.size();
    let data = match (&a.content.sparse, opts.format) {
        (Some(_), Format::Tar | Format::Dir) => data_extents(&a.content).iter().map(|(_, len)| len).sum(),
        (Some(_), Format::Zip) => {
            // Data pieces are stored deflate blocks, holes deflated zeros: both lengths depend
            // only on the piece's length.
            let pieces = deflate::pieces(size, &data_extents(&a.content));
            let n = pieces.len();
            pieces
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let level = if p.data { 0 } else { opts.level };
                    deflate::framed_len(p.len, i + 1 == n, level).map_or(0, |l| l as u64)
                })
                .sum()
        }
        (None, _) => size,
    };
    let needs_head = opts.text || (opts.load_file && opts.load_file_inside);
    let (author, text) = if needs_head {
        let mut head = vec![0u8; text::SCAN.min(size as usize)];
        let n = tree.read_content(&a.content, 0, &mut head);
        head.truncate(n);
        let t = if opts.text { text::extract(a.ftype(), &head) } else { None };
        (text::author(a.ftype(), &head), t)
    } else {
        (None, None)
    };
    let id = docid(&opts.docid_prefix, file.ordinal);
    let text_len = text.map(|t| t.len() as u64);
    let (dat_row, opt_len) = if opts.load_file && opts.load_file_inside {
        let text_path = if text_len.is_some() { format!("{TEXT_DIR}/{id}.txt") } else { String::new() };
        let custodian = docs::custodian(tree, a.owner);
        let fields = Fields {
            numbers: Numbers { doc: file.ordinal, page: file.ordinal, pages: 1 },
            name: item.name().to_string(),
            ext: a.ext.to_string(),
            size,
            path: item.path.clone(),
            native_path: item.path.clone(),
            author: author.unwrap_or_else(|| custodian.clone()),
            custodian,
            created: a.created.secs,
            modified: a.modified.secs,
            md5: "0".repeat(32),
            sha1: "0".repeat(40),
            text_path,
        };
        let row = docs::row(opts, &fields, None, false);
        let opt = if is_image(a.ftype()) { opt_line(&id, VOLUME, &item.path).len() as u64 } else { 0 };
        (row_len(&row, opts.encoding, opts.style) as u64, opt)
    } else {
        (0, 0)
    };
    Part { data, text: text_len, dat_row, opt_line: opt_len }
}

#[derive(Default)]
struct Acc {
    offset: u64,
    entries: u64,
    central: u64,
    dat_len: u64,
    opt_len: u64,
    started_dat: bool,
}

impl Acc {
    fn zip_central(&mut self, name: &str, zip64: bool, offset: u64) {
        self.central += zip::central_header_len(name, zip64, offset >= u64::from(u32::MAX));
    }

    fn add_dir(&mut self, opts: &Options, path: &str) {
        self.entries += 1;
        match opts.format {
            Format::Tar => self.offset += tar::headers_len(path, true, None, 0),
            Format::Dir => {}
            Format::Zip => {
                let name = format!("{path}/");
                let at = self.offset;
                self.offset += zip::local_header_len(&name, false);
                self.zip_central(&name, false, at);
            }
        }
    }

    fn add_link(&mut self, opts: &Options, path: &str, link: &LinkItem) {
        self.entries += 1;
        match opts.format {
            Format::Tar => self.offset += tar::link_headers_len(path, link_target(link, Format::Tar, path).as_ref()),
            Format::Dir => {}
            Format::Zip => {
                let at = self.offset;
                self.offset += zip::local_header_len(path, false) + link_target(link, Format::Zip, path).len() as u64;
                self.zip_central(path, false, at);
            }
        }
    }

    /// A whole (non-streamed) stored entry.
    fn add_file(&mut self, opts: &Options, path: &str, size: u64) {
        self.entries += 1;
        match opts.format {
            Format::Tar => self.offset += tar::headers_len(path, false, None, size) + size.next_multiple_of(512),
            Format::Dir => self.offset += size,
            Format::Zip => {
                let at = self.offset;
                let zip64 = zip::needs_zip64(size);
                self.offset += zip::local_header_len(path, zip64) + size;
                self.zip_central(path, zip64, at);
            }
        }
    }

    fn add(&mut self, opts: &Options, item: &Item, p: Part) {
        if !self.started_dat && opts.load_file && opts.load_file_inside {
            self.started_dat = true;
            self.dat_len = preamble_len(opts.encoding, &opts.columns(), opts.style) as u64;
        }
        if let Some(link) = &item.link {
            return self.add_link(opts, &item.path, link);
        }
        let Some(file) = &item.file else { return self.add_dir(opts, &item.path) };
        let a = &file.attrs;
        let size = a.size();
        let streamed = a.content.sparse.is_some() || size > WHOLE_MAX;
        match opts.format {
            Format::Tar => {
                self.entries += 1;
                let runs: Option<Vec<(u64, u64)>> = a.content.sparse.map(|_| data_extents(&a.content));
                self.offset +=
                    tar::headers_len(&item.path, false, runs.as_deref(), size) + p.data.next_multiple_of(512);
            }
            Format::Zip if streamed => {
                self.entries += 1;
                let at = self.offset;
                let zip64 = zip::needs_zip64(size);
                // Deflated (sparse) entries end with a data descriptor; stored ones know their sizes.
                let descriptor = match (a.content.sparse.is_some(), zip64) {
                    (false, _) => 0,
                    (true, false) => 16,
                    (true, true) => 24,
                };
                self.offset += zip::local_header_len(&item.path, zip64) + p.data + descriptor;
                self.zip_central(&item.path, zip64, at);
            }
            Format::Zip | Format::Dir => self.add_file(opts, &item.path, size),
        }
        if let Some(t) = p.text {
            let id = docid(&opts.docid_prefix, file.ordinal);
            self.add_file(opts, &format!("{TEXT_DIR}/{id}.txt"), t);
        }
        self.dat_len += p.dat_row;
        self.opt_len += p.opt_line;
    }

    fn finish(&self, opts: &Options) -> u64 {
        match opts.format {
            Format::Tar => self.offset + tar::end_len(self.offset),
            Format::Dir => self.offset,
            Format::Zip => self.offset + self.central + zip::end_records_len(self.entries, self.offset, self.central),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{DateFormat, Encoding, run};
    use crate::counters::Counters;

    pub fn options(dir: &std::path::Path, format: Format, text: bool, inside: bool) -> Options {
        let ext = if format == Format::Zip { "zip" } else { "tar" };
        Options {
            out: dir.join(format!("a-{text}-{inside}.{ext}")),
            format,
            wrap: crate::archive::Wrap::None,
            meta: false,
            compression: Compression::Store,
            level: 6,
            load_file: true,
            csv: false,
            xml: false,
            bates: None,
            hashes: crate::archive::loadfile::Hashes::BOTH,
            style: crate::archive::loadfile::Style::default(),
            load_file_inside: inside,
            encoding: Encoding::Utf16,
            date_format: DateFormat::Us,
            docid_prefix: "X".into(),
            text,
            families: false,
            images: false,
            production: None,
            manifest: false,
            force: true,
            cancel: Default::default(),
        }
    }

    #[test]
    fn hard_links_in_zip_point_relative_to_their_folder() {
        let hard = |p: &str| LinkItem::Hard(p.to_string());
        assert_eq!(link_target(&hard("links/a.docx"), Format::Zip, "links/b.docx"), "a.docx");
        assert_eq!(link_target(&hard("links/a.docx"), Format::Zip, "links/elsewhere/c.docx"), "../a.docx");
        assert_eq!(link_target(&hard("x/y/a"), Format::Zip, "z"), "x/y/a");
        assert_eq!(link_target(&hard("x/y/a"), Format::Zip, "x/q/r/b"), "../../y/a");
        assert_eq!(link_target(&hard("links/a.docx"), Format::Tar, "links/b.docx"), "links/a.docx");
    }

    #[test]
    fn planned_length_is_the_written_length() {
        let mut p = Profile::builtin("enterprise").unwrap();
        p.set_counts(Some(200), Some(20));
        p.sizes.max = synthfs_model::profile::Size(6 << 20);
        p.sparse.hole = synthfs_model::profile::Size(3 << 20);
        let sparse = Tree::new(p.clone()).unwrap();
        p.sparse.rate = 0.0;
        let dense = Tree::new(p).unwrap();
        let dir = tempfile::tempdir().unwrap();
        for (format, tree) in [(Format::Zip, &sparse), (Format::Tar, &sparse), (Format::Zip, &dense)] {
            for (text, inside) in [(false, false), (true, true), (false, true)] {
                let opts = options(dir.path(), format, text, inside);
                let planned = archive_len(tree, &opts);
                let s = run(tree, &opts, &Counters::default()).unwrap();
                assert_eq!(planned, s.archive_bytes, "{format:?} text {text} inside {inside}");
                assert_eq!(std::fs::metadata(&opts.out).unwrap().len(), s.archive_bytes);
            }
        }
    }

    #[test]
    fn planned_length_counts_link_entries() {
        let mut p = Profile::builtin_with_files("torture", 200).unwrap();
        p.sizes.max = synthfs_model::profile::Size(1 << 20);
        let tree = Tree::new(p).unwrap();
        let dir = tempfile::tempdir().unwrap();
        for format in [Format::Zip, Format::Tar] {
            // No digests: the 9 GiB of holes in metadata/ would cost seconds to hash.
            let opts = Options {
                load_file: false,
                hashes: crate::archive::loadfile::Hashes { md5: false, sha1: false },
                ..options(dir.path(), format, false, false)
            };
            let planned = archive_len(&tree, &opts);
            let s = run(&tree, &opts, &Counters::default()).unwrap();
            assert_eq!(planned, s.archive_bytes, "{format:?}");
        }
    }
}
