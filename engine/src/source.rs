//! Every byte claimgate reads is kept with its name, so errors can point into it.

use miette::{NamedSource, SourceOffset, SourceSpan};
use serde::de::{DeserializeOwned, DeserializeSeed};
use std::path::Path;

/// Largest document, manifest or policy file claimgate reads (bundles are evidence, not data sets).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// An I/O error in words for a diagnostic ("no such file or directory" rather than
/// the platform's "No such file or directory (os error 2)").
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        _ => e.to_string(),
    }
}

/// One file (or embedded text) with the name used in diagnostics.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Display name: the path as the user gave it, never made absolute.
    pub name: String,
    /// Full text.
    pub text: String,
}

/// The textual format of a document, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `.json`
    Json,
    /// `.yaml` / `.yml` (and anything else: YAML is a superset of JSON)
    Yaml,
}

impl Syntax {
    /// Picks the parser from a file name.
    pub fn of(path: &Path) -> Syntax {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => Syntax::Json,
            _ => Syntax::Yaml,
        }
    }
}

/// A parse or type error located in a source file.
#[derive(Debug)]
pub struct Located {
    /// What went wrong, without location (it is in `span`).
    pub message: String,
    /// Where, when the parser knows.
    pub span: Option<SourceSpan>,
}

impl SourceFile {
    /// Reads a file, refusing files over [`MAX_FILE_BYTES`].
    pub fn read(path: &Path, name: String) -> std::io::Result<SourceFile> {
        let meta = std::fs::metadata(path)?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "file is {} bytes; the limit is {MAX_FILE_BYTES}",
                    meta.len()
                ),
            ));
        }
        let bytes = std::fs::read(path)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not UTF-8 text: {e}"),
            )
        })?;
        Ok(SourceFile { name, text })
    }

    /// The file as miette source code.
    pub fn named(&self) -> NamedSource<String> {
        NamedSource::new(&self.name, self.text.clone())
    }

    /// Deserializes the whole file, keeping the location of the first error.
    pub fn parse<T: DeserializeOwned>(&self, syntax: Syntax) -> Result<T, Located> {
        self.parse_seed(syntax, std::marker::PhantomData::<T>)
    }

    /// Deserializes the whole file through a seed (used when the type depends on a manifest).
    pub fn parse_seed<S, T>(&self, syntax: Syntax, seed: S) -> Result<T, Located>
    where
        S: for<'de> DeserializeSeed<'de, Value = T>,
    {
        match syntax {
            Syntax::Json => {
                let mut de = serde_json::Deserializer::from_str(&self.text);
                seed.deserialize(&mut de)
                    .and_then(|v| de.end().map(|()| v))
                    .map_err(|e| self.json_error(&e))
            }
            Syntax::Yaml => seed
                .deserialize(serde_yaml::Deserializer::from_str(&self.text))
                .map_err(|e| {
                    let span = e
                        .location()
                        .map(|l| SourceSpan::new(l.index().min(self.text.len()).into(), 1));
                    Located {
                        message: strip_yaml_location(&e.to_string()),
                        span,
                    }
                }),
        }
    }

    fn json_error(&self, e: &serde_json::Error) -> Located {
        let span = (e.line() > 0).then(|| {
            let off = SourceOffset::from_location(&self.text, e.line(), e.column());
            SourceSpan::new(off, 1)
        });
        Located {
            message: strip_json_location(&e.to_string()),
            span,
        }
    }

    /// The span of the first occurrence of `needle`, to label a value found after parsing.
    pub fn span_of(&self, needle: &str) -> Option<SourceSpan> {
        if needle.is_empty() {
            return None;
        }
        self.text
            .find(needle)
            .map(|i| SourceSpan::new(i.into(), needle.len()))
    }
}

fn strip_json_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn strip_yaml_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(" column ") => msg[..i].to_string(),
        _ => msg.to_string(),
    }
}
