//! Videos and disk images as the tools a user's application would use see them: `qemu-img`
//! for `.vhdx` and `.vmdk` (the virtual size the model gives, and `qemu-img check` clean),
//! `isoinfo` and `bsdtar` for `.iso`, MediaInfo (and ffprobe and ffmpeg's decoder where they
//! are installed) for `.mp4`.
//!
//! Each type at several sizes: the smallest it may have, a plain one, sparse ones past 4 GiB
//! with the enterprise profile's holes and with wider ones, and files the enterprise tree
//! really holds, and the torture tree's sparse images (exactly 4 GiB, past 4 GiB). Sparse files are written as sparse files (only their data runs), so a
//! 300 GiB image costs a few MiB of disk.

use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use synthfs_model::FileType;
use synthfs_model::content::disk::{vhdx, vmdk};
use synthfs_model::content::formats::size_bounds;
use synthfs_model::content::mp4::MIN_VIDEO;
use synthfs_model::content::{ContentSpec, Reader, SparseLayout, body_crc};

use crate::common::{all_files, builtin_tree, have, stdout};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// The files to judge for `ftype`: chosen sizes and layouts, and the enterprise tree's own
/// files of that type whose data is small enough to write.
fn specs(ftype: FileType) -> Vec<ContentSpec> {
    let plain =
        |size: u64, seed: u64| ContentSpec { ftype, size, seed, stamp: 1_650_000_000, sparse: None, attachments: 0 };
    let sparse = |size: u64, seed: u64, hole: u64| ContentSpec {
        sparse: SparseLayout::new(size, MIB, hole, MIB, 64 << 10),
        ..plain(size, seed)
    };
    let mut out = vec![
        plain(size_bounds(ftype).0, 1),
        plain(size_bounds(ftype).0 + 100_000, 5),
        plain(50 * MIB + 12_345, 2),
        // The enterprise profile's holes, past 4 GiB.
        sparse(5 * GIB + 4096, 3, 255 * MIB),
        // Holes of 4 GiB, a 300 GiB file (an odd size).
        sparse(300 * GIB + 777, 4, 4095 * MIB),
    ];
    let tree = builtin_tree("enterprise", 3000);
    let real = all_files(&tree).into_iter().filter(|a| a.ftype() == ftype && a.content.allocated() < 64 * MIB);
    out.extend(real.take(3).map(|a| a.content));
    // The torture tree's odd ones (an ISO of exactly 4 GiB, a VHDX past 4 GiB), sparse.
    let torture = all_files(&builtin_tree("torture", 400));
    out.extend(torture.into_iter().filter(|a| a.ftype() == ftype && a.content.sparse.is_some()).map(|a| a.content));
    out
}

/// Writes a file's data runs through the model's reader, leaving its holes as holes.
fn write_sparse(spec: &ContentSpec, path: &Path) {
    let f = std::fs::File::create(path).unwrap();
    f.set_len(spec.size).unwrap();
    let mut reader = Reader::new(spec);
    let mut buf = vec![0u8; MIB as usize];
    for (start, end) in spec.data_runs() {
        let mut at = start;
        while at < end {
            let n = ((end - at) as usize).min(buf.len());
            assert_eq!(reader.read_at(at, &mut buf[..n], &body_crc), n);
            f.write_all_at(&buf[..n], at).unwrap();
            at += n as u64;
        }
    }
}

/// Each spec of `ftype` written into `dir`, with its path.
fn written(ftype: FileType, dir: &Path) -> Vec<(ContentSpec, PathBuf)> {
    specs(ftype)
        .into_iter()
        .enumerate()
        .map(|(i, spec)| {
            let path = dir.join(format!("{i}-{}.{}", spec.size, ftype.ext()));
            write_sparse(&spec, &path);
            (spec, path)
        })
        .collect()
}

fn run(program: &str, args: &[&str], path: &Path) -> String {
    let o = Command::new(program).args(args).arg(path).output().unwrap();
    let said = format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{program} {args:?} {}: {said}", path.display());
    said
}

