//! SMB2 requests as synthfs sends them, and compound chains: one file's create, writes,
//! security descriptor, attributes and times, and close go out in one frame and come back in
//! one round trip ([MS-SMB2] 3.2.4.1.4). Every request after the first is related: it acts on
//! the handle the chain's CREATE opened (or on the handle the first request names).

use smb2::client::connection::{CompoundOp, Connection};
use smb2::msg::close::CloseRequest;
use smb2::msg::create::{CreateDisposition, CreateRequest, CreateResponse, ImpersonationLevel, ShareAccess};
use smb2::msg::ioctl::{IoctlRequest, SMB2_0_IOCTL_IS_FSCTL};
use smb2::msg::query_directory::{FileInformationClass, QueryDirectoryFlags, QueryDirectoryRequest};
use smb2::msg::query_info::{InfoType, QueryInfoRequest, QueryInfoResponse};
use smb2::msg::read::{ReadRequest, ReadResponse, SMB2_CHANNEL_NONE};
use smb2::msg::set_info::SetInfoRequest;
use smb2::msg::write::WriteRequest;
use smb2::pack::{Pack, ReadCursor, Unpack};
use smb2::types::flags::FileAccessMask;
use smb2::types::status::NtStatus;
use smb2::types::{Command, CreditCharge, FileId, OplockLevel, TreeId};

use super::SmbError;

/// [MS-SMB2] CreateOptions.
pub const FILE_DIRECTORY_FILE: u32 = 0x0000_0001;
pub const FILE_NON_DIRECTORY_FILE: u32 = 0x0000_0040;
/// [MS-FSCC] 2.3.64: mark a file sparse, so unwritten ranges stay holes.
pub const FSCTL_SET_SPARSE: u32 = 0x0009_00C4;
/// [MS-FSCC] 2.3.46: the ranges of a file that hold data.
pub const FSCTL_QUERY_ALLOCATED_RANGES: u32 = 0x0009_40CF;
/// [MS-DTYP] 2.4.7 SECURITY_INFORMATION.
pub const OWNER_SECURITY_INFORMATION: u32 = 0x1;
pub const GROUP_SECURITY_INFORMATION: u32 = 0x2;
pub const DACL_SECURITY_INFORMATION: u32 = 0x4;
/// [MS-FSCC] 2.4 information classes.
const FILE_BASIC_INFORMATION: u8 = 4;
const FILE_END_OF_FILE_INFORMATION: u8 = 20;
const FILE_DISPOSITION_INFORMATION: u8 = 13;
pub const FILE_STREAM_INFORMATION: u8 = 22;
/// FileRenameInformation's class for SET_INFO.
const FILE_RENAME_INFORMATION: u8 = 10;
/// NTSTATUS values the callers tell apart.
pub const STATUS_INVALID_OWNER: NtStatus = NtStatus(0xC000_005A);
pub const STATUS_PRIVILEGE_NOT_HELD: NtStatus = NtStatus(0xC000_0061);
/// Bytes of one WRITE or READ in a chain of many; the server's own limit may be lower.
pub const IO_CHUNK: usize = 1 << 20;

/// One request of a chain.
pub enum Req {
    Create(CreateRequest),
    Write(WriteRequest),
    SetInfo(SetInfoRequest),
    Ioctl(IoctlRequest),
    QueryInfo(QueryInfoRequest),
    QueryDirectory(QueryDirectoryRequest),
    Read(ReadRequest),
    Close(CloseRequest),
}

impl Req {
    fn command(&self) -> Command {
        match self {
            Req::Create(_) => Command::Create,
            Req::Write(_) => Command::Write,
            Req::SetInfo(_) => Command::SetInfo,
            Req::Ioctl(_) => Command::Ioctl,
            Req::QueryInfo(_) => Command::QueryInfo,
            Req::QueryDirectory(_) => Command::QueryDirectory,
            Req::Read(_) => Command::Read,
            Req::Close(_) => Command::Close,
        }
    }

    fn body(&self) -> &dyn Pack {
        match self {
            Req::Create(r) => r,
            Req::Write(r) => r,
            Req::SetInfo(r) => r,
            Req::Ioctl(r) => r,
            Req::QueryInfo(r) => r,
            Req::QueryDirectory(r) => r,
            Req::Read(r) => r,
            Req::Close(r) => r,
        }
    }

