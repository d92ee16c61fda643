//! Model benchmarks: file attributes per second over a full walk, decoding one random index
//! of a billion-file tree with a warm and a cold cache, the survey of files by depth that a
//! mount's first listing waits for, content reads (1 MiB, and the
//! mount's 128 KiB reads of videos and sparse disk images), and manifest records per second.
//! The README quotes these names.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use synthfs::walk::fold_dirs;
use synthfs_model::plan::DirPlan;
use synthfs_model::{Profile, Tree};

fn tree(files: u64) -> Tree {
    let mut p = Profile::builtin("enterprise").expect("built-in");
    p.set_counts(Some(files), None);
    Tree::new(p).expect("valid")
}

/// `per_dir` over every folder of a 100,000-file tree, on one thread, as `model/<name>`.
fn one_thread_walk(c: &mut Criterion, name: &str, per_dir: impl Fn(&Tree, &DirPlan) -> u64 + Sync) {
    let t = tree(100_000);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let mut g = c.benchmark_group("model");
    g.throughput(Throughput::Elements(100_000));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    g.bench_function(name, |b| {
        b.iter(|| {
            pool.install(|| {
                fold_dirs(&t, || 0u64, |acc, plan| *acc = acc.wrapping_add(per_dir(&t, plan)), u64::wrapping_add)
            })
        })
    });
    g.finish();
}

/// Attributes of every file.
fn attrs_walk(c: &mut Criterion) {
    one_thread_walk(c, "file_attrs_walk_100k_1thread", |t, plan| {
        (0..plan.files).fold(0u64, |acc, s| acc.wrapping_add(t.file_attrs_in(plan, s).content.size))
    });
}

/// Listings (unique names) of every folder: what a names-only walk through the mount
/// (`find -type f`) costs the server.
fn listings_walk(c: &mut Criterion) {
    one_thread_walk(c, "listings_walk_100k_1thread", |t, plan| t.build_listing(plan).entries.len() as u64);
}

/// One random index of a 10^9-file tree: cold (a fresh tree each time, nothing cached) and
/// warm (the same tree, paths cached).
fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("model");
    let warm = tree(1_000_000_000);
    let n = warm.node_count();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    for _ in 0..100_000 {
        black_box(warm.locate(next()));
    }
    g.bench_function("decode_1e9_warm", |b| b.iter(|| black_box(warm.locate(next()))));
    g.sample_size(20);
    g.bench_function("decode_1e9_cold", |b| {
        b.iter_batched(|| tree(1_000_000_000), |t| black_box(t.locate(next())), criterion::BatchSize::PerIteration)
    });
    g.finish();
}

/// The survey of files by depth that a tree's first sizes wait for (a mount's first listing),
/// on one thread: a fresh tree each time, at 10^5 (every file), 10^7 (1,024 sampled paths) and
/// 10^9 files (256).
fn survey(c: &mut Criterion) {
    let mut g = c.benchmark_group("model");
    g.sample_size(20);
    for (name, files) in [("survey_1e5", 100_000), ("survey_1e7", 10_000_000), ("survey_1e9", 1_000_000_000)] {
        g.bench_function(name, |b| {
            b.iter_batched(|| tree(files), |t| black_box(t.size_tilt(1).shift), criterion::BatchSize::PerIteration)
        });
    }
    g.finish();
}

/// Content generation: 1 MiB reads from a 64 MiB file of each body style.
fn content(c: &mut Criterion) {
    use synthfs_model::FileType;
    use synthfs_model::content::{ContentSpec, Reader, body_crc};
    let mut g = c.benchmark_group("content");
    g.throughput(Throughput::Bytes(1 << 20));
    let mut buf = vec![0u8; 1 << 20];
    for t in [FileType::Mp4, FileType::Txt, FileType::Pdf, FileType::Csv, FileType::Log] {
        let spec =
            ContentSpec { ftype: t, size: 64 << 20, seed: 42, stamp: 1_700_000_000, sparse: None, attachments: 0 };
        let mut off = 0u64;
        g.bench_function(format!("read_1mib_{}", t.ext()), |b| {
            b.iter(|| {
                off = (off + (1 << 20)) % (63 << 20);
                black_box(Reader::new(&spec).read_at(off, &mut buf, &body_crc))
            })
        });
    }
    g.finish();
}

