//! Operating-system adapters. Each one only translates between its OS's filesystem interface
//! and the platform-neutral [`crate::fs`] layer.

#[cfg(target_os = "linux")]
pub mod busy_poll;
#[cfg(target_os = "linux")]
pub mod dir_ahead;
#[cfg(target_os = "linux")]
pub mod linux;

/// Folders a mount lists ahead of a walk that stats files, after the walker's latest listing
/// of its own, unless told (Linux: [`dir_ahead`]).
pub const DIR_AHEAD: u32 = 32;
