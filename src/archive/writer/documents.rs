//! A document's records: its extracted text and page images as entries, its rows in the load
//! files and lines in the Opticon file, then the same for each of its attachments (families).

use std::io;
use std::sync::atomic::Ordering;

use super::super::EntryMeta;
use super::super::docs::{self, Family, Fields};
use super::super::loadfile::{XmlDocument, page_line};
use super::super::prepare::{Blob, Hashes, Prepared, PreparedAttachment, Renditions, hex, is_image};
use super::Writer;
use super::production::Placed;

impl Writer<'_> {
    /// A document's extracted text, page images and load-file records, then its attachments'.
    pub(super) fn family(&mut self, p: Prepared, placed: Placed, h: Hashes) -> io::Result<()> {
        let Prepared { item, numbers, renditions, attachments, .. } = p;
        let Renditions { author, text, image } = renditions;
        let Some(file) = &item.file else { return Ok(()) };
        let a = &file.attrs;
        let custodian = docs::custodian(self.tree, a.owner);
        let family = match (attachments.last(), self.opts.families) {
            (Some(last), true) => Some(Family::new(self.opts, numbers, last.numbers, attachments.len())),
            _ => None,
        };
        // What a document and its attachments fill alike.
        let fields_of = |numbers,
                         name: String,
                         ext: &str,
                         size,
                         (created, modified),
                         h: &Hashes,
                         author: Option<String>,
                         placed: &Placed| Fields {
            numbers,
            name,
            ext: ext.to_string(),
            size,
            path: item.path.clone(),
            native_path: placed.native_link.clone(),
            author: author.unwrap_or_else(|| custodian.clone()),
            custodian: custodian.clone(),
            created,
            modified,
            md5: h.md5.map(|m| hex(&m)).unwrap_or_default(),
            sha1: h.sha1.map(|s| hex(&s)).unwrap_or_default(),
            text_path: String::new(),
        };
        let mut meta = item.meta.clone();
        meta.mode = 0o644;
        meta.hidden = false;
        let times = (a.created.secs, a.modified.secs);
        let fields = fields_of(numbers, item.name().to_string(), a.ext, a.size(), times, &h, author, &placed);
        let image_doc = is_image(a.ftype());
        let document = Document { fields, placed: &placed, meta: &meta, text, image, image_doc, is_attachment: false };
        self.document(document, family.as_ref())?;
        let parent_id = docs::control(self.opts, numbers);
        for att in attachments {
            let PreparedAttachment { attachment, numbers, blob, digests, renditions } = att;
            let Renditions { author, text, image } = renditions;
            let ext = attachment.spec.ftype.ext();
            let placed = self.place(numbers, &item.path, ext, Some((&parent_id, &attachment.name)));
            let mut meta = meta.clone();
            meta.modified = attachment.spec.stamp;
            meta.accessed = attachment.spec.stamp;
            self.side_entry(&placed.native, &meta, &blob)?;
            self.counts.attachments += 1;
            let (size, stamp) = (attachment.spec.size, attachment.spec.stamp);
            let fields =
                fields_of(numbers, attachment.name.clone(), ext, size, (stamp, stamp), &digests, author, &placed);
            let image_doc = is_image(attachment.spec.ftype);
            let document =
                Document { fields, placed: &placed, meta: &meta, text, image, image_doc, is_attachment: true };
            self.document(document, family.as_ref())?;
            if let (Some(loads), Some(f)) = (&mut self.sides.loads, &family) {
                if let Some((x, _)) = &mut loads.xml {
                    x.attachment(&f.parent_id, &docs::control(self.opts, numbers));
                }
            }
        }
        Ok(())
    }

    /// One document's text and image entries and its load-file records; `family` is its
    /// family, if it has one.
    fn document(&mut self, document: Document, family: Option<&Family>) -> io::Result<()> {
        let Document { mut fields, placed, meta, text, image, image_doc, is_attachment } = document;
        self.counts.documents += 1;
        self.counts.bytes_in += fields.size;
        self.counters.files_written.fetch_add(1, Ordering::Relaxed);
        self.counters.bytes_written.fetch_add(fields.size, Ordering::Relaxed);
        if let Some(blob) = text {
            self.side_entry(&placed.text, meta, &blob)?;
            self.counts.text_files += 1;
            fields.text_path = placed.text_link.clone();
        }
        let imaged = image.is_some();
        if let Some(blob) = image {
            self.side_entry(&placed.image, meta, &blob)?;
            self.counts.pages += u64::from(fields.numbers.pages);
        }
        if self.sides.loads.is_none() {
            return Ok(());
        }
        let row = docs::row(self.opts, &fields, family, is_attachment);
        let volume = self.volume_name();
        let opts = self.opts;
        let Some(loads) = &mut self.sides.loads else { return Ok(()) };
        loads.row(&row)?;
        let text_path = opts.text.then_some(fields.text_path.as_str()).filter(|t| !t.is_empty());
        if let Some((x, _)) = &mut loads.xml {
            let columns = opts.columns();
            let (folder, name) = fields.native_path.rsplit_once(['/', '\\']).unwrap_or(("", &fields.native_path));
            x.document(&XmlDocument {
                docid: &row[0],
                tags: columns.iter().zip(&row).skip(1).map(|(c, v)| (*c, v.as_str())).collect(),
                folder,
                name,
                size: fields.size,
                md5: &fields.md5,
                text_path,
                image: imaged.then_some((placed.image_link.as_str(), fields.numbers.pages)),
            })?;
        }
        if opts.load_file && (imaged || image_doc) {
            self.counts.images += 1;
            let lines: String = if imaged {
                (0..fields.numbers.pages)
                    .map(|p| {
                        let key = docs::page_key(opts, fields.numbers, p);
                        page_line(&key, &volume, &placed.image_link, (p == 0).then_some(fields.numbers.pages))
                    })
                    .collect()
            } else {
                page_line(&docs::page_key(opts, fields.numbers, 0), &volume, &placed.native_link, Some(1))
            };
            if let Some(loads) = &mut self.sides.loads {
                loads.opt_line(&lines)?;
            }
        }
        Ok(())
    }
}

/// One document as [`Writer::document`] writes it.
struct Document<'a> {
    /// Its load-file fields (the text path is filled in once its text is written).
    fields: Fields,
    placed: &'a Placed,
    meta: &'a EntryMeta,
    text: Option<Blob>,
    image: Option<Blob>,
    /// An image type: without page images, its native is its one page in the Opticon file.
    image_doc: bool,
    /// One of a family's attachments.
    is_attachment: bool,
}