    /// Credits: one per 64 KiB of payload ([MS-SMB2] 3.1.5.2).
    fn charge(&self) -> u16 {
        let bytes = match self {
            Req::Write(w) => w.data.len(),
            Req::Read(r) => r.length as usize,
            Req::QueryDirectory(q) => q.output_buffer_length as usize,
            _ => 0,
        };
        bytes.div_ceil(65536).max(1) as u16
    }

    /// The name of the request, for an error.
    pub fn what(&self) -> &'static str {
        match self {
            Req::Create(_) => "create",
            Req::Write(_) => "write",
            Req::SetInfo(s) if s.info_type as u8 == InfoType::Security as u8 => "set security descriptor",
            Req::SetInfo(_) => "set information",
            Req::Ioctl(_) => "fsctl",
            Req::QueryInfo(_) => "query information",
            Req::QueryDirectory(_) => "list folder",
            Req::Read(_) => "read",
            Req::Close(_) => "close",
        }
    }
}

/// One reply of a chain: its status and body.
pub struct Reply {
    pub status: NtStatus,
    pub body: Vec<u8>,
}

/// What to open and how.
pub struct Open<'a> {
    pub name: &'a str,
    pub access: u32,
    pub disposition: CreateDisposition,
    pub directory: bool,
    /// Attributes of a file the CREATE makes (0: the server's default).
    pub attributes: u32,
}

/// Access for writing a file or folder and all its metadata.
pub const WRITE_ALL: u32 = FileAccessMask::FILE_WRITE_DATA
    | FileAccessMask::FILE_WRITE_ATTRIBUTES
    | FileAccessMask::WRITE_DAC
    | FileAccessMask::WRITE_OWNER
    | FileAccessMask::READ_CONTROL
    | FileAccessMask::SYNCHRONIZE;
/// Access for setting a file's or folder's metadata only.
pub const WRITE_META: u32 = FileAccessMask::FILE_WRITE_ATTRIBUTES
    | FileAccessMask::WRITE_DAC
    | FileAccessMask::WRITE_OWNER
    | FileAccessMask::READ_CONTROL
    | FileAccessMask::SYNCHRONIZE;
/// Access for reading a file's bytes, attributes and descriptor.
pub const READ_ALL: u32 = FileAccessMask::FILE_READ_DATA
    | FileAccessMask::FILE_READ_ATTRIBUTES
    | FileAccessMask::READ_CONTROL
    | FileAccessMask::SYNCHRONIZE;

pub fn create(o: Open<'_>) -> Req {
    Req::Create(CreateRequest {
        requested_oplock_level: OplockLevel::None,
        impersonation_level: ImpersonationLevel::Impersonation,
        desired_access: FileAccessMask::new(o.access),
        file_attributes: o.attributes,
        share_access: ShareAccess(
            ShareAccess::FILE_SHARE_READ | ShareAccess::FILE_SHARE_WRITE | ShareAccess::FILE_SHARE_DELETE,
        ),
        create_disposition: o.disposition,
        create_options: if o.directory { FILE_DIRECTORY_FILE } else { FILE_NON_DIRECTORY_FILE },
        name: o.name.to_string(),
        create_contexts: Vec::new(),
    })
}

/// Opens an existing file (not a folder) with `access`.
pub fn open_file(name: &str, access: u32) -> Req {
    create(Open { name, access, disposition: CreateDisposition::FileOpen, directory: false, attributes: 0 })
}

pub fn write(file: FileId, offset: u64, data: Vec<u8>) -> Req {
    Req::Write(WriteRequest {
        // The header (64) and the WRITE's fixed part (48).
        data_offset: 0x70,
        offset,
        file_id: file,
        channel: 0,
        remaining_bytes: 0,
        write_channel_info_offset: 0,
        write_channel_info_length: 0,
        flags: 0,
        data,
    })
}

pub fn read(file: FileId, offset: u64, length: u32) -> Req {
    Req::Read(ReadRequest {
        padding: 0x50,
        flags: 0,
        length,
        offset,
        file_id: file,
        minimum_count: 0,
        channel: SMB2_CHANNEL_NONE,
        remaining_bytes: 0,
        read_channel_info: Vec::new(),
    })
}

pub fn set_sparse(file: FileId) -> Req {
    fsctl(file, FSCTL_SET_SPARSE, Vec::new(), 0)
}

