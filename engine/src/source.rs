//! Every byte claimgate reads is kept with its name, so errors can point into it.

use miette::{NamedSource, SourceOffset, SourceSpan};
use serde::de::{DeserializeOwned, DeserializeSeed};
use std::path::Path;

mod prescan;
mod strict;

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

/// Where in a file an error is: the file, its text, the span and how to fix it. Every error
/// that points into a file (a bundle document, a pack's Rego, the catalog, an upstream config,
/// a claimed file, a receipt) carries this one shape; its variant says what went wrong and
/// gives the code, and forwards the rest here (`#[diagnostic(forward(at))]`).
#[derive(Debug)]
pub struct Located {
    /// The file, as named (a path as given, or a path within a pack)
    pub file: String,
    /// Its text, when it could be read
    pub src: Option<NamedSource<String>>,
    /// The offending text, when it is known
    pub span: Option<SourceSpan>,
    /// What the label under the span says
    pub label: &'static str,
    /// How to fix it
    pub help: Option<String>,
}

impl Located {
    /// The same place with its file renamed (a pack file named under the pack's directory).
    pub fn renamed(self, rename: impl Fn(&str) -> String) -> Located {
        Located {
            file: rename(&self.file),
            src: self
                .src
                .map(|s| NamedSource::new(rename(s.name()), s.inner().clone())),
            ..self
        }
    }

    /// A place in a file that was read.
    pub fn at(file: &SourceFile, span: Option<SourceSpan>) -> Located {
        Located {
            file: file.name.clone(),
            src: Some(file.named()),
            span,
            label: "here",
            help: None,
        }
    }

    /// A file that could not be read: its name only.
    pub fn named(file: impl Into<String>) -> Located {
        Located {
            file: file.into(),
            src: None,
            span: None,
            label: "here",
            help: None,
        }
    }

    /// With help.
    pub fn help(mut self, help: impl Into<String>) -> Located {
        self.help = Some(help.into());
        self
    }

    /// With help, when there is some.
    pub fn help_opt(mut self, help: Option<String>) -> Located {
        self.help = help;
        self
    }

    /// With another label under the span.
    pub fn label(mut self, label: &'static str) -> Located {
        self.label = label;
        self
    }
}

impl std::fmt::Display for Located {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.file)
    }
}

impl std::error::Error for Located {}

impl miette::Diagnostic for Located {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.src.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some(self.label.to_string()), span),
        )))
    }
}

/// A parse or type error located in a source file.
#[derive(Debug)]
pub struct ParseFailure {
    /// What went wrong, without location (it is in `span`).
    pub message: String,
    /// Where, when the parser knows.
    pub span: Option<SourceSpan>,
    /// Set when the file is refused for exceeding an element or byte budget, not for its syntax.
    pub over: Option<Over>,
}

/// Which budget a file exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Over {
    /// More parsed elements (scalars and collections, after alias expansion) than allowed
    Elements {
        /// The limit
        limit: u64,
    },
    /// More scalar bytes after alias expansion than allowed
    ExpandedBytes {
        /// The limit
        limit: u64,
    },
}

/// How much a parse may produce: parsed elements (after alias expansion) and expanded scalar
/// bytes. Every file gets at most [`DEFAULT_MAX_ELEMENTS`] elements and [`MAX_FILE_BYTES`]
/// expanded bytes unless its caller (a bundle budget) gives a different allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// Most elements
    pub elements: u64,
    /// Most scalar bytes after alias expansion
    pub expanded_bytes: u64,
}

impl Default for Allowance {
    fn default() -> Allowance {
        Allowance {
            elements: DEFAULT_MAX_ELEMENTS,
            expanded_bytes: MAX_FILE_BYTES,
        }
    }
}

/// What a successful parse used of its [`Allowance`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Elements parsed (scalars, sequences, mappings; an alias counts its whole expansion)
    pub elements: u64,
}

