//! Profiles named on the command line: a built-in name, or a TOML file to read.

use std::path::Path;

use synthfs_model::Profile;
use synthfs_model::profile::{ProfileError, builtin_names};

/// Loads `spec`: a built-in name, or a path to a TOML file.
pub fn load(spec: &str) -> Result<Profile, ProfileError> {
    if let Some(p) = Profile::builtin(spec) {
        return Ok(p);
    }
    from_file(Path::new(spec))
}

/// Reads and validates a profile file.
pub fn from_file(path: &Path) -> Result<Profile, ProfileError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ProfileError::NotFound { path: shown.clone(), builtins: builtin_names().join(", ") }
        } else {
            ProfileError::Io { path: shown.clone(), source }
        }
    })?;
    Profile::from_toml(&text, &shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_not_found() {
        let err = load("/nonexistent/profile.toml").unwrap_err();
        assert!(matches!(err, ProfileError::NotFound { .. }), "{err}");
        assert_eq!(load("enterprise").unwrap().name, "enterprise");
    }
}
