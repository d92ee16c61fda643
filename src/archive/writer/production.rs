//! A production's volumes (`VOL001/` with `DATA/`, `NATIVES/`, `TEXT/`, `IMAGES/`) and where
//! a document's native, text and image files go, in a production or a plain run.

use std::io;

use super::super::docs::{self, Numbers};
use super::super::prepare::Prepared;
use super::super::{ATTACHMENTS_DIR, IMAGES_DIR, TEXT_DIR, VOLUME};
use super::Writer;
use super::side_files::LoadFiles;

/// Where a production stands: the open volume and what it holds.
#[derive(Default)]
pub(super) struct Volume {
    /// From 1; 0 before the first document.
    pub(super) number: u32,
    bytes: u64,
    documents: u64,
}

/// Where a document's files go in the archive, and how the load files name them.
pub(super) struct Placed {
    pub(super) native: String,
    pub(super) text: String,
    pub(super) image: String,
    /// As the load files give them: the archive path outside a production, else the path from
    /// the volume's folder with backslashes (as Windows review platforms read them).
    pub(super) native_link: String,
    pub(super) text_link: String,
    pub(super) image_link: String,
}

impl Writer<'_> {
    /// Opens the first volume, or the next one when this family would take the open one past
    /// its size (a family never spans volumes).
    pub(super) fn next_volume_for(&mut self, p: &Prepared) -> io::Result<()> {
        let Some(prod) = &self.opts.production else { return Ok(()) };
        let own = p.item.file.as_ref().map_or(0, |f| f.attrs.size()) + p.renditions.bytes();
        let bytes = own + p.attachments.iter().map(|a| a.blob.data.len() as u64 + a.renditions.bytes()).sum::<u64>();
        let full = prod.volume_size.is_some_and(|max| self.volume.bytes > 0 && self.volume.bytes + bytes > max);
        if self.volume.number == 0 || full {
            self.close_volume()?;
            self.volume = Volume { number: self.volume.number + 1, bytes: 0, documents: 0 };
            self.sides.loads = Some(LoadFiles::open(&self.partial, self.opts, "vol.")?);
        }
        self.volume.bytes += bytes;
        Ok(())
    }

    /// The open volume's name (`VOL001`), or the Opticon volume of a plain run.
    pub(super) fn volume_name(&self) -> String {
        match &self.opts.production {
            Some(prod) => format!("{}{:03}", prod.volume_prefix, self.volume.number),
            None => VOLUME.to_string(),
        }
    }

    /// Adds the open volume's load files to its `DATA/` folder.
    pub(super) fn close_volume(&mut self) -> io::Result<()> {
        let Some(loads) = self.sides.loads.take() else { return Ok(()) };
        let paths = loads.finish()?;
        let vol = self.volume_name();
        for (path, ext) in [(paths.dat, "dat"), (paths.opt, "opt"), (paths.csv, "csv"), (paths.xml, "xml")] {
            if let Some(p) = path {
                self.make_dir(&format!("{vol}/DATA"))?;
                self.file_entry(&format!("{vol}/DATA/{vol}.{ext}"), &p)?;
                std::fs::remove_file(&p)?;
            }
        }
        Ok(())
    }

    /// Where a document's native, text and images go. `parent` names an attachment's e-mail.
    pub(super) fn place(&mut self, n: Numbers, path: &str, ext: &str, attachment_of: Option<(&str, &str)>) -> Placed {
        let id = docs::control(self.opts, n);
        let Some(prod) = &self.opts.production else {
            let native = match attachment_of {
                Some((parent_id, name)) => format!("{ATTACHMENTS_DIR}/{parent_id}/{name}"),
                None => path.to_string(),
            };
            let text = format!("{TEXT_DIR}/{id}.txt");
            let image = format!("{IMAGES_DIR}/{id}.tif");
            return Placed {
                native_link: native.clone(),
                text_link: text.clone(),
                image_link: image.clone(),
                native,
                text,
                image,
            };
        };
        let base = match &self.opts.bates {
            Some(b) => b.number(n.page),
            None => id,
        };
        let folder = format!("{:04}", self.volume.documents / prod.folder_docs.max(1) + 1);
        self.volume.documents += 1;
        let dot_ext = if ext.is_empty() { String::new() } else { format!(".{ext}") };
        let vol = self.volume_name();
        let rel =
            |kind: &str, name: String| (format!("{vol}/{kind}/{folder}/{name}"), format!("{kind}\\{folder}\\{name}"));
        let (native, native_link) = rel("NATIVES", format!("{base}{dot_ext}"));
        let (text, text_link) = rel("TEXT", format!("{base}.txt"));
        let (image, image_link) = rel("IMAGES", format!("{base}.tif"));
        Placed { native, text, image, native_link, text_link, image_link }
    }
}