/// `qemu-img info` reports the format and the model's virtual size; `qemu-img check` finds
/// no errors.
fn qemu_img_accepts(ftype: FileType, format: &str, virtual_size: impl Fn(&ContentSpec) -> u64) {
    if !have(&["qemu-img", "--version"], "qemu-img (Debian qemu-utils)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (spec, path) in written(ftype, dir.path()) {
        let info: serde_json::Value =
            serde_json::from_str(&run("qemu-img", &["info", "--output=json"], &path)).unwrap();
        assert_eq!(info["format"], format, "{}", path.display());
        assert_eq!(info["virtual-size"].as_u64(), Some(virtual_size(&spec)), "{}", path.display());
        let check = run("qemu-img", &["check", "-f", format], &path);
        assert!(check.contains("No errors were found on the image."), "{}: {check}", path.display());
        eprintln!("{}: {format}, virtual size {}", path.display(), virtual_size(&spec));
    }
}

#[test]
fn vhdx_opens_in_qemu_img_with_the_models_virtual_size() {
    qemu_img_accepts(FileType::Vhdx, "vhdx", |s| vhdx::Layout::of(s).virtual_size);
}

#[test]
fn vmdk_opens_in_qemu_img_with_the_models_capacity() {
    qemu_img_accepts(FileType::Vmdk, "vmdk", |s| vmdk::Layout::of(s).capacity_sectors * 512);
}

#[test]
fn iso_opens_in_isoinfo_and_bsdtar() {
    if !have(&["isoinfo", "-version"], "isoinfo (Debian genisoimage)") || !have(&["bsdtar", "--version"], "bsdtar") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (spec, path) in written(FileType::Iso, dir.path()) {
        let d = run("isoinfo", &["-d", "-i"], &path);
        assert!(d.contains(&format!("Volume size is: {}\n", spec.size / 2048)), "{}: {d}", path.display());
        assert!(d.contains("Volume id: SYNTHFS_"), "{d}");
        let listing = run("isoinfo", &["-l", "-i"], &path);
        assert!(listing.contains("README.TXT;1"), "{listing}");
        let names = run("bsdtar", &["-tf"], &path);
        assert!(names.lines().any(|l| l == "README.TXT"), "{}: {names}", path.display());
        let o = Command::new("bsdtar").arg("-xOf").arg(&path).arg("README.TXT").output().unwrap();
        assert!(o.status.success() && stdout(&o).starts_with("SYNTHFS_"), "{}: {}", path.display(), stdout(&o));
    }
}

/// MediaInfo (the library behind many media and e-discovery tools) finds an AVC video with a
/// size and a duration in every `.mp4` large enough to hold one, and an MPEG-4 file (an empty
/// movie) in the smaller ones; where ffprobe and ffmpeg are installed they probe each file
/// without an error and decode every frame.
#[test]
fn mp4_probes_as_a_short_h264_video() {
    if !have(&["mediainfo", "--Version"], "mediainfo") {
        return;
    }
    let ffmpeg = Command::new("ffprobe").arg("-version").output().is_ok_and(|o| o.status.success());
    if !ffmpeg {
        eprintln!("ffprobe and ffmpeg are not installed: MediaInfo alone judges the videos");
    }
    let dir = tempfile::tempdir().unwrap();
    let mut videos = 0;
    for (spec, path) in written(FileType::Mp4, dir.path()) {
        let name = path.display();
        let general = run("mediainfo", &["--Inform=General;%Format%"], &path);
        assert_eq!(general.trim(), "MPEG-4", "{name}");
        let video = spec.size >= MIN_VIDEO;
        if video {
            let said = run("mediainfo", &["--Inform=Video;%Format%|%Width%|%Height%|%Duration%"], &path);
            let f: Vec<f64> = said.trim().split('|').skip(1).map(|v| v.parse().unwrap_or(0.0)).collect();
            assert!(said.starts_with("AVC|") && f.len() == 3, "{name}: {said}");
            assert!(f[0] >= 160.0 && f[1] >= 90.0 && f[2] > 0.0, "{name}: {said}");
            videos += 1;
        }
        if ffmpeg {
            let probe = run("ffprobe", &["-v", "error", "-show_entries", "stream=codec_name", "-of", "compact"], &path);
            assert_eq!(probe.contains("codec_name=h264"), video, "{name}: {probe}");
            if video {
                let o = Command::new("ffmpeg")
                    .args(["-v", "error", "-i"])
                    .arg(&path)
                    .args(["-f", "null", "-"])
                    .output()
                    .unwrap();
                assert!(o.status.success() && o.stderr.is_empty(), "{name}: {}", String::from_utf8_lossy(&o.stderr));
            }
        }
    }
    assert!(videos >= 4, "{videos} videos judged");
}
