//! Operating-system adapters. Each one only translates between its OS's filesystem interface
//! and the platform-neutral [`crate::fs`] layer.

#[cfg(target_os = "linux")]
pub mod busy_poll;
#[cfg(target_os = "linux")]
pub mod linux;
