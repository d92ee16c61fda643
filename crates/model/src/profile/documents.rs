//! Documents' names and e-mails (`[names]`, `[email]`): suffixes and prefixes of document
//! names, attachments inside `.eml` files.

use serde::{Deserialize, Serialize};

use super::defaults;

/// E-mail (`[email]`): attachments carried inside `.eml` files as MIME parts.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Email {
    /// Share of e-mails (0 to 1) that carry attachments. `archive --families` extracts them as
    /// documents of their own (PARENTID, BEGATTACH, ENDATTACH).
    #[serde(default)]
    pub attachment_rate: f64,
    /// Most attachments one e-mail carries (1 to 9); each further one is 40% as likely.
    #[serde(default = "defaults::max_attachments")]
    pub max_attachments: u8,
}

impl Default for Email {
    fn default() -> Self {
        Email { attachment_rate: 0.0, max_attachments: defaults::max_attachments() }
    }
}

impl Email {
    pub fn is_default(&self) -> bool {
        *self == Email::default()
    }
}

/// Decorations of document names (`[names]`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// Suffixes a share of names carry before the extension [default: " v2", " - draft",
    /// " (final)", "_FINAL", ...].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffixes: Option<Vec<String>>,
    /// Share of document names with a suffix.
    #[serde(default = "defaults::suffix_share")]
    pub suffix_share: f64,
    /// Share of a department's documents named with one of its `prefixes`.
    #[serde(default = "defaults::prefix_share")]
    pub prefix_share: f64,
}

impl Default for Names {
    fn default() -> Self {
        Names { suffixes: None, suffix_share: defaults::suffix_share(), prefix_share: defaults::prefix_share() }
    }
}

impl Names {
    pub fn is_default(&self) -> bool {
        *self == Names::default()
    }
}
