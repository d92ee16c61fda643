//! An MP4 file (ISO/IEC 14496-12, the ISO base media file format, with 14496-15's AVC
//! sample entry) that plays: a short H.264 video ([`h264`]) of a still grey picture.
//!
//! The file is `ftyp`, `moov` (the index, first, as "fast start" files have it), `mdat` (the
//! video's samples) and a `free` box that holds the rest of the file's size: the model's
//! body, which no sample points at. The picture size and the duration come from the file's
//! seed; a file too small for the video keeps what fits. A file too small for any video
//! (under [`MIN_VIDEO`] bytes: a valid track's boxes alone take about 600) holds an empty
//! movie: `ftyp`, a `moov` with only its header, and `free`.

mod boxes;
mod h264;

use std::sync::OnceLock;

use super::ContentSpec;
use crate::rng::Rng;
use boxes::Boxes;
use h264::Picture;

/// Seconds from 1904-01-01 (the format's epoch) to 1970-01-01.
const EPOCH_1904: i64 = 2_082_844_800;
/// Media time units a second, and per frame (25 frames a second).
const TIMESCALE: u32 = 12_800;
const FRAME_TICKS: u32 = 512;
const FPS: u32 = TIMESCALE / FRAME_TICKS;
/// The picture sizes a video is given, largest first: the seed picks one of the first
/// [`USUAL`], the smaller ones are for files too small for it.
const PICTURES: [Picture; 5] = [
    Picture { width: 1920, height: 1080 },
    Picture { width: 1280, height: 720 },
    Picture { width: 640, height: 360 },
    Picture { width: 320, height: 180 },
    Picture { width: 160, height: 90 },
];
const USUAL: usize = 3;

/// The smallest file that holds a video: one 160x90 picture.
pub const MIN_VIDEO: u64 = 739;

/// The `ftyp` box: major brand `isom`, minor version 0x200, compatible with `isom` and `mp41`.
const FTYP: &[u8] = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41";

/// The bytes before the body: `ftyp`, `moov`, `mdat` and the `free` box's header.
pub fn prefix(spec: &ContentSpec, rng: &mut Rng) -> Vec<u8> {
    let first = rng.below(USUAL as u64) as usize;
    let seconds = rng.range(2, 31) as u32;
    // The largest video that fits: the seed's picture size or smaller, then fewer frames.
    let fits = (first..PICTURES.len())
        .flat_map(|pic| [seconds * FPS, FPS, 1].map(move |frames| (pic, frames)))
        .map(|(pic, frames)| Video::new(pic, frames, spec.stamp))
        .find(|v| v.len() + 16 <= spec.size);
    let mut out = match fits {
        Some(v) => v.bytes(),
        None => {
            let mut b = Boxes::new(160);
            b.bytes(FTYP).open(b"moov");
            mvhd(&mut b, stamp_1904(spec.stamp), 0);
            b.close();
            b.out
        }
    };
    let rest = spec.size.saturating_sub(out.len() as u64);
    if rest >= 1 << 32 {
        out.extend_from_slice(&1u32.to_be_bytes());
        out.extend_from_slice(b"free");
        out.extend_from_slice(&rest.to_be_bytes());
    } else if rest >= 8 {
        out.extend_from_slice(&(rest as u32).to_be_bytes());
        out.extend_from_slice(b"free");
    }
    out
}

/// A video's `moov` and samples: the IDR picture, then P pictures that repeat it, whose
/// slices differ only in their frame number (so [`h264::FRAME_NUMS`] of them serve all).
struct Video {
    moov: Vec<u8>,
    idr: &'static [u8],
    skipped: Vec<Vec<u8>>,
    frames: u32,
}

