//! Serving the tree to other machines' clients through a real server: `serve smb` runs Samba's
//! smbd over a private mount of the tree, configured so Windows tools see the model's owners,
//! DACLs, attributes, creation times and alternate streams.

pub mod samba_config;
pub mod smbd;

pub use samba_config::{Access, SambaConfig};
pub use smbd::{Smbd, SmbdError};
