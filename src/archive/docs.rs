//! Documents as a review platform counts them: control numbers and Bates page numbers handed
//! out in archive order (an e-mail, then its attachments when families are extracted), the
//! image keys of their pages, and each document's load-file record.

use std::ops::ControlFlow;

use synthfs_model::Tree;
use synthfs_model::content::ContentSpec;
use synthfs_model::content::formats::{Attachment, attachments};

use super::walk::walk;
use super::{Options, docid, tiff};

/// The numbers a document takes, as ordinals from 0: its control number (DOCID) and its first
/// page (Bates), with how many pages it has (one unless imaged).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Numbers {
    pub doc: u64,
    pub page: u64,
    pub pages: u32,
}

impl Numbers {
    /// The ordinal of the last page.
    pub fn last_page(&self) -> u64 {
        self.page + u64::from(self.pages.max(1)) - 1
    }
}

/// Hands out numbers in archive order.
#[derive(Default)]
pub struct Numberer {
    next_doc: u64,
    next_page: u64,
}

impl Numberer {
    /// The numbers of a file and, with families, of its attachments (in order).
    pub fn family(&mut self, opts: &Options, spec: &ContentSpec) -> (Numbers, Vec<(Attachment, Numbers)>) {
        let parent = self.next(opts, spec);
        let children = if opts.families {
            attachments(spec).into_iter().map(|a| (self.next(opts, &a.spec), a)).map(|(n, a)| (a, n)).collect()
        } else {
            Vec::new()
        };
        (parent, children)
    }

    fn next(&mut self, opts: &Options, spec: &ContentSpec) -> Numbers {
        let pages = if opts.images { tiff::page_count(spec.ftype, spec.size) } else { 1 };
        let n = Numbers { doc: self.next_doc, page: self.next_page, pages };
        self.next_doc += 1;
        self.next_page += u64::from(pages);
        n
    }

    /// Page numbers handed out so far.
    pub fn pages(&self) -> u64 {
        self.next_page
    }
}

/// How many Bates numbers a run takes (every page of every document, attachments included).
pub fn bates_needed(tree: &Tree, opts: &Options) -> u64 {
    if !opts.images && !opts.families {
        return tree.file_count();
    }
    let mut numberer = Numberer::default();
    walk(tree, &mut |item| {
        if let Some(f) = &item.file {
            numberer.family(opts, &f.attrs.content);
        }
        ControlFlow::Continue(())
    });
    numberer.pages()
}

/// The custodian of a document: its owner's display name (empty for someone who left).
pub fn custodian(tree: &Tree, owner: u32) -> String {
    tree.model.accounts().account(owner).map_or_else(String::new, |u| u.display.clone())
}

/// The control number of a document.
pub fn control(opts: &Options, n: Numbers) -> String {
    docid(&opts.docid_prefix, n.doc)
}

/// The number a page is known by: its Bates number, else the control number (and for later
/// pages `_0002`, `_0003`, ...). Stamped on the page and used as its Opticon image key.
pub fn page_key(opts: &Options, n: Numbers, page: u32) -> String {
    match &opts.bates {
        Some(b) => b.number(n.page + u64::from(page)),
        None if page == 0 => control(opts, n),
        None => format!("{}_{:04}", control(opts, n), page + 1),
    }
}

/// Every page's key, in order.
pub fn page_keys(opts: &Options, n: Numbers) -> Vec<String> {
    (0..n.pages.max(1)).map(|p| page_key(opts, n, p)).collect()
}

/// The number a family range is given in: Bates numbers when there are any, else control numbers.
fn range_start(opts: &Options, n: Numbers) -> String {
    match &opts.bates {
        Some(b) => b.number(n.page),
        None => control(opts, n),
    }
}

fn range_end(opts: &Options, n: Numbers) -> String {
    match &opts.bates {
        Some(b) => b.number(n.last_page()),
        None => control(opts, n),
    }
}

/// A family: an e-mail and its attachments.
#[derive(Clone, Debug)]
pub struct Family {
    /// BEGATTACH and ENDATTACH: the first number of the e-mail, the last of its last attachment.
    pub begin: String,
    pub end: String,
    pub parent_id: String,
    pub attachments: usize,
}

impl Family {
    pub fn new(opts: &Options, parent: Numbers, last: Numbers, attachments: usize) -> Family {
        Family {
            begin: range_start(opts, parent),
            end: range_end(opts, last),
            parent_id: control(opts, parent),
            attachments,
        }
    }
}

/// Everything a document's load-file record says.
#[derive(Clone, Debug, Default)]
pub struct Fields {
    pub numbers: Numbers,
    pub name: String,
    pub ext: String,
    pub size: u64,
    /// Where the document was found (an attachment: its e-mail's path).
    pub path: String,
    /// Where the production put its native.
    pub native_path: String,
    pub custodian: String,
    pub author: String,
    pub created: i64,
    pub modified: i64,
    pub md5: String,
    pub sha1: String,
    pub text_path: String,
}

/// A document's record, in [`Options::columns`] order. `family` is the document's family (none
/// for a document without attachments); `is_attachment` marks the family's children.
pub fn row(opts: &Options, f: &Fields, family: Option<&Family>, is_attachment: bool) -> Vec<String> {
    let date = |secs: i64| super::loadfile::format_date(secs, opts.date_format);
    opts.columns()
        .into_iter()
        .map(|c| match c {
            "DOCID" => control(opts, f.numbers),
            "BEGDOC" => range_start(opts, f.numbers),
            "ENDDOC" => range_end(opts, f.numbers),
            "BEGATTACH" => family.map_or_else(String::new, |x| x.begin.clone()),
            "ENDATTACH" => family.map_or_else(String::new, |x| x.end.clone()),
            "PARENTID" => family.filter(|_| is_attachment).map_or_else(String::new, |x| x.parent_id.clone()),
            "ATTACHCOUNT" => match (family, is_attachment) {
                (_, true) => String::new(),
                (Some(x), false) => x.attachments.to_string(),
                (None, false) => "0".into(),
            },
            "FILENAME" => f.name.clone(),
            "FILEEXT" => f.ext.clone(),
            "FILESIZE" => f.size.to_string(),
            "PGCOUNT" => f.numbers.pages.max(1).to_string(),
            "FILEPATH" => f.path.clone(),
            "NATIVEPATH" => f.native_path.clone(),
            "CUSTODIAN" => f.custodian.clone(),
            "AUTHOR" => f.author.clone(),
            "DATECREATED" => date(f.created),
            "DATELASTMOD" => date(f.modified),
            "MD5HASH" => f.md5.clone(),
            "SHA1HASH" => f.sha1.clone(),
            "TEXTPATH" => f.text_path.clone(),
            _ => String::new(),
        })
        .collect()
}