impl Video {
    fn new(pic: usize, frames: u32, stamp: i64) -> Video {
        let p = PICTURES[pic];
        let idr = idr_sample(pic);
        let skipped: Vec<Vec<u8>> = (0..h264::FRAME_NUMS.min(frames)).map(|k| length_prefixed(&p.skipped(k))).collect();
        let size_of = |k: u32| match k {
            0 => idr.len() as u32,
            k => skipped[(k % h264::FRAME_NUMS) as usize].len() as u32,
        };
        let mut moov = moov(p, frames, size_of, stamp);
        // The chunk offset is the moov's last field (stco ends stbl, which ends each box
        // around it): the samples start after the ftyp, the moov and the mdat's header.
        let data_at = (FTYP.len() + moov.len() + 8) as u32;
        let at = moov.len() - 4;
        moov[at..].copy_from_slice(&data_at.to_be_bytes());
        Video { moov, idr, skipped, frames }
    }

    fn mdat_len(&self) -> u64 {
        let p_len = self.skipped.first().map_or(0, Vec::len) as u64;
        8 + self.idr.len() as u64 + u64::from(self.frames - 1) * p_len
    }

    /// `ftyp`, `moov` and `mdat`, in bytes.
    fn len(&self) -> u64 {
        (FTYP.len() + self.moov.len()) as u64 + self.mdat_len()
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len() as usize + 16);
        out.extend_from_slice(FTYP);
        out.extend_from_slice(&self.moov);
        out.extend_from_slice(&(self.mdat_len() as u32).to_be_bytes());
        out.extend_from_slice(b"mdat");
        out.extend_from_slice(self.idr);
        for k in 1..self.frames {
            out.extend_from_slice(&self.skipped[(k % h264::FRAME_NUMS) as usize]);
        }
        out
    }
}

/// The IDR picture's sample for picture size `pic`, made once (the largest is 8 KiB, and
/// the same for every video of that size).
fn idr_sample(pic: usize) -> &'static [u8] {
    static IDRS: [OnceLock<Vec<u8>>; PICTURES.len()] = [const { OnceLock::new() }; PICTURES.len()];
    IDRS[pic].get_or_init(|| length_prefixed(&PICTURES[pic].idr()))
}

/// A sample: the NAL unit after its 4-byte length (the avcC's `lengthSizeMinusOne` is 3).
fn length_prefixed(nal: &[u8]) -> Vec<u8> {
    let mut v = (nal.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(nal);
    v
}

/// The unity transformation matrix of `mvhd` and `tkhd`.
const MATRIX: [u32; 9] = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000];

/// The `moov` box: the movie header and one video track of `frames` samples of the sizes
/// `size_of` gives, all in one chunk (whose offset, the box's last field, the caller sets).
fn moov(p: Picture, frames: u32, size_of: impl Fn(u32) -> u32, stamp: i64) -> Vec<u8> {
    let time = stamp_1904(stamp);
    let media_duration = frames * FRAME_TICKS;
    let ms = (u64::from(media_duration) * 1000 / u64::from(TIMESCALE)) as u32;
    let mut b = Boxes::new(1024 + 4 * frames as usize);
    b.open(b"moov");
    mvhd(&mut b, time, ms);
    b.open(b"trak");
    // tkhd (§8.3.2): enabled and in the movie (flags 3), track 1, the duration, layer,
    // group and volume 0, the matrix, the picture size in 16.16.
    b.open(b"tkhd").words(&[3, time, time, 1, 0, ms, 0, 0, 0, 0]).words(&MATRIX);
    b.words(&[p.width << 16, p.height << 16]).close();
    b.open(b"mdia");
    // mdhd (§8.4.2): the media's time scale and duration, language `und`.
    b.leaf(b"mdhd", &[0, time, time, TIMESCALE, media_duration, 0x55C4_0000]);
    b.open(b"hdlr").words(&[0, 0]).bytes(b"vide").bytes(&[0; 12]).bytes(b"VideoHandler\0").close();
    b.open(b"minf").leaf(b"vmhd", &[1, 0, 0]);
    b.open(b"dinf").open(b"dref").words(&[0, 1]).leaf(b"url ", &[1]).close().close();
    b.open(b"stbl").open(b"stsd").words(&[0, 1]);
    avc1(&mut b, p);
    b.close();
    b.leaf(b"stts", &[0, 1, frames, FRAME_TICKS]).leaf(b"stss", &[0, 1, 1]).leaf(b"stsc", &[0, 1, 1, frames, 1]);
    b.open(b"stsz").words(&[0, 0, frames]);
    for k in 0..frames {
        b.words(&[size_of(k)]);
    }
    b.close().leaf(b"stco", &[0, 1, 0]);
    // stbl, minf, mdia, trak, moov.
    b.close().close().close().close().close();
    b.out
}

