//! The `synthfs` binary: parses the command line, runs the command, and turns errors into one
//! clear line and an exit code.

mod cli;
mod config;
mod demo;
mod exit_codes;
mod progress;
mod stats_command;

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;

use clap::Parser;
use synthfs_model::Profile;
use synthfs_model::profile::builtin_names;

use cli::{ArchiveArgs, Cli, Command, MaterializeArgs, MountArgs, ProfileCommand, VerifyArgs};
use config::BadInput;
use exit_codes::ExitCode;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli) {
        Ok(()) => ExitCode::Success.into(),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::Success.into();
            }
            let code = if e.downcast_ref::<BadInput>().is_some() {
                ExitCode::BadInput
            } else if matches!(
                e.downcast_ref::<synthfs::archive::ArchiveError>(),
                Some(synthfs::archive::ArchiveError::Interrupted)
            ) {
                ExitCode::Interrupted
            } else {
                ExitCode::Failure
            };
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            match hint(&e) {
                Some(h) => eprintln!("synthfs: error: {}; {h}", chain.join(": ")),
                None => eprintln!("synthfs: error: {}", chain.join(": ")),
            }
            code.into()
        }
    }
}

/// Logs go to stderr through `tracing`; `RUST_LOG` chooses the level (default: warnings).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}

/// What to do about the OS errors users cause most.
fn hint(e: &anyhow::Error) -> Option<&'static str> {
    let io = e.chain().find_map(|c| c.downcast_ref::<std::io::Error>())?;
    match io.kind() {
        std::io::ErrorKind::PermissionDenied => {
            Some("check the destination's owner and mode, or run as a user who may write there")
        }
        std::io::ErrorKind::StorageFull => Some("free space there or choose a bigger target"),
        std::io::ErrorKind::ReadOnlyFilesystem => Some("choose a writable target or remount it read-write"),
        _ => None,
    }
}

/// `synthfs stats | head` closes the pipe early: that is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Stats(args) => stats_command::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Mount(args) => run_mount(args),
        Command::Materialize(args) => run_materialize(args),
        Command::Verify(args) => run_verify(args),
        Command::Manifest(args) => run_manifest(args),
        Command::Report(args) => run_report(args),
        Command::Archive(args) => run_archive(args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "synthfs", &mut std::io::stdout().lock());
            Ok(())
        }
        Command::Man { command } => {
            use clap::CommandFactory;
            let top = Cli::command();
            let page = match command {
                None => top,
                Some(name) => {
                    let names: Vec<String> = top.get_subcommands().map(|c| c.get_name().to_string()).collect();
                    let sub = top.find_subcommand(&name).cloned().ok_or_else(|| {
                        BadInput(format!("no command {name:?}; the commands are {}", names.join(", ")))
                    })?;
                    let version = top.get_version().unwrap_or_default().to_string();
                    sub.name(format!("synthfs-{name}")).version(version)
                }
            };
            clap_mangen::Man::new(page).render(&mut std::io::stdout().lock())?;
            Ok(())
        }
        Command::Profile(ProfileCommand::List) => {
            let mut out = std::io::stdout().lock();
            for name in builtin_names() {
                let p = Profile::builtin(name).ok_or_else(|| anyhow::anyhow!("built-in profile {name} is missing"))?;
                writeln!(out, "{name:<12} {} files, {} dirs: {}", p.files, p.dir_count(), p.description)?;
            }
            Ok(())
        }
        Command::Profile(ProfileCommand::Fit { dir, files, name, seed, as_of }) => {
            stats_command::fit(&dir, files, name, seed, as_of.as_deref())
        }
        Command::Profile(ProfileCommand::Show { profile }) => {
            let text = match Profile::builtin_text(&profile) {
                Some(t) => t.to_string(),
                None => synthfs::profile_file::load(&profile).map_err(|e| BadInput(e.to_string()))?.to_toml(),
            };
            std::io::stdout().lock().write_all(text.as_bytes())?;
            Ok(())
        }
    }
}

