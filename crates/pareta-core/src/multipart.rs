//! `multipart/form-data` and JSONL encoding, as body parts so files stream.
//!
//! The part layout matches what the platform's Python client (httpx) sends: text
//! fields first, then file parts; CRLF line breaks; quotes and line breaks in
//! names escaped as `%22`, `%0D`, `%0A`.

use crate::http::{Body, BodyPart};
use std::path::PathBuf;
use std::sync::Arc;

/// A multipart body under construction.
///
/// ```
/// use pareta_core::multipart::{body_to_vec, Multipart};
/// let mut m = Multipart::new("XyZ");
/// m.text("idx", "0");
/// m.file_bytes("file", "a.txt", "text/plain", b"hi".to_vec());
/// assert_eq!(m.content_type(), "multipart/form-data; boundary=XyZ");
/// let bytes = body_to_vec(&m.finish()).unwrap();
/// assert!(bytes.ends_with(b"Content-Type: text/plain\r\n\r\nhi\r\n--XyZ--\r\n"));
/// ```
#[derive(Debug)]
pub struct Multipart {
    boundary: String,
    texts: Vec<u8>,
    files: Vec<BodyPart>,
}

fn escape(name: &str) -> String {
    name.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

impl Multipart {
    /// A body with this boundary.
    pub fn new(boundary: impl Into<String>) -> Self {
        Multipart { boundary: boundary.into(), texts: Vec::new(), files: Vec::new() }
    }

    /// The `Content-Type` header value.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// Adds a text field.
    pub fn text(&mut self, name: &str, value: &str) {
        let head = format!("--{}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n", self.boundary, escape(name));
        self.texts.extend_from_slice(head.as_bytes());
        self.texts.extend_from_slice(value.as_bytes());
        self.texts.extend_from_slice(b"\r\n");
    }

    fn file_head(&self, name: &str, filename: &str, content_type: &str) -> Vec<u8> {
        format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
            self.boundary,
            escape(name),
            escape(filename),
            content_type
        )
        .into_bytes()
    }

    /// Adds a file part from memory.
    pub fn file_bytes(&mut self, name: &str, filename: &str, content_type: &str, bytes: impl Into<Arc<[u8]>>) {
        let mut head = self.file_head(name, filename, content_type);
        let bytes: Arc<[u8]> = bytes.into();
        // Small contents join their header; large ones stay shared, never copied.
        if bytes.len() <= 64 * 1024 {
            head.extend_from_slice(&bytes);
            head.extend_from_slice(b"\r\n");
            self.files.push(BodyPart::Bytes(head.into()));
        } else {
            self.files.push(BodyPart::Bytes(head.into()));
            self.files.push(BodyPart::Bytes(bytes));
            self.files.push(BodyPart::Bytes(Arc::from(&b"\r\n"[..])));
        }
    }

    /// Adds a file part streamed from disk (`len` bytes).
    pub fn file_path(&mut self, name: &str, filename: &str, content_type: &str, path: PathBuf, len: u64) {
        let head = self.file_head(name, filename, content_type);
        self.files.push(BodyPart::Bytes(head.into()));
        self.files.push(BodyPart::File { path, len });
        self.files.push(BodyPart::Bytes(Arc::from(&b"\r\n"[..])));
    }

    /// The finished body: text fields, file parts, closing boundary.
    pub fn finish(self) -> Body {
        let mut parts = Vec::with_capacity(self.files.len() + 2);
        if !self.texts.is_empty() {
            parts.push(BodyPart::Bytes(self.texts.into()));
        }
        parts.extend(self.files);
        parts.push(BodyPart::Bytes(format!("--{}--\r\n", self.boundary).into_bytes().into()));
        Body::from_parts(parts)
    }
}

/// Rows as JSONL: one compact JSON object per row, joined by `\n`, no trailing newline.
pub fn jsonl(rows: &[serde_json::Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        // Writing a Value into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, row);
    }
    out
}

/// Flattens an in-memory body (tests and small bodies).
pub fn body_to_vec(body: &Body) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() as usize);
    for p in body.parts() {
        match p {
            BodyPart::Bytes(b) => out.extend_from_slice(b),
            BodyPart::File { .. } => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exact_bytes() {
        let mut m = Multipart::new("XyZ");
        m.text("idx", "0");
        m.text("field_name", "document");
        m.file_bytes("file", "in\"voice.pdf", "application/pdf", b"%PDF".to_vec());
        let body = m.finish();
        let expected = "--XyZ\r\nContent-Disposition: form-data; name=\"idx\"\r\n\r\n0\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"field_name\"\r\n\r\ndocument\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in%22voice.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n\
--XyZ--\r\n";
        assert_eq!(String::from_utf8(body_to_vec(&body).unwrap()).unwrap(), expected);
        assert_eq!(body.len(), expected.len() as u64);
    }

    #[test]
    fn files_stay_streamable_parts() {
        let mut m = Multipart::new("b");
        m.file_path("file", "x.bin", "application/octet-stream", "/tmp/x.bin".into(), 10);
        let body = m.finish();
        assert!(body.has_file());
        assert!(body_to_vec(&body).is_none());
        assert_eq!(body.len(), body.parts().iter().map(|p| p.len()).sum::<u64>());
    }

    #[test]
    fn jsonl_is_compact_without_trailing_newline() {
        let rows = vec![json!({"input": "a b", "expected": {"x": [1, 2]}}), json!({"input": "c"})];
        assert_eq!(
            String::from_utf8(jsonl(&rows)).unwrap(),
            "{\"expected\":{\"x\":[1,2]},\"input\":\"a b\"}\n{\"input\":\"c\"}"
        );
    }
}
