//! The model: `(profile, seed)` to a whole enterprise file tree, computed on demand.
//!
//! Pure and deterministic: no I/O, no clocks, no shared randomness. Every front end asks the
//! same questions of [`Tree`] (a node by index, a directory's entries, a file's attributes and
//! bytes) and gets the same answers on every machine, with any thread count.
//!
//! ```
//! use synthfs_model::{Profile, Tree};
//! let mut profile = Profile::builtin("enterprise").unwrap();
//! profile.set_counts(Some(1000), Some(100));
//! let tree = Tree::new(profile).unwrap();
//! assert_eq!(tree.file_count(), 1000);
//! let root = tree.listing(0).unwrap();
//! assert!(root.entries.iter().any(|e| &*e.name == "Finance"));
//! ```

pub mod accounts;
pub mod acl;
pub mod attrs;
pub mod buckets;
pub mod classes;
pub mod content;
pub mod date;
pub mod decimal;
pub mod depth_sizes;
pub mod epoch;
pub mod fanout;
pub mod filetype;
pub mod heavy;
pub mod identity;
pub mod layout;
pub mod names;
pub mod ntacl;
pub mod plan;
pub mod profile;
pub mod recent;
pub mod rng;
pub mod sizing;
pub mod torture;
pub mod tree;
pub mod units;
pub mod windows;
pub mod words;
pub mod workers;
pub mod zip_records;

pub use attrs::{DirAttrs, FileAttrs, Role, Timestamp};
pub use content::ContentSpec;
pub use filetype::FileType;
pub use profile::{Profile, ProfileError};
pub use tree::{Entry, Listing, Location, NodeKind, Tree};
pub use workers::{OnCallerThread, Workers};

use std::sync::Arc;

use accounts::{Accounts, Roster};
use date::Date;
use identity::Directory;

/// The profile with the tables the model reads on every file, resolved once.
#[derive(Debug)]
pub struct Model {
    pub profile: Profile,
    pub seed: u64,
    /// The synthetic cast: home folder names and owner slots come from it.
    pub identities: Directory,
    /// Who fills each owner slot (the identity source's accounts); swapped whole when a
    /// long-running mount refreshes them.
    accounts: arc_swap::ArcSwap<Accounts>,
    /// What `accounts` was resolved from, kept to rebuild the model with other sizes.
    pub roster: Option<Arc<Roster>>,
    pub as_of: Date,
    /// Unix seconds: the oldest allowed time and the last second of `as_of`.
    pub range: (i64, i64),
    mixes: Vec<Mix>,
    /// The global size law.
    pub law: sizing::SizeLaw,
    /// Per type: whether it may be written sparse.
    sparse_types: Vec<bool>,
    pub files: u64,
    pub dirs: u64,
    /// File classes' draws (`[classes]`), if the profile has them.
    pub classes: Option<classes::ClassTables>,
}

#[derive(Debug)]
struct Mix {
    name: String,
    /// Extensions and their weights (above zero), as the profile gives them.
    weights: Vec<(&'static str, u64)>,
    /// How sizes choose among the types: made on the first draw from the mix, with the sizes
    /// each type's format allows (a few hundred rounds of scaling each, and every type's
    /// framings sampled, so a tree does not wait at start-up for mixes it draws later or
    /// never).
    coupling: std::sync::OnceLock<sizing::Coupling>,
}

impl Mix {
    fn new(name: String, weights: Vec<(&'static str, u64)>) -> Mix {
        Mix { name, weights, coupling: std::sync::OnceLock::new() }
    }
}

impl Model {
    /// The model with synthetic owners, or with `roster`'s accounts when given. A profile
    /// whose `identities.source` is not `synthetic` needs its roster (see `synthfs::identity`).
    pub fn new(profile: Profile, roster: Option<Arc<Roster>>) -> Result<Model, ProfileError> {
        profile.validate()?;
        let cast = Directory::build(&profile);
        let accounts = match &roster {
            Some(r) => Accounts::resolve(r, &cast, &profile),
            None if profile.identities.source == "synthetic" => {
                Accounts::resolve(&Roster::synthetic(&cast, &profile), &cast, &profile)
            }
            None => {
                return Err(ProfileError::Invalid {
                    key: "identities.source".into(),
                    message: format!("`{}` must be loaded before the tree is built", profile.identities.source),
                });
            }
        }
        .map_err(|e| ProfileError::Invalid { key: "identities.source".into(), message: e.to_string() })?;
        let as_of = profile.as_of_date();
        let (first, last) = profile.date_range();
        let (lo, hi) = (first.unix(), last.unix() + date::DAY - 1);
        let law = sizing::SizeLaw::new(&profile.sizes);
        let mut mixes: Vec<Mix> = profile
            .mix
            .iter()
            .map(|(name, weights)| {
                let weights = weights
                    .iter()
                    .filter(|(_, w)| **w > 0)
                    .map(|(ext, w)| (filetype::intern(ext), u64::from(*w)))
                    .collect();
                Mix::new(name.clone(), weights)
            })
            .collect();
        if !mixes.iter().any(|m| m.name == "default") {
            mixes.push(Mix::new("default".into(), vec![("docx", 30), ("xlsx", 20), ("pdf", 35), ("txt", 15)]));
        }
        let mut sparse_types = vec![false; FileType::ALL.len()];
        for ext in &profile.sparse.types {
            if let Some(t) = FileType::from_ext(ext) {
                sparse_types[t.ordinal()] = true;
            }
        }
        Ok(Model {
            seed: profile.seed,
            identities: cast,
            accounts: arc_swap::ArcSwap::from_pointee(accounts),
            roster,
            as_of,
            range: (lo, hi),
            mixes,
            law,
            sparse_types,
            files: profile.files,
            dirs: profile.dir_count(),
            classes: classes::ClassTables::new(&profile.classes),
            profile,
        })
    }

