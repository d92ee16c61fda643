//! Windows' binary and text formats, as pure encoders and decoders (no I/O): SIDs, security
//! descriptors (self-relative and SDDL), file attributes and NT times, and the xattrs Samba
//! reads them from. The tree answers with these through `Tree::security_descriptor`,
//! `Tree::windows_attributes` and `Tree::samba_xattrs`.
//!
//! References: [MS-DTYP] (SIDs 2.4.2, ACEs 2.4.4, ACLs 2.4.5, security descriptors 2.4.6,
//! SDDL 2.5.1, FILETIME 2.3.3), [MS-FSCC] 2.6 (file attributes), and Samba's
//! librpc/idl/xattr.idl.

mod decode;
pub mod descriptor;
pub mod dos_attrib;
pub mod samba;
pub mod sddl;
pub mod sid;

pub use decode::DecodeError;
pub use descriptor::{Ace, SecurityDescriptor};
pub use samba::is_samba_xattr;
pub use sddl::SddlError;
pub use sid::{Sid, SidParseError};
