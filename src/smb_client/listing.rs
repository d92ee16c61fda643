//! A folder's entries over SMB (QUERY_DIRECTORY, FileIdBothDirectoryInformation): names,
//! sizes, times and attributes in a few round trips, as a rerun and `verify` read them.

use smb2::msg::create::CreateDisposition;
use smb2::msg::directory_info::{DirectoryInfoEntry, parse_entries};
use smb2::msg::query_directory::{FileInformationClass, QueryDirectoryResponse};
use smb2::pack::{ReadCursor, Unpack};
use smb2::types::FileId;
use smb2::types::flags::FileAccessMask;
use smb2::types::status::NtStatus;

use super::wire::{self, Open, Reply};
use super::{Share, SmbError};

/// Every entry of folder `path` (`""`: the share's root), without `.` and `..`.
pub async fn list_folder(share: &Share, path: &str) -> Result<Vec<DirectoryInfoEntry>, SmbError> {
    share
        .on_one_connection(|conn, tree, _| async move {
            let first = [
                wire::create(Open {
                    name: path,
                    access: FileAccessMask::FILE_READ_DATA
                        | FileAccessMask::FILE_READ_ATTRIBUTES
                        | FileAccessMask::SYNCHRONIZE,
                    disposition: CreateDisposition::FileOpen,
                    directory: true,
                    attributes: 0,
                }),
                wire::query_directory(FileId::SENTINEL, true),
            ];
            let replies = wire::send(&conn, tree, &first).await?;
            let id = wire::created_file_id(&replies[0])
                .ok_or(SmbError::Status { what: "open folder", status: replies[0].status })?;
            let mut entries = Vec::new();
            let mut reply = replies.into_iter().nth(1);
            let result = loop {
                let Some(r) = reply.take() else { break Ok(()) };
                match entries_of(&r) {
                    Ok(None) => break Ok(()),
                    Ok(Some(batch)) => entries.extend(batch),
                    Err(e) => break Err(e),
                }
                match wire::send(&conn, tree, &[wire::query_directory(id, false)]).await {
                    Ok(mut next) => reply = next.pop(),
                    Err(e) => break Err(e),
                }
            };
            let _ = wire::send(&conn, tree, &[wire::close(id)]).await;
            result.map(|()| entries)
        })
        .await
}

/// The entries of one QUERY_DIRECTORY reply; `None` when there are no more.
fn entries_of(r: &Reply) -> Result<Option<Vec<DirectoryInfoEntry>>, SmbError> {
    if r.status == NtStatus::NO_MORE_FILES {
        return Ok(None);
    }
    if !r.status.is_success() {
        return Err(SmbError::Status { what: "list folder", status: r.status });
    }
    let body = QueryDirectoryResponse::unpack(&mut ReadCursor::new(&r.body)).map_err(SmbError::transport)?;
    let all = parse_entries(FileInformationClass::FileIdBothDirectoryInformation, &body.output_buffer)
        .map_err(SmbError::transport)?;
    Ok(Some(all.into_iter().filter(|e| e.file_name != "." && e.file_name != "..").collect()))
}