/// The allocated ranges of `[offset, offset + len)`: (offset, length) pairs, 16 bytes each.
pub fn query_allocated_ranges(file: FileId, offset: u64, len: u64, max_ranges: u32) -> Req {
    let mut input = Vec::with_capacity(16);
    input.extend_from_slice(&offset.to_le_bytes());
    input.extend_from_slice(&len.to_le_bytes());
    fsctl(file, FSCTL_QUERY_ALLOCATED_RANGES, input, max_ranges * 16)
}

fn fsctl(file: FileId, ctl_code: u32, input_data: Vec<u8>, max_output_response: u32) -> Req {
    Req::Ioctl(IoctlRequest {
        ctl_code,
        file_id: file,
        max_input_response: 0,
        max_output_response,
        flags: SMB2_0_IOCTL_IS_FSCTL,
        input_data,
    })
}

/// Sets the parts of a self-relative descriptor that `info` names
/// ([`OWNER_SECURITY_INFORMATION`] and friends).
pub fn set_security(file: FileId, descriptor: Vec<u8>, info: u32) -> Req {
    Req::SetInfo(SetInfoRequest {
        info_type: InfoType::Security,
        file_info_class: 0,
        additional_information: info,
        file_id: file,
        buffer: descriptor,
    })
}

/// FileBasicInformation: the creation, access and write times (100 ns ticks since 1601, 0:
/// leave as is) and the attributes (0: leave as is).
pub fn set_basic(file: FileId, created: u64, accessed: u64, written: u64, attributes: u32) -> Req {
    let mut buffer = Vec::with_capacity(40);
    for t in [created, accessed, written, 0] {
        buffer.extend_from_slice(&t.to_le_bytes());
    }
    buffer.extend_from_slice(&attributes.to_le_bytes());
    buffer.extend_from_slice(&0u32.to_le_bytes());
    set_file_info(file, FILE_BASIC_INFORMATION, buffer)
}

/// FileRenameInformation (MS-FSCC 2.4.37.2, the SMB2 form): renames the open file or folder to
/// `to`, a path from the share's root; refused if the name is taken.
pub fn set_rename(file: FileId, to: &str) -> Req {
    let name: Vec<u8> = to.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut buffer = Vec::with_capacity(20 + name.len());
    // ReplaceIfExists, 7 reserved bytes, RootDirectory (none), the name's length and the name.
    buffer.extend_from_slice(&[0; 8]);
    buffer.extend_from_slice(&0u64.to_le_bytes());
    buffer.extend_from_slice(&(name.len() as u32).to_le_bytes());
    buffer.extend_from_slice(&name);
    set_file_info(file, FILE_RENAME_INFORMATION, buffer)
}

/// Deletes the file when its handle closes.
pub fn set_delete_on_close(file: FileId) -> Req {
    set_file_info(file, FILE_DISPOSITION_INFORMATION, vec![1])
}

pub fn set_end_of_file(file: FileId, size: u64) -> Req {
    set_file_info(file, FILE_END_OF_FILE_INFORMATION, size.to_le_bytes().to_vec())
}

fn set_file_info(file: FileId, class: u8, buffer: Vec<u8>) -> Req {
    Req::SetInfo(SetInfoRequest {
        info_type: InfoType::File,
        file_info_class: class,
        additional_information: 0,
        file_id: file,
        buffer,
    })
}

pub fn query_security(file: FileId, info: u32) -> Req {
    query(file, InfoType::Security, 0, info, 64 * 1024)
}

pub fn query_file_info(file: FileId, class: u8) -> Req {
    query(file, InfoType::File, class, 0, 64 * 1024)
}

fn query(file: FileId, info_type: InfoType, class: u8, info: u32, len: u32) -> Req {
    Req::QueryInfo(QueryInfoRequest {
        info_type,
        file_info_class: class,
        output_buffer_length: len,
        additional_information: info,
        flags: 0,
        file_id: file,
        input_buffer: Vec::new(),
    })
}

pub fn query_directory(file: FileId, restart: bool) -> Req {
    Req::QueryDirectory(QueryDirectoryRequest {
        file_information_class: FileInformationClass::FileIdBothDirectoryInformation,
        flags: QueryDirectoryFlags(if restart { QueryDirectoryFlags::RESTART_SCANS } else { 0 }),
        file_index: 0,
        file_id: file,
        output_buffer_length: 256 * 1024,
        file_name: "*".into(),
    })
}