/// Seconds since 1904 (the format's times), as 32 bits hold them.
fn stamp_1904(stamp: i64) -> u32 {
    (stamp + EPOCH_1904).clamp(0, i64::from(u32::MAX)) as u32
}

/// The `mvhd` box (§8.2.2): version 0, times, 1000 units a second, the duration in them,
/// rate 1.0, volume 1.0, reserved, the matrix, pre-defined, the next track's ID.
fn mvhd(b: &mut Boxes, time: u32, ms: u32) {
    b.open(b"mvhd").words(&[0, time, time, 1000, ms, 0x0001_0000]).bytes(&[0x01, 0x00]).bytes(&[0; 10]);
    b.words(&MATRIX).bytes(&[0; 24]).words(&[2]).close();
}

/// The `avc1` sample entry (14496-15 §5.4.2) with its `avcC` configuration record.
fn avc1(b: &mut Boxes, p: Picture) {
    let (sps, pps) = (p.sps(), p.pps());
    // Reserved, data reference 1, pre-defined and reserved, the size, 72 dpi both ways,
    // reserved, one frame a sample, no compressor name, depth 24, pre-defined -1.
    b.open(b"avc1").bytes(&[0, 0, 0, 0, 0, 0, 0, 1]).bytes(&[0; 16]);
    b.bytes(&(p.width as u16).to_be_bytes()).bytes(&(p.height as u16).to_be_bytes());
    b.words(&[0x0048_0000, 0x0048_0000, 0]).bytes(&[0, 1]).bytes(&[0; 32]).bytes(&[0x00, 0x18, 0xFF, 0xFF]);
    // avcC: version 1, profile, compatibility, level, 4-byte lengths, one SPS, one PPS.
    b.open(b"avcC").bytes(&[1, 66, 0xC0, p.level(), 0xFF, 0xE1]);
    b.bytes(&(sps.len() as u16).to_be_bytes()).bytes(&sps).bytes(&[1]);
    b.bytes(&(pps.len() as u16).to_be_bytes()).bytes(&pps).close().close();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FileType;

    fn spec(size: u64, seed: u64) -> ContentSpec {
        ContentSpec { ftype: FileType::Mp4, size, seed, stamp: 1_650_000_000, sparse: None, attachments: 0 }
    }

    #[test]
    fn the_smallest_video_is_one_small_picture() {
        assert_eq!(MIN_VIDEO, Video::new(PICTURES.len() - 1, 1, 0).len() + 16);
    }

    #[test]
    fn boxes_add_up_to_the_file() {
        for (size, seed) in [(288u64, 1u64), (MIN_VIDEO - 1, 1), (MIN_VIDEO, 1), (5_000, 2), (2 << 20, 3), (5 << 30, 4)]
        {
            let p = prefix(&spec(size, seed), &mut Rng::from_key(seed));
            // Walk the top-level boxes: their sizes end exactly at the file's end.
            let mut at = 0u64;
            let mut kinds = Vec::new();
            while (at as usize) < p.len() {
                let b = &p[at as usize..];
                let mut len = u64::from(u32::from_be_bytes(b[..4].try_into().unwrap()));
                if len == 1 {
                    len = u64::from_be_bytes(b[8..16].try_into().unwrap());
                }
                kinds.push(String::from_utf8_lossy(&b[4..8]).to_string());
                at += len;
            }
            assert_eq!(at, size, "size {size}: {kinds:?}");
            assert_eq!(kinds[..2], ["ftyp", "moov"]);
            if size >= MIN_VIDEO {
                assert_eq!(kinds, ["ftyp", "moov", "mdat", "free"]);
            }
        }
    }
}