    /// The accounts that fill the owner slots now.
    pub fn accounts(&self) -> arc_swap::Guard<Arc<Accounts>> {
        self.accounts.load()
    }

    /// Replaces the accounts with a fresh read of the identity source (names, sizes and bytes
    /// never depend on them, so nothing else changes).
    pub fn refresh_accounts(&self, roster: &Roster) -> Result<(), accounts::AccountsError> {
        let fresh = Accounts::resolve(roster, &self.identities, &self.profile)?;
        self.accounts.store(Arc::new(fresh));
        Ok(())
    }

    /// The index of a named extension mix, falling back to `default`.
    pub fn mix_index(&self, name: &str) -> u16 {
        let find = |n: &str| self.mixes.iter().position(|m| m.name == n);
        find(name).or_else(|| find("default")).unwrap_or(0) as u16
    }

    /// The index of a named extension mix, if the profile has one by that name.
    pub fn find_mix(&self, name: &str) -> Option<u16> {
        self.mixes.iter().position(|m| m.name == name).map(|i| i as u16)
    }

    pub fn mix_name(&self, index: u16) -> &str {
        self.mixes.get(index as usize).map(|m| m.name.as_str()).unwrap_or("default")
    }

    /// Draws a file's type, the extension it carries and its size from a folder's mix (see
    /// [`sizing`]), the size tilted for the file's depth: `core` chooses, `size_rng` sizes.
    pub fn draw_type_and_size(
        &self,
        mix: u16,
        tilt: depth_sizes::Tilt<'_>,
        core: &mut rng::Rng,
        size_rng: &mut rng::Rng,
    ) -> (FileType, &'static str, u64) {
        let m = &self.mixes[(mix as usize).min(self.mixes.len() - 1)];
        let coupling = self.coupling(m);
        let (i, x) = coupling.draw(&self.law, tilt, core, size_rng);
        let (ftype, ext) = match i.and_then(|i| coupling.types.get(i)) {
            Some(t) => (t.ftype, t.ext),
            None => sizing::FALLBACK,
        };
        (ftype, ext, self.clamp_size(ftype, x))
    }

    /// How a mix draws its types and sizes, made on its first draw.
    fn coupling<'a>(&self, m: &'a Mix) -> &'a sizing::Coupling {
        m.coupling.get_or_init(|| {
            let lognormal = |ts: &profile::TypeSize| (libm::log(ts.median.0.max(1) as f64), ts.sigma.max(0.05));
            let sizes = &self.profile.sizes;
            let types = m
                .weights
                .iter()
                .map(|&(ext, weight)| {
                    let ftype = FileType::for_ext(ext);
                    sizing::MixType {
                        ftype,
                        ext,
                        weight,
                        prefer: sizes.prefer.get(ext).map(lognormal),
                        own: sizes.by_ext.get(ext).map(lognormal),
                        bounds: self.size_bounds(ftype),
                    }
                })
                .collect();
            sizing::Coupling::new(types, &self.law)
        })
    }

    /// The (smallest, largest) size a type's format allows (computed on first use).
    pub fn size_bounds(&self, ftype: FileType) -> (u64, u64) {
        content::formats::size_bounds(ftype)
    }

    /// The longest prefix and trailer a type's format has (computed on first use).
    pub fn frame_bounds(&self, ftype: FileType) -> (u64, u64) {
        content::formats::frame_bounds(ftype)
    }

    /// A drawn size made whole and brought within the format's bounds and `sizes.max`.
    pub fn clamp_size(&self, ftype: FileType, x: f64) -> u64 {
        let (lo, hi) = self.size_bounds(ftype);
        let x = if x.is_finite() { x.round().clamp(0.0, 1.8e19) as u64 } else { u64::MAX };
        x.clamp(lo, hi.min(self.profile.sizes.max.0).max(lo))
    }

    /// The first year that year folders may name.
    pub fn range_start_year(&self) -> i32 {
        Date::of_unix(self.range.0).year + 1
    }

    pub fn is_sparse_type(&self, t: FileType) -> bool {
        self.sparse_types[t.ordinal()]
    }
}