pub fn close(file: FileId) -> Req {
    Req::Close(CloseRequest { flags: 0, file_id: file })
}

/// Sends `reqs` as one compound and returns every reply. A transport failure (the connection
/// gone, a timeout) is an error; statuses are in the replies.
pub async fn send(conn: &Connection, tree: TreeId, reqs: &[Req]) -> Result<Vec<Reply>, SmbError> {
    let ops: Vec<CompoundOp<'_>> = reqs
        .iter()
        .map(|r| CompoundOp {
            command: r.command(),
            body: r.body(),
            tree_id: Some(tree),
            credit_charge: CreditCharge(r.charge()),
        })
        .collect();
    let frames = conn.execute_compound(&ops).await.map_err(SmbError::transport)?;
    frames
        .into_iter()
        .map(|f| f.map(|f| Reply { status: f.header.status, body: f.body }).map_err(SmbError::transport))
        .collect()
}

/// Sends a chain that opens a handle (`reqs[0]` a CREATE) and ends with its CLOSE. When a
/// request fails the server fails the related ones after it, the CLOSE too: then the handle is
/// closed on its own, and the first failure is the error.
pub async fn send_chain(conn: &Connection, tree: TreeId, reqs: &[Req]) -> Result<Vec<Reply>, SmbError> {
    let replies = send(conn, tree, reqs).await?;
    let Some(failed) = replies.iter().position(|r| !r.status.is_success()) else { return Ok(replies) };
    if failed > 0 {
        if let Some(id) = created_file_id(&replies[0]) {
            let _ = send(conn, tree, &[close(id)]).await;
        }
    }
    Err(SmbError::Status { what: reqs[failed].what(), status: replies[failed].status })
}

/// The handle a successful CREATE reply opened.
pub fn created_file_id(reply: &Reply) -> Option<FileId> {
    if !reply.status.is_success() {
        return None;
    }
    CreateResponse::unpack(&mut ReadCursor::new(&reply.body)).ok().map(|r| r.file_id)
}

/// The CREATE reply: whether the name was there before (`FileOpened`, `FileOverwritten`).
pub fn create_response(reply: &Reply) -> Result<CreateResponse, SmbError> {
    CreateResponse::unpack(&mut ReadCursor::new(&reply.body)).map_err(SmbError::transport)
}

pub fn read_data(reply: &Reply) -> Result<Vec<u8>, SmbError> {
    ReadResponse::unpack(&mut ReadCursor::new(&reply.body)).map(|r| r.data).map_err(SmbError::transport)
}

pub fn query_output(reply: &Reply) -> Result<Vec<u8>, SmbError> {
    QueryInfoResponse::unpack(&mut ReadCursor::new(&reply.body)).map(|r| r.output_buffer).map_err(SmbError::transport)
}

pub fn ioctl_output(reply: &Reply) -> Result<Vec<u8>, SmbError> {
    smb2::msg::ioctl::IoctlResponse::unpack(&mut ReadCursor::new(&reply.body))
        .map(|r| r.output_data)
        .map_err(SmbError::transport)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_information_is_forty_bytes_in_order() {
        let Req::SetInfo(s) = set_basic(FileId::SENTINEL, 1, 2, 3, 0x21) else { panic!() };
        assert_eq!(s.file_info_class, FILE_BASIC_INFORMATION);
        assert_eq!(s.buffer.len(), 40);
        assert_eq!(&s.buffer[..8], &1u64.to_le_bytes());
        assert_eq!(&s.buffer[16..24], &3u64.to_le_bytes());
        assert_eq!(&s.buffer[24..32], &[0; 8], "the change time is left to the server");
        assert_eq!(&s.buffer[32..36], &0x21u32.to_le_bytes());
    }

    #[test]
    fn large_payloads_charge_a_credit_per_64k() {
        assert_eq!(write(FileId::SENTINEL, 0, vec![0; 10]).charge(), 1);
        assert_eq!(write(FileId::SENTINEL, 0, vec![0; 65537]).charge(), 2);
        assert_eq!(read(FileId::SENTINEL, 0, 1 << 20).charge(), 16);
    }
}
