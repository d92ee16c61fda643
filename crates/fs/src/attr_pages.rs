//! Attribute pages: the attributes of a folder's own files, made together with its listing.
//!
//! A listing keeps names only; a stat walk (`du`, `ls -l`, a scanner) then wants every file's
//! attributes in its `readdirplus` pages, and making them on the request path (about 2,300
//! instructions a file) kept the walker waiting for each folder's first page. The listing's
//! builder makes them anyway to name the files, so while a stat walk goes on the read-ahead
//! keeps them here and the request only copies them.

use std::sync::Arc;

use moka::sync::Cache;

use super::{Attr, file_attr};
use synthfs_model::Tree;
use synthfs_model::plan::DirPlan;
use synthfs_model::tree::IndexHasher;

/// Attributes kept at most (about 110 bytes each: some 30 MB).
const PAGE_CACHE_WEIGHT: u64 = 262_144;
/// Folders with more files than this get no page: their attributes are made per request.
const PAGE_MAX: u64 = 8_192;

/// The pages of recently listed folders.
pub struct AttrPages {
    tree: Arc<Tree>,
    pages: Cache<u64, Arc<[Attr]>, IndexHasher>,
}

impl AttrPages {
    pub fn new(tree: Arc<Tree>) -> AttrPages {
        let pages = Cache::builder()
            .max_capacity(PAGE_CACHE_WEIGHT)
            .weigher(|_, p: &Arc<[Attr]>| 1 + p.len() as u32)
            .build_with_hasher(IndexHasher);
        AttrPages { tree, pages }
    }

    /// The page of a folder, made (with its listing, if that is not cached either) when it is
    /// not kept; `None` for a folder too big for a page.
    pub fn page(&self, plan: &DirPlan) -> Option<Arc<[Attr]>> {
        if plan.files > PAGE_MAX {
            return None;
        }
        if let Some(p) = self.pages.get(&plan.index) {
            return Some(p);
        }
        Some(self.pages.get_with(plan.index, || self.make(plan)))
    }

    /// Whether a folder's page is kept now.
    pub fn cached(&self, dir: u64) -> bool {
        self.pages.contains_key(&dir)
    }

    fn make(&self, plan: &DirPlan) -> Arc<[Attr]> {
        let mut made = Vec::with_capacity(plan.files as usize);
        let listing = self.tree.listing_keeping_attrs(plan, |a| made.push(file_attr(&self.tree, &a)));
        if listing.is_none_or(|l| made.len() != l.files) {
            // The listing was built already: the attributes alone, without the names, in
            // the listing's order.
            made.clear();
            self.tree.each_file_attrs(plan, |a| made.push(file_attr(&self.tree, &a)));
        }
        made.into()
    }
}