/// Most elements one parsed file (or one bundle, by default) may hold, after alias expansion.
pub const DEFAULT_MAX_ELEMENTS: u64 = 1_000_000;

/// Deepest nesting of sequences and mappings any YAML or JSON input may have.
pub const MAX_DEPTH: usize = 100;

/// The UTF-8 byte order mark, skipped at the start of a file.
const BOM: char = '\u{feff}';

impl SourceFile {
    /// Reads a regular file (after resolving symlinks), refusing FIFOs, devices and directories
    /// without opening them, and files over [`MAX_FILE_BYTES`]. A leading UTF-8 byte order mark
    /// is skipped.
    pub fn read(path: &Path, name: String) -> std::io::Result<SourceFile> {
        SourceFile::from_bytes(name, read_regular(path, MAX_FILE_BYTES)?)
    }

    /// Text from bytes read elsewhere: UTF-8, a leading byte-order mark dropped.
    pub fn from_bytes(name: String, bytes: Vec<u8>) -> std::io::Result<SourceFile> {
        let text = String::from_utf8(bytes).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not UTF-8 text: {e}"),
            )
        })?;
        let text = match text.strip_prefix(BOM) {
            Some(rest) => rest.to_string(),
            None => text,
        };
        Ok(SourceFile { name, text })
    }

    /// The file as miette source code.
    pub fn named(&self) -> NamedSource<String> {
        NamedSource::new(&self.name, self.text.clone())
    }

    /// Deserializes the whole file, keeping the location of the first error.
    pub fn parse<T: DeserializeOwned>(&self, syntax: Syntax) -> Result<T, ParseFailure> {
        self.parse_seed(syntax, std::marker::PhantomData::<T>)
    }

    /// Deserializes the whole file through a seed (used when the type depends on a manifest).
    pub fn parse_seed<S, T>(&self, syntax: Syntax, seed: S) -> Result<T, ParseFailure>
    where
        S: for<'de> DeserializeSeed<'de, Value = T>,
    {
        self.parse_within(syntax, seed, Allowance::default())
            .map(|(v, _)| v)
    }

    /// Deserializes the whole file strictly, within an allowance, and says what it used.
    ///
    /// Before any typed deserialization the text is checked: duplicate mapping keys, YAML tags,
    /// non-finite numbers (`.nan`, `.inf`, `1e400`), nesting deeper than [`MAX_DEPTH`] and more
    /// elements or expanded bytes than allowed are errors. The YAML checks that the parser
    /// cannot do in linear time (depth, tags, the element estimate) run on the text first.
    pub fn parse_within<S, T>(
        &self,
        syntax: Syntax,
        seed: S,
        allowance: Allowance,
    ) -> Result<(T, Usage), ParseFailure>
    where
        S: for<'de> DeserializeSeed<'de, Value = T>,
    {
        if syntax == Syntax::Yaml {
            let estimate = crate::source::prescan::scan(&self.text)?;
            if estimate > allowance.elements {
                return Err(ParseFailure {
                    message: format!(
                        "more than {} elements; the limit is {}",
                        allowance.elements, allowance.elements
                    ),
                    span: None,
                    over: Some(Over::Elements {
                        limit: allowance.elements,
                    }),
                });
            }
        }
        let usage = self.check(syntax, allowance)?;
        let value = match syntax {
            Syntax::Json => {
                let mut de = serde_json::Deserializer::from_str(&self.text);
                seed.deserialize(&mut de)
                    .and_then(|v| de.end().map(|()| v))
                    .map_err(|e| self.json_error(&e))?
            }
            Syntax::Yaml => seed
                .deserialize(serde_yaml::Deserializer::from_str(&self.text))
                .map_err(|e| self.yaml_error(&e))?,
        };
        Ok((value, usage))
    }

    /// Walks the whole document once without keeping it, enforcing the strict rules.
    fn check(&self, syntax: Syntax, allowance: Allowance) -> Result<Usage, ParseFailure> {
        let mut walk = strict::Walk::new(allowance);
        let result = match syntax {
            Syntax::Json => {
                let mut de = serde_json::Deserializer::from_str(&self.text);
                walk.run(&mut de)
                    .and_then(|()| de.end())
                    .map_err(|e| self.json_error(&e))
            }
            Syntax::Yaml => walk
                .run(serde_yaml::Deserializer::from_str(&self.text))
                .map_err(|e| self.yaml_error(&e)),
        };
        match result {
            Ok(()) => Ok(Usage {
                elements: walk.elements,
            }),
            Err(mut located) => {
                located.over = walk.over;
                if let Some(key) = &walk.duplicate {
                    located.span = self.duplicate_span(key, located.span, syntax);
                }
                Err(located)
            }
        }
    }

    /// The span of a duplicate key: YAML errors point at the key itself; JSON errors point just
    /// after it, so look back for its opening quote.
    fn duplicate_span(
        &self,
        key: &str,
        at: Option<SourceSpan>,
        syntax: Syntax,
    ) -> Option<SourceSpan> {
        let at = at?;
        match syntax {
            Syntax::Yaml => {
                let start = at.offset();
                let len = self
                    .text
                    .get(start..)
                    .and_then(|rest| rest.find(key).filter(|i| *i <= 1).map(|i| i + key.len()))
                    .unwrap_or(1);
                Some(SourceSpan::new(start.into(), len))
            }
            Syntax::Json => {
                let end = (at.offset() + 1).min(self.text.len());
                let quoted = format!("\"{key}\"");
                let head = self.text.get(..end)?;
                match head.rfind(&quoted) {
                    Some(i) => Some(SourceSpan::new(i.into(), quoted.len())),
                    None => Some(at),
                }
            }
        }
    }

    fn yaml_error(&self, e: &serde_yaml::Error) -> ParseFailure {
        let span = e
            .location()
            .map(|l| SourceSpan::new(l.index().min(self.text.len()).into(), 1));
        ParseFailure {
            message: plain_words(&strip_yaml_location(&e.to_string())),
            span,
            over: None,
        }
    }

    fn json_error(&self, e: &serde_json::Error) -> ParseFailure {
        let span = (e.line() > 0).then(|| {
            let off = SourceOffset::from_location(&self.text, e.line(), e.column());
            SourceSpan::new(off, 1)
        });
        ParseFailure {
            message: plain_words(&strip_json_location(&e.to_string())),
            span,
            over: None,
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

    /// The span of the first of `needles` found after the first `anchor` (e.g. a key within one
    /// list item, found after the item's id).
    pub fn span_after(&self, anchor: &str, needles: &[&str]) -> Option<SourceSpan> {
        let start = self.text.find(anchor)?;
        let rest = self.text.get(start..)?;
        needles.iter().find_map(|n| {
            rest.find(n)
                .map(|i| SourceSpan::new((start + i).into(), n.len()))
        })
    }
}

/// Parses JSON text (e.g. a token payload or a receipt) into a value with the strict rules:
/// duplicate keys, non-finite numbers and too many elements are errors.
pub fn strict_json(text: &str) -> Result<serde_json::Value, String> {
    let file = SourceFile {
        name: String::new(),
        text: text.to_string(),
    };
    file.parse::<serde_json::Value>(Syntax::Json)
        .map_err(|e| e.message)
}

/// Reads at most `limit` bytes of a regular file. The type is checked before opening (so a FIFO
/// is never opened, which would block) and again on the open handle (in case the path changed).
pub fn read_regular(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    regular(&meta, limit)?;
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    regular(&meta, limit)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("file is over {limit} bytes; the limit is {limit}"),
        ));
    }
    Ok(bytes)
}