#[cfg(target_os = "linux")]
fn run_mount(args: MountArgs) -> anyhow::Result<()> {
    use std::sync::Arc;
    use synthfs_fuse::{Ended, MountSettings};
    use synthfs_model::units::Count;

    let tree = Arc::new(config::resolve_tree(&args.tree)?);
    let refresh = tree.model.profile.identities.refresh;
    let ttl = (refresh > 0).then(|| std::time::Duration::from_secs(refresh));
    let settings = MountSettings {
        threads: args.threads,
        allow_other: args.allow_other,
        options: args.options.clone(),
        ttl,
        busy_poll: Some(std::time::Duration::from_millis(args.busy_poll)),
        file_ahead: Some(args.file_ahead),
        dir_ahead: Some(args.dir_ahead),
    };
    let started = std::time::Instant::now();
    let mounted = synthfs_fuse::mount(tree.clone(), &args.mountpoint, &settings).map_err(config::lift)?;
    if refresh > 0 {
        refresh_identities(tree.clone(), refresh)?;
    }
    let took = started.elapsed();
    let p = &tree.model.profile;
    println!(
        "mounted on {} in {:.1} ms: {} files in {} folders (profile {}, seed {}); Ctrl-C or `umount {}` to stop",
        mounted.mountpoint.display(),
        took.as_secs_f64() * 1000.0,
        Count(tree.file_count()),
        Count(tree.dir_count()),
        p.name,
        p.seed,
        mounted.mountpoint.display()
    );
    std::io::stdout().flush()?;
    match mounted.serve_until_signal().map_err(config::lift)? {
        Ended::Signal(sig) => tracing::info!(signal = sig, "unmounted after a signal"),
        Ended::Unmounted => tracing::info!("unmounted from outside"),
    }
    Ok(())
}

/// Re-reads the identity source every `secs` seconds in the background while the mount serves;
/// a failed read keeps the accounts it has.
#[cfg(target_os = "linux")]
fn refresh_identities(tree: Arc<synthfs_model::Tree>, secs: u64) -> anyhow::Result<()> {
    std::thread::Builder::new()
        .name("synthfs-identities".into())
        .spawn(move || {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(secs));
                let ids = &tree.model.profile.identities;
                match synthfs::identity::load(ids) {
                    Ok(Some(roster)) => match tree.model.refresh_accounts(&roster) {
                        Ok(()) => tracing::info!(people = roster.people.len(), "identities refreshed"),
                        Err(e) => tracing::warn!("identities not refreshed: {e}"),
                    },
                    Ok(None) => return,
                    Err(e) => tracing::warn!("identities not refreshed, keeping the last ones: {e}"),
                }
            }
        })
        .context("cannot start the identity refresh")?;
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn run_mount(_args: MountArgs) -> anyhow::Result<()> {
    Err(BadInput("mount is available on Linux only for now".into()).into())
}

/// The work ran but did not fully succeed (exit code 1), after its report was printed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Incomplete(String);

fn run_materialize(args: MaterializeArgs) -> anyhow::Result<()> {
    use std::sync::Arc;
    use synthfs::materialize::{self, Counters, Options, Shard};
    use synthfs_model::units::{Bytes, Count};

    config::set_threads(args.threads)?;
    let tree = config::resolve_tree(&args.tree)?;
    let shard = match &args.shard {
        Some(s) => Shard::parse(s).map_err(|e| BadInput(e.to_string()))?,
        None => Shard::ALL,
    };
    let opts = Options {
        dest: args.dest.clone(),
        shard,
        owners: !args.no_owners,
        times: !args.no_times,
        xattrs: !args.no_xattrs,
        dry_run: args.dry_run,
        check_content: args.check_content,
        force: args.force,
    };
    let (lo, hi) = shard.range(tree.file_count());
    let counters = Arc::new(Counters::default());
    let reporter = progress::Reporter::start(counters.clone(), hi - lo);
    let result = materialize::run(&tree, &opts, &counters);
    reporter.finish();
    let summary = result.map_err(config::lift)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        config::print_json(&summary)?;
    } else {
        let verb = if summary.dry_run { "would write" } else { "wrote" };
        writeln!(
            out,
            "{verb} {} files ({}) and {} folders into {} (shard {}); {} already complete; {} errors; {:.1} s, {} files/s, {}/s",
            Count(summary.files_written),
            Bytes(summary.bytes_written),
            Count(summary.dirs),
            summary.dest,
            summary.shard,
            Count(summary.files_skipped),
            Count(summary.errors),
            summary.elapsed_seconds,
            Count(summary.files_per_second as u64),
            Bytes(summary.bytes_per_second as u64)
        )?;
        if summary.temp_removed > 0 {
            writeln!(out, "removed {} temporary files left by an interrupted run", Count(summary.temp_removed))?;
        }
        if summary.xattrs_unsupported > 0 {
            writeln!(
                out,
                "the destination does not support extended attributes ({} files without them)",
                Count(summary.xattrs_unsupported)
            )?;
        }
        for e in &summary.first_errors {
            writeln!(out, "  error: {e}")?;
        }
    }
    if summary.errors > 0 {
        return Err(Incomplete(format!("{} files or folders could not be written", summary.errors)).into());
    }
    Ok(())
}