/// One read as the mount serves it (128 KiB, a new reader each time) of a video and of disk
/// images sparse as the enterprise profile makes them, across the file (holes included),
/// beside a file of random bytes: what a format's framing adds to a read.
fn small_reads(c: &mut Criterion) {
    use synthfs_model::FileType;
    use synthfs_model::content::{ContentSpec, Reader, SparseLayout, body_crc};
    let mut g = c.benchmark_group("content");
    g.throughput(Throughput::Bytes(128 << 10));
    let mut buf = vec![0u8; 128 << 10];
    let mib = 1u64 << 20;
    for (t, size, sparse) in [
        (FileType::Binary, 64 * mib, false),
        (FileType::Mp4, 64 * mib, false),
        (FileType::Vhdx, 5 << 30, true),
        (FileType::Vmdk, 5 << 30, true),
        (FileType::Iso, 5 << 30, true),
    ] {
        let sparse = if sparse { SparseLayout::new(size, mib, 255 * mib, mib, 64 << 10) } else { None };
        let spec = ContentSpec { ftype: t, size, seed: 42, stamp: 1_700_000_000, sparse, attachments: 0 };
        let mut off = 0u64;
        g.bench_function(format!("read_128k_{}", t.ext()), |b| {
            b.iter(|| {
                off = (off + 7 * mib + 4096) % (size - (128 << 10));
                black_box(Reader::new(&spec).read_at(off, &mut buf, &body_crc))
            })
        });
    }
    g.finish();
}

/// Whole small files as `materialize` writes them (4 KiB, a new reader each, a new seed each):
/// what making a file's bytes costs where its envelope (the ZIP and XML of an Office file, a
/// PDF's objects, a mail's headers) is most of it.
fn small_files(c: &mut Criterion) {
    use synthfs_model::FileType;
    use synthfs_model::content::{ContentSpec, Reader, body_crc};
    let mut g = c.benchmark_group("content");
    g.throughput(Throughput::Elements(1));
    let mut buf = vec![0u8; 4096];
    for t in [FileType::Docx, FileType::Xlsx, FileType::Pdf, FileType::Txt, FileType::Csv, FileType::Eml] {
        let mut seed = 0u64;
        g.bench_function(format!("file_4k_{}", t.ext()), |b| {
            b.iter(|| {
                seed += 1;
                let spec =
                    ContentSpec { ftype: t, size: 4096, seed, stamp: 1_700_000_000, sparse: None, attachments: 0 };
                black_box(Reader::new(&spec).read_at(0, &mut buf, &body_crc))
            })
        });
    }
    g.finish();
}

/// `manifest` of a 100,000-file panzura-demo tree as JSONL, on one thread (records/s is the
/// throughput; the target is a million a second).
fn manifest(c: &mut Criterion) {
    let mut p = Profile::builtin("panzura-demo").expect("built-in");
    p.set_counts(Some(100_000), None);
    let t = Tree::new(p).expect("valid");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let mut g = c.benchmark_group("manifest");
    g.throughput(Throughput::Elements(100_000));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("jsonl_100k_1thread", |b| {
        b.iter(|| {
            pool.install(|| {
                let mut out = std::io::sink();
                let all = synthfs::materialize::shard::Shard::ALL;
                synthfs::manifest::write(&t, synthfs::manifest::Format::Jsonl, all, &mut out).expect("sink")
            })
        })
    });
    g.finish();
}

criterion_group!(benches, attrs_walk, listings_walk, decode, survey, content, small_reads, small_files, manifest);
criterion_main!(benches);