/// Refuses anything but a regular file of at most `limit` bytes.
pub fn regular(meta: &std::fs::Metadata, limit: u64) -> std::io::Result<()> {
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "not a regular file (it is {}); only regular files are read",
                file_type_words(meta)
            ),
        ));
    }
    if meta.len() > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("file is {} bytes; the limit is {limit}", meta.len()),
        ));
    }
    Ok(())
}

/// What kind of file system object `meta` describes, in words.
pub fn file_type_words(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a named pipe"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// serde's words for YAML/JSON values, in the words of the formats.
fn plain_words(msg: &str) -> String {
    msg.replace("unit value", "null")
        .replace("invalid type: sequence", "invalid type: a list")
        .replace("invalid type: map", "invalid type: a mapping")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile {
            name: "t".into(),
            text: text.into(),
        }
    }

    fn refused(text: &str, syntax: Syntax) -> ParseFailure {
        match file(text).parse::<serde_json::Value>(syntax) {
            Ok(v) => panic!("accepted: {v}"),
            Err(e) => e,
        }
    }

    #[test]
    fn duplicate_keys_are_refused_at_the_second_key() {
        let yaml = "a: 1\nb:\n  dbgstat: enabled\n  dbgstat: disabled\n";
        let e = refused(yaml, Syntax::Yaml);
        assert!(
            e.message.contains("duplicate key `dbgstat`"),
            "{}",
            e.message
        );
        let at = e.span.map(|s| s.offset());
        assert_eq!(at, yaml.rfind("dbgstat"), "{e:?}");

        let json = r#"{"GPU-0": {"dbgstat": "enabled", "dbgstat": "disabled"}}"#;
        let e = refused(json, Syntax::Json);
        assert!(
            e.message.contains("duplicate key `dbgstat`"),
            "{}",
            e.message
        );
        assert_eq!(e.span.map(|s| s.offset()), json.rfind("\"dbgstat\""));
        // Keys that differ only in type collide too: `1` and `"1"` would be one JSON key.
        assert!(refused("1: a\n\"1\": b\n", Syntax::Yaml)
            .message
            .contains("duplicate key"));
    }

    #[test]
    fn non_finite_numbers_tags_and_budgets_are_refused() {
        for v in [".nan", ".inf", "-.inf"] {
            let e = refused(&format!("value: {v}\n"), Syntax::Yaml);
            assert!(
                e.message.contains("not a finite number"),
                "{v}: {}",
                e.message
            );
        }
        assert!(refused("value: 1e400\n", Syntax::Yaml)
            .message
            .contains("out of range"));
        assert!(refused("v: !!str 5\n", Syntax::Yaml)
            .message
            .contains("tag"));
        let lots = format!("[{}]", vec!["1"; 50].join(","));
        let small = Allowance {
            elements: 10,
            expanded_bytes: 100,
        };
        let e = file(&lots)
            .parse_within(
                Syntax::Json,
                std::marker::PhantomData::<serde_json::Value>,
                small,
            )
            .err();
        assert!(matches!(
            e.and_then(|e| e.over),
            Some(Over::Elements { limit: 10 })
        ));
    }

    #[test]
    fn ordinary_documents_still_parse() {
        let v: serde_json::Value =
            file("a: \"!not a tag\"\nb: [1, 2.5, true, null]\nc: hello! there\n")
                .parse(Syntax::Yaml)
                .unwrap_or_default();
        assert_eq!(v["c"], "hello! there");
        let v: serde_json::Value = file(r#"{"a": "x!y", "b": {"c": [1, {"d": 2}]}}"#)
            .parse(Syntax::Json)
            .unwrap_or_default();
        assert_eq!(v["b"]["c"][1]["d"], 2);
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_pipes_are_refused() {
        let dir = std::env::temp_dir().join(format!("claimgate-source-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let p = dir.join("bom.yaml");
        std::fs::write(&p, "\u{feff}a: 1\n").unwrap_or_default();
        let f = SourceFile::read(&p, "bom.yaml".into()).map(|f| f.text);
        assert_eq!(f.ok().as_deref(), Some("a: 1\n"));
        let e = SourceFile::read(&dir, "dir".into())
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("not a regular file (it is a directory)")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