fn run_archive(args: ArchiveArgs) -> anyhow::Result<()> {
    use std::sync::Arc;
    use synthfs::archive::{self, Kind, Options, Wrap};
    use synthfs::materialize::Counters;
    use synthfs_model::Tree;
    use synthfs_model::units::{Bytes, Count};

    config::set_threads(args.threads)?;
    let Some(kind) = args.format.or_else(|| Kind::from_path(&args.out)) else {
        return Err(BadInput(format!(
            "cannot tell the format of {}: name it .zip, .tar, .tar.gz or .tar.zst (or DIR/ with --production), or pass --format zip|tar|tar.gz|tar.zst|dir",
            args.out.display()
        ))
        .into());
    };
    let (format, wrap) = kind.parts();
    if format == archive::Format::Dir && !args.production {
        return Err(BadInput(
            "a directory output is a production: add --production (to copy the tree itself, use synthfs materialize)"
                .into(),
        )
        .into());
    }
    if wrap != Wrap::None && args.compression != archive::Compression::Store {
        return Err(BadInput(
            "--compression applies to ZIP entries; a tar.gz or tar.zst compresses the whole stream (set --level)"
                .into(),
        )
        .into());
    }
    if args.target_size.is_some() && (args.families || args.images || args.production) {
        return Err(BadInput(
            "--target-size plans plain archives: it cannot be combined with --families, --images or --production"
                .into(),
        )
        .into());
    }
    if args.production && args.load_file_inside {
        return Err(BadInput(
            "--production puts every volume's load files in its DATA folder; drop --load-file-inside".into(),
        )
        .into());
    }
    if wrap != Wrap::None && args.target_size.is_some() {
        return Err(BadInput(
            "--target-size needs a stored archive (zip or tar): a compressed stream's size is known only after compressing".into(),
        )
        .into());
    }
    let dir = match args.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(BadInput(format!("{} is not a directory", dir.display())).into());
    }
    let formats = &args.load_file;
    if formats.contains(&cli::LoadFile::None) && formats.len() > 1 {
        return Err(BadInput("--load-file none cannot be combined with other load files".into()).into());
    }
    if args.load_file_inside && (formats.contains(&cli::LoadFile::Csv) || formats.contains(&cli::LoadFile::Xml)) {
        return Err(BadInput(
            "--load-file-inside puts the DAT and OPT in the archive; CSV and XML load files are written beside it"
                .into(),
        )
        .into());
    }
    let delimiter =
        |flag: &str, spec: &str| archive::loadfile::parse_delimiter(spec).map_err(|e| BadInput(format!("{flag} {e}")));
    let style = archive::loadfile::Style {
        separator: delimiter("--dat-separator", &args.dat_separator)?,
        quote: delimiter("--dat-quote", &args.dat_quote)?,
        newline: delimiter("--dat-newline", &args.dat_newline)?,
        crlf: args.eol == cli::Eol::Crlf,
        bom: !args.no_bom,
    };
    if style.separator == style.quote || [style.separator, style.quote].iter().any(|c| matches!(c, '\r' | '\n')) {
        return Err(BadInput(
            "--dat-separator and --dat-quote must differ from each other and from line breaks".into(),
        )
        .into());
    }
    // `prod/` names the directory `prod`.
    let out = std::path::PathBuf::from(args.out.as_os_str().to_string_lossy().trim_end_matches('/'));
    let opts = Options {
        out,
        format,
        wrap,
        compression: args.compression,
        level: args.level,
        load_file: args.load_file.contains(&cli::LoadFile::Dat),
        csv: args.load_file.contains(&cli::LoadFile::Csv),
        xml: args.load_file.contains(&cli::LoadFile::Xml),
        hashes: archive::loadfile::Hashes {
            md5: args.hash_columns.contains(&cli::HashColumn::Md5),
            sha1: args.hash_columns.contains(&cli::HashColumn::Sha1),
        },
        style,
        bates: args.bates_prefix.clone().map(|prefix| archive::loadfile::Bates {
            prefix,
            start: args.bates_start,
            digits: args.bates_digits,
        }),
        load_file_inside: args.load_file_inside,
        encoding: args.encoding,
        date_format: args.date_format,
        docid_prefix: args.docid_prefix.clone(),
        text: args.text,
        families: args.families,
        images: args.images,
        production: args.production.then(|| archive::Production {
            volume_size: args.volume_size,
            folder_docs: args.folder_docs,
            volume_prefix: args.volume_prefix.clone(),
        }),
        manifest: args.manifest == cli::Manifest::Sha256,
        // A directory has no archive file to describe.
        meta: args.meta == cli::Meta::Json && format != archive::Format::Dir,
        force: args.force,
        cancel: cancel_on_signal()?,
    };
    let mut profile = config::resolve_profile(&args.tree)?;
    let roster = config::load_identities(&profile)?;
    if let Some(target) = args.target_size {
        let (scale, len) =
            archive::size::solve_scale(&profile, roster.clone(), &opts, target).map_err(|e| BadInput(e.to_string()))?;
        tracing::info!(scale, planned = len, "file sizes scaled to meet the target");
        if len.abs_diff(target) as f64 > target as f64 * 0.01 {
            return Err(BadInput(format!(
                "cannot land within 1% of {}: the closest this tree gives is {} (archives grow in steps: headers, tar records); change --files or the target",
                Bytes(target),
                Bytes(len)
            ))
            .into());
        }
        profile.sizes.scale = scale;
    }
    let tree = Tree::with_roster(profile, roster).map_err(|e| BadInput(e.to_string()))?;
    if let Some(b) = &opts.bates {
        let needed = archive::docs::bates_needed(&tree, &opts);
        if !b.fits(needed) {
            let what = if opts.images { "pages" } else { "documents" };
            return Err(BadInput(format!(
                "{needed} {what} do not fit in {} Bates digits from {}: raise --bates-digits",
                b.digits, b.start
            ))
            .into());
        }
    }
    if opts.md5() || opts.sha1() || opts.manifest {
        warn_if_hashing_is_long(&tree);
    }
    let counters = Arc::new(Counters::default());
    let reporter = progress::Reporter::start(counters.clone(), tree.file_count());
    let result = archive::run(&tree, &opts, &counters);
    reporter.finish();
    let summary = result.map_err(config::lift)?;
    if args.json {
        return config::print_json(&summary);
    }
    let mut out = std::io::stdout().lock();
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
    if let Some(t) = args.target_size {
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
    if let Some(p) = &summary.files.opt {
        writeln!(out, "image load file (Opticon): {p}, {} images", Count(summary.image_documents))?;
    }
    if summary.attachments > 0 {
        writeln!(out, "families: {} attachments extracted from their e-mails", Count(summary.attachments))?;
    }
    if summary.pages > 0 {
        writeln!(
            out,
            "page images: {} TIFF pages for {} documents",
            Count(summary.pages),
            Count(summary.image_documents)
        )?;
    }
    if summary.volumes > 0 {
        writeln!(out, "production: {} volumes, load files in each volume's DATA folder", summary.volumes)?;
    }
    if let Some(p) = &summary.files.csv {
        writeln!(out, "load file (CSV): {p}")?;
    }
    if let Some(p) = &summary.files.xml {
        writeln!(out, "load file (EDRM XML): {p}")?;
    }
    if let Some(p) = &summary.files.manifest {
        writeln!(out, "manifest: {p}")?;
    }
    if let (Some(p), Some(sha), Some(md5)) = (&summary.files.meta, &summary.sha256, &summary.md5) {
        writeln!(out, "meta: {p} (SHA-256 {sha}, MD5 {md5})")?;
    }
    Ok(())
}

