//! The archive stream as the writer sees it: the sink, how many bytes went into it, and the
//! ZIP central directory, spooled to a temporary file until the last entry is written.

use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};
use std::path::Path;

use super::super::sink::Sink;
use super::super::zip::{self, CentralEntry};

/// The archive stream and where it stands.
pub(super) struct ArchiveStream {
    pub(super) out: Sink,
    /// Bytes of the archive stream (before any whole-stream compression).
    pub(super) offset: u64,
    /// Headers are built here, then emitted (one buffer for the whole run).
    pub(super) header: Vec<u8>,
}

impl ArchiveStream {
    pub(super) fn new(out: Sink) -> ArchiveStream {
        ArchiveStream { out, offset: 0, header: Vec::with_capacity(1024) }
    }

    pub(super) fn emit(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// Emits the header built in `header`, and empties it.
    pub(super) fn emit_header(&mut self) -> io::Result<()> {
        let r = self.out.write_all(&self.header);
        if r.is_ok() {
            self.offset += self.header.len() as u64;
        }
        self.header.clear();
        r
    }
}

/// The ZIP central directory: a record per entry, spooled to a temporary file (none for tar and
/// folder outputs), and whether the archive needs ZIP64.
pub(super) struct CentralDirectory {
    spool: Option<BufWriter<File>>,
    /// Bytes of the records so far.
    len: u64,
    pub(super) zip64: bool,
    record: Vec<u8>,
}

impl CentralDirectory {
    pub(super) fn new(spool: Option<BufWriter<File>>) -> CentralDirectory {
        CentralDirectory { spool, len: 0, zip64: false, record: Vec::with_capacity(256) }
    }

    /// Records an entry once it is written.
    pub(super) fn add(&mut self, e: CentralEntry) -> io::Result<()> {
        self.zip64 |= e.zip64 || e.offset >= u64::from(u32::MAX);
        zip::central_header(&e, &mut self.record);
        if let Some(c) = &mut self.spool {
            c.write_all(&self.record)?;
        }
        self.len += self.record.len() as u64;
        self.record.clear();
        Ok(())
    }

    /// Ends a ZIP: the spooled records (the spool at `spool_path` is then removed), then the
    /// end records for `entries` entries.
    pub(super) fn append_to(&mut self, stream: &mut ArchiveStream, spool_path: &Path, entries: u64) -> io::Result<()> {
        let cd_offset = stream.offset;
        if let Some(c) = self.spool.take() {
            let mut f = c.into_inner().map_err(|e| e.into_error())?;
            f.rewind()?;
            let n = io::copy(&mut f, &mut stream.out)?;
            stream.offset += n;
            drop(f);
            std::fs::remove_file(spool_path)?;
        }
        let mut end = Vec::new();
        zip::end_records(entries, cd_offset, self.len, &mut end);
        self.zip64 |= end.len() > 22;
        stream.emit(&end)
    }
}
