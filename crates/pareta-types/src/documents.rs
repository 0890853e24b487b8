//! Documents to upload: a file (streamed) or bytes, with a name and a MIME type.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The bytes of a document to attach: a file (streamed, never read whole) or memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Document {
    /// A file on disk.
    Path(PathBuf),
    /// Bytes in memory (shared, so retries never copy them).
    Bytes(Arc<[u8]>),
}

impl Document {
    /// A file on disk.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        Document::Path(path.into())
    }
    /// Bytes in memory.
    pub fn bytes(bytes: impl Into<Arc<[u8]>>) -> Self {
        Document::Bytes(bytes.into())
    }
    /// The multipart filename: the file's base name, or `upload` for bytes.
    pub fn file_name(&self) -> String {
        match self {
            Document::Path(p) => {
                p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "upload".to_owned())
            }
            Document::Bytes(_) => "upload".to_owned(),
        }
    }
    /// The file path, for a file document.
    pub fn as_path(&self) -> Option<&Path> {
        match self {
            Document::Path(p) => Some(p),
            Document::Bytes(_) => None,
        }
    }
}

impl From<Vec<u8>> for Document {
    fn from(bytes: Vec<u8>) -> Self {
        Document::bytes(bytes)
    }
}

impl From<&[u8]> for Document {
    fn from(bytes: &[u8]) -> Self {
        Document::bytes(bytes)
    }
}

impl From<Arc<[u8]>> for Document {
    fn from(bytes: Arc<[u8]>) -> Self {
        Document::Bytes(bytes)
    }
}

impl From<PathBuf> for Document {
    fn from(path: PathBuf) -> Self {
        Document::Path(path)
    }
}

impl From<&PathBuf> for Document {
    fn from(path: &PathBuf) -> Self {
        Document::Path(path.clone())
    }
}

impl From<&Path> for Document {
    fn from(path: &Path) -> Self {
        Document::Path(path.to_owned())
    }
}

/// A string is a file path, as in the Python client (`Document::bytes` for text content).
impl From<&str> for Document {
    fn from(path: &str) -> Self {
        Document::Path(path.into())
    }
}

/// A string is a file path, as in the Python client (`Document::bytes` for text content).
impl From<String> for Document {
    fn from(path: String) -> Self {
        Document::Path(path.into())
    }
}

/// A document for one row's blob field (`evals.sets.upload_document`).
///
/// ```
/// use pareta_types::{Document, UploadDocument};
/// let up = UploadDocument::new("evset_1", 0, "document", "scans/invoice.pdf").mime("application/pdf");
/// assert_eq!(up.document, Document::path("scans/invoice.pdf"));
/// assert_eq!(up.document.file_name(), "invoice.pdf");
/// let up = UploadDocument::new("evset_1", 1, "document", b"%PDF-1.7".to_vec());
/// assert_eq!(up.document.file_name(), "upload");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadDocument {
    /// The set to attach to.
    pub eval_set_id: String,
    /// 0-based row index.
    pub idx: u64,
    /// The blob input field of the task schema.
    pub field_name: String,
    /// The bytes.
    pub document: Document,
    /// MIME type; guessed from the file name when absent, else `application/octet-stream`.
    pub mime: Option<String>,
}

impl UploadDocument {
    /// Attach `document` (a [`Document`], a path as `&str`/`&Path`/`PathBuf`, or bytes
    /// as `Vec<u8>`/`&[u8]`) to row `idx`'s `field_name`.
    pub fn new(
        eval_set_id: impl Into<String>,
        idx: u64,
        field_name: impl Into<String>,
        document: impl Into<Document>,
    ) -> Self {
        UploadDocument {
            eval_set_id: eval_set_id.into(),
            idx,
            field_name: field_name.into(),
            document: document.into(),
            mime: None,
        }
    }
    /// Sets the MIME type (otherwise guessed from a path's extension, or
    /// `application/octet-stream`). It must be visible ASCII: the upload fails
    /// before any request otherwise, since it is sent in headers.
    pub fn mime(mut self, mime: impl Into<String>) -> Self {
        self.mime = Some(mime.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_convert_from_paths_and_bytes() {
        let p = Path::new("/a/b/scan.tiff");
        for d in [Document::from(p), Document::from(p.to_path_buf()), Document::from("/a/b/scan.tiff")] {
            assert_eq!(d.as_path(), Some(p));
        }
        assert_eq!(Document::from(&b"x"[..]), Document::bytes(vec![b'x']));
    }

    #[test]
    fn document_names() {
        assert_eq!(Document::path("/a/b/scan.tiff").file_name(), "scan.tiff");
        assert_eq!(Document::bytes(vec![1u8]).file_name(), "upload");
    }
}