fn run_report(args: cli::ReportArgs) -> anyhow::Result<()> {
    config::set_threads(args.threads)?;
    if args.dormant_years == 0 || args.dormant_years > 100 {
        return Err(BadInput(format!("--dormant-years {}: expected 1 to 100", args.dormant_years)).into());
    }
    let profile = config::resolve_profile(&args.tree)?;
    let roster = config::load_identities(&profile)?;
    let tree = synthfs_model::Tree::with_roster(profile, roster).map_err(|e| BadInput(e.to_string()))?;
    let report = synthfs::report::collect(&tree, args.dormant_years);
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", synthfs::report::render(&report))?;
    }
    Ok(())
}

fn run_manifest(args: cli::ManifestArgs) -> anyhow::Result<()> {
    use synthfs::materialize::shard::Shard;
    use synthfs_model::units::{Bytes, Count};
    config::set_threads(args.threads)?;
    let shard = match &args.shard {
        Some(s) => Shard::parse(s).map_err(|e| BadInput(e.to_string()))?,
        None => Shard::ALL,
    };
    let profile = config::resolve_profile(&args.tree)?;
    let roster = config::load_identities(&profile)?;
    let tree = synthfs_model::Tree::with_roster(profile, roster).map_err(|e| BadInput(e.to_string()))?;
    let started = std::time::Instant::now();
    match &args.output {
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout());
            synthfs::manifest::write(&tree, args.format, shard, &mut out)?;
        }
        Some(path) => {
            let file =
                std::fs::File::create(path).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            let w = synthfs::manifest::write(&tree, args.format, shard, &mut out)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            let secs = started.elapsed().as_secs_f64();
            println!(
                "wrote {} records ({}) to {} in {secs:.1} s, {} records/s",
                Count(w.records),
                Bytes(w.bytes),
                path.display(),
                Count((w.records as f64 / secs.max(1e-9)) as u64)
            );
        }
    }
    Ok(())
}

