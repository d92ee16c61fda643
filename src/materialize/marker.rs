//! The marker at DEST's root (`.synthfs.json`): which tree this directory holds, so a rerun
//! resumes and a different tree is refused.

use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::MaterializeError;
use synthfs_model::Tree;

/// The marker's file name.
pub const MARKER: &str = ".synthfs.json";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    pub profile: String,
    /// SHA-256 of the effective profile (overrides applied) as TOML.
    pub profile_sha256: String,
    pub seed: u64,
    pub files: u64,
    pub dirs: u64,
    /// The epoch the copy holds (see `synthfs diff`).
    #[serde(default)]
    pub epoch: u64,
    /// Set while the copy is being moved on to this epoch: a crash leaves it, and the next
    /// run finishes the move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applying: Option<u64>,
    /// How far a move got: 1 once folders are renamed and deleted, files deleted and the
    /// renamed ones put under temporary names; 2 once those have their new names.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub stage: u8,
    /// Set by a run that wrote the whole tree without an error (no shard): only such a copy
    /// is moved on to another epoch by its change alone.
    #[serde(default)]
    pub complete: bool,
}

fn is_zero(v: &u8) -> bool {
    *v == 0
}

impl Marker {
    pub fn of(tree: &Tree) -> Marker {
        let p = &tree.model.profile;
        let digest = Sha256::digest(p.to_toml().as_bytes());
        Marker {
            profile: p.name.clone(),
            profile_sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
            seed: p.seed,
            files: tree.file_count(),
            dirs: tree.dir_count(),
            epoch: tree.epoch(),
            applying: None,
            stage: 0,
            complete: false,
        }
    }

    /// Whether `other` is the same tree, at whatever epoch and however far written.
    pub fn same_tree(&self, other: &Marker) -> bool {
        let bare = |m: &Marker| Marker { epoch: 0, applying: None, stage: 0, complete: false, ..m.clone() };
        bare(self) == bare(other)
    }

    /// Whether `other` is the same tree at the same epoch, no move under way: a copy this run
    /// resumes.
    pub fn same_copy(&self, other: &Marker) -> bool {
        self.same_tree(other) && self.epoch == other.epoch && other.applying.is_none()
    }
}

/// Writes `marker` into `dest` (under a temporary name, then renamed: concurrent shards never
/// see half a marker).
pub fn write(dest: &Path, marker: &Marker) -> Result<(), MaterializeError> {
    let io_err = |source| MaterializeError::Io { path: dest.into(), source };
    let tmp = dest.join(format!("{MARKER}.{}", std::process::id()));
    let text = serde_json::to_vec_pretty(marker).map_err(|e| io_err(io::Error::other(e)))?;
    std::fs::write(&tmp, text).map_err(io_err)?;
    std::fs::rename(&tmp, dest.join(MARKER)).map_err(io_err)
}

/// Reads the marker of `dest`, if any.
pub fn read(dest: &Path) -> Result<Option<Marker>, MaterializeError> {
    let path = dest.join(MARKER);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(MaterializeError::Io { path, source }),
    }
}

/// Claims `dest` for this tree: writes the marker into an empty directory, accepts one that
/// already holds this tree (returns `true`: a resume), refuses anything else unless `force`.
pub fn claim(tree: &Tree, dest: &Path, force: bool) -> Result<bool, MaterializeError> {
    let mine = Marker::of(tree);
    let io_err = |source| MaterializeError::Io { path: dest.into(), source };
    match read(dest)? {
        Some(m) if mine.same_copy(&m) => return Ok(true),
        Some(m) if !force => {
            return Err(MaterializeError::DifferentTree {
                path: dest.into(),
                found: format!("profile {}, seed {}, {} files", m.profile, m.seed, m.files),
            });
        }
        Some(_) => {}
        None => {
            let others = std::fs::read_dir(dest)
                .map_err(io_err)?
                .flatten()
                .any(|e| !e.file_name().to_string_lossy().starts_with(".synthfs"));
            if others && !force {
                return Err(MaterializeError::NotEmpty(dest.into()));
            }
        }
    }
    write(dest, &mine)?;
    Ok(force)
}