/// A flag that Ctrl-C, SIGTERM or SIGHUP sets (instead of killing the process), so a long run
/// can stop cleanly.
fn cancel_on_signal() -> anyhow::Result<Arc<std::sync::atomic::AtomicBool>> {
    let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
    #[cfg(target_os = "linux")]
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        signal_hook::flag::register(sig, flag.clone()).context("cannot watch for signals")?;
    }
    Ok(flag)
}

/// The load file and the manifest hash every byte of every file, sparse holes included: say so
/// before a run that would spend hours on it.
fn warn_if_hashing_is_long(tree: &synthfs_model::Tree) {
    use synthfs_model::units::Bytes;
    /// Rough rate of MD5 + SHA-1 + SHA-256 over zeros on two cores.
    const HASH_BYTES_PER_SEC: f64 = 0.6e9;
    let (apparent, allocated) = synthfs_fs::totals::of(tree);
    let hours = apparent as f64 / HASH_BYTES_PER_SEC / 3600.0;
    if hours >= 0.25 {
        eprintln!(
            "synthfs: warning: the load file and manifest hash every byte: {} here ({} of it data, the rest sparse holes), about {hours:.1} h; --load-file none --manifest none skips the hashing",
            Bytes(apparent),
            Bytes(allocated)
        );
    }
}

fn run_verify(args: VerifyArgs) -> anyhow::Result<()> {
    use synthfs::verify::{self, Options};
    use synthfs_model::units::Count;

    config::set_threads(args.threads)?;
    let tree = config::resolve_tree(&args.tree)?;
    let is_root = synthfs::materialize::is_root();
    let opts = Options {
        dest: args.dest.clone(),
        content: args.content,
        owners: !args.no_owners && is_root,
        times: !args.no_times,
        whole_seconds: args.whole_seconds,
    };
    let report = verify::run(&tree, &opts).map_err(|e| BadInput(e.to_string()))?;
    let mut out = std::io::stdout().lock();
    if args.json {
        config::print_json(&report)?;
    } else {
        for p in &report.first_problems {
            writeln!(out, "{p}")?;
        }
        writeln!(
            out,
            "{}: {} files and {} folders checked{}; {} missing, {} extra, {} different ({:.1} s)",
            if report.ok { "OK" } else { "MISMATCH" },
            Count(report.files_checked),
            Count(report.dirs_checked),
            if args.content { ", content included" } else { "" },
            Count(report.missing),
            Count(report.extra),
            Count(report.different),
            report.elapsed_seconds
        )?;
    }
    if !report.ok {
        return Err(Incomplete(format!(
            "{} does not match the model ({} missing, {} extra, {} different)",
            report.dest, report.missing, report.extra, report.different
        ))
        .into());
    }
    Ok(())
}
