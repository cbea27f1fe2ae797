//! Loads an evidence bundle: a directory with a manifest, or one YAML/JSON file.
//!
//! This stage knows file layout and the manifest format, and nothing about policy. Every
//! document is parsed strictly into its kind's type with errors located in its file; document
//! and artifact paths are confined to the bundle directory.

use crate::digest::Digest;
pub use crate::document::Role;
use crate::document::{self, Document, Kind};
use crate::source::{io_reason, Allowance, Located, Over, ParseFailure, SourceFile, Syntax};
use crate::time::Instant;
use miette::Diagnostic;
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// The manifest format marker every bundle carries.
pub const SCHEMA: &str = "claimgate.bundle/v1";
/// Manifest file names tried, in order, when a directory is given.
pub const MANIFEST_NAMES: [&str; 3] = ["bundle.yaml", "bundle.yml", "bundle.json"];
/// Most documents one bundle may list.
pub const MAX_DOCUMENTS: usize = 256;
/// Most artifacts one bundle may list.
pub const MAX_ARTIFACTS: usize = 256;
/// Default budget of bytes one bundle may have read (manifest and documents, a document listed
/// twice counting twice); `--max-bundle-bytes` raises it.
pub const DEFAULT_MAX_BUNDLE_BYTES: u64 = 64 * 1024 * 1024;
/// Default budget of parsed elements (scalars and collections, YAML aliases expanded) of one
/// bundle; `--max-bundle-elements` raises it.
pub const DEFAULT_MAX_BUNDLE_ELEMENTS: u64 = crate::source::DEFAULT_MAX_ELEMENTS;
/// Default size limit of one artifact (artifacts are hashed whole); `--max-artifact-bytes`
/// raises it.
pub const DEFAULT_MAX_ARTIFACT_BYTES: u64 = crate::digest::DEFAULT_MAX_FILE_BYTES;

/// What one bundle may cost to load. An [`Engine`](crate::Engine) holds one set and loads
/// every bundle within it; [`Bundle::load`] uses the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of manifest and documents read
    pub bundle_bytes: u64,
    /// Parsed elements, aliases expanded
    pub bundle_elements: u64,
    /// Size of one artifact
    pub artifact_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            bundle_bytes: DEFAULT_MAX_BUNDLE_BYTES,
            bundle_elements: DEFAULT_MAX_BUNDLE_ELEMENTS,
            artifact_bytes: DEFAULT_MAX_ARTIFACT_BYTES,
        }
    }
}

/// What a bundle has used of its [`Limits`] so far.
struct Budget {
    limits: Limits,
    bytes: u64,
    elements: u64,
}

impl Budget {
    fn new(limits: Limits) -> Budget {
        Budget {
            limits,
            bytes: 0,
            elements: 0,
        }
    }

    /// Charges a file's bytes.
    fn read(&mut self, file: &SourceFile) -> Result<(), BundleError> {
        let n = u64::try_from(file.text.len()).unwrap_or(u64::MAX);
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > self.limits.bundle_bytes {
            return Err(BundleError::Budget {
                file: file.name.clone(),
                message: format!(
                    "reading it brings the bundle to {} bytes; the limit is {} bytes",
                    self.bytes, self.limits.bundle_bytes
                ),
                help: budget_help("--max-bundle-bytes"),
            });
        }
        Ok(())
    }

    /// The allowance left for the next parse.
    fn allowance(&self) -> Allowance {
        Allowance {
            elements: self.limits.bundle_elements.saturating_sub(self.elements),
            // Text in the file is charged when read; this bounds what aliases repeat.
            expanded_bytes: self.limits.bundle_bytes,
        }
    }

    /// Parses a file within what is left, charging what it used.
    fn parse<S, T>(
        &mut self,
        what: &'static str,
        file: &SourceFile,
        syntax: Syntax,
        seed: S,
    ) -> Result<T, BundleError>
    where
        S: for<'de> DeserializeSeed<'de, Value = T>,
    {
        match file.parse_within(syntax, seed, self.allowance()) {
            Ok((value, usage)) => {
                self.elements = self.elements.saturating_add(usage.elements);
                Ok(value)
            }
            Err(e) => Err(match e.over {
                Some(Over::Elements { .. }) => BundleError::Budget {
                    file: file.name.clone(),
                    message: format!(
                        "the bundle holds more than {} parsed elements (scalars and collections, YAML aliases expanded); the limit is {}",
                        self.limits.bundle_elements, self.limits.bundle_elements
                    ),
                    help: budget_help("--max-bundle-elements"),
                },
                Some(Over::ExpandedBytes { limit }) => BundleError::Budget {
                    file: file.name.clone(),
                    message: format!(
                        "its YAML aliases expand to more than {limit} bytes of text; the limit is {limit} bytes"
                    ),
                    help: budget_help("--max-bundle-bytes"),
                },
                None => BundleError::parse(what, file, e),
            }),
        }
    }
}

fn budget_help(flag: &str) -> String {
    format!("a bundle is evidence about one job, not a data set; if this one is genuine, raise the limit with `{flag}`")
}

/// A loaded, validated bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The bundle path as the user gave it (or the name given to [`Bundle::from_memory`])
    pub name: String,
    /// Where document and artifact paths are read from
    pub files: Files,
    /// The limits it was loaded within (artifacts are hashed within them too)
    pub limits: Limits,
    /// The manifest text
    pub manifest: SourceFile,
    /// The job the bundle is about
    pub job: Job,
    /// Evaluation instant pinned by the bundle
    pub evaluated_at: Option<Instant>,
    /// The nonce the attestation must carry
    pub expected_nonce: Option<String>,
    /// Documents, in manifest order
    pub documents: Vec<Entry>,
    /// Files whose digests are checked
    pub artifacts: Vec<Artifact>,
}

/// The job identifiers and digests, as written (digests are judged later, strictly).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "the `job` mapping (`job_id`, digests)"
)]
pub struct Job {
    /// Job identifier
    pub job_id: String,
    /// Receipt identifier
    #[serde(default)]
    pub receipt_id: Option<String>,
    /// Digest of the workload (container, model, code)
    #[serde(default)]
    pub workload_digest: Option<String>,
    /// Commitment to the job's input
    #[serde(default)]
    pub input_commitment: Option<String>,
    /// Digest of the delivered result
    #[serde(default)]
    pub output_digest: Option<String>,
}

/// One document of the bundle.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Stable id: the `id` field, else the document path, else `documents[i]`
    pub id: String,
    /// Where the document text is: a file name, or the manifest for inline data
    pub source: String,
    /// The document's path relative to the bundle directory (`None`: inline in the manifest)
    pub file: Option<String>,
    /// The parsed document
    pub document: Document,
    /// The document's text, kept so findings can point into it; `None` for inline data
    pub text: Option<SourceFile>,
    /// sha256 of the document file's bytes as read (`None` for inline data)
    pub sha256: Option<Digest>,
}

/// A file named by the bundle whose digest is recomputed.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "an artifact (`name`, `path`, `role`, `digest`)"
)]
pub struct Artifact {
    /// Name, e.g. `result_bundle`
    pub name: String,
    /// Path relative to the bundle directory
    pub path: String,
    /// What the artifact is
    pub role: Role,
    /// The digest the bundle declares for it
    #[serde(default)]
    pub digest: Option<String>,
}

/// Why a bundle could not be loaded.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[non_exhaustive]
pub enum BundleError {
    /// A file could not be read
    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(code(claimgate::bundle::io))]
    Io {
        /// The path as given
        path: String,
        /// The operating system's reason
        reason: String,
    },
    /// The bundle is to be judged at its own instant, and it names none
    #[error("bundle `{bundle}` has no `evaluated_at` to be judged at")]
    #[diagnostic(
        code(claimgate::bundle::no_instant),
        help("pin the instant (`--at`, `At::Pinned`) or let the bundle's be the default (`At::BundleOr`)")
    )]
    NoInstant {
        /// The bundle
        bundle: String,
    },
    /// A directory has no manifest
    #[error("no bundle manifest in `{dir}`")]
    #[diagnostic(
        code(claimgate::bundle::no_manifest),
        help("a bundle directory holds one of bundle.yaml, bundle.yml or bundle.json")
    )]
    NoManifest {
        /// The directory
        dir: String,
    },
    /// A directory has more than one manifest
    #[error("more than one bundle manifest in `{dir}`: {found}")]
    #[diagnostic(
        code(claimgate::bundle::ambiguous_manifest),
        help("keep exactly one manifest")
    )]
    AmbiguousManifest {
        /// The directory
        dir: String,
        /// The manifests found
        found: String,
    },
    /// Syntax error, wrong type, unknown field or unknown kind, located in the file
    #[error("invalid {what} `{}`: {message}", .at.file)]
    #[diagnostic(code(claimgate::bundle::parse), forward(at))]
    Parse {
        /// `bundle manifest` or `document`
        what: &'static str,
        /// The parser's message
        message: String,
        /// Where
        at: Located,
    },
    /// A document without a `kind` whose format could not be told from its shape
    #[error("cannot tell the kind of document `{file}`: {message}")]
    #[diagnostic(code(claimgate::bundle::undetected))]
    Undetected {
        /// File name
        file: String,
        /// Why (no match, or the candidates)
        message: String,
        /// What to do
        #[help]
        help: String,
    },
    /// The bundle needs more bytes or parsed elements than its budget
    #[error("bundle too large at `{file}`: {message}")]
    #[diagnostic(code(claimgate::bundle::budget))]
    Budget {
        /// The file that went over
        file: String,
        /// Which limit, and by how much
        message: String,
        /// The flag that raises it
        #[help]
        help: String,
    },
    /// An artifact is larger than the artifact size limit, or is not a regular file
    #[error("artifact `{name}` (`{path}`) {message}")]
    #[diagnostic(code(claimgate::bundle::artifact))]
    Artifact {
        /// The artifact name
        name: String,
        /// Its path as written
        path: String,
        /// What is wrong
        message: String,
        /// What to do
        #[help]
        help: Option<String>,
    },
    /// A semantic problem in the manifest (not a syntax error)
    #[error("invalid bundle manifest `{}`: {message}", .at.file)]
    #[diagnostic(code(claimgate::bundle::invalid), forward(at))]
    Invalid {
        /// What is wrong
        message: String,
        /// Where
        at: Located,
    },
}

impl BundleError {
    fn parse(what: &'static str, file: &SourceFile, e: ParseFailure) -> BundleError {
        let help = if e.message.contains("unknown document kind") {
            Some(format!(
                "document kinds: {}",
                Kind::ALL.map(Kind::name).join(", ")
            ))
        } else if e.message.contains("schema") {
            Some(format!(
                "the first line of a manifest is `schema: {SCHEMA}`"
            ))
        } else {
            None
        };
        BundleError::Parse {
            what,
            message: e.message,
            at: Located::at(file, e.span).help_opt(help),
        }
    }

    fn invalid(
        file: &SourceFile,
        message: String,
        needle: &str,
        help: Option<String>,
    ) -> BundleError {
        BundleError::Invalid {
            message,
            at: Located::at(file, file.span_of(needle)).help_opt(help),
        }
    }
}

fn io_error(path: &str, e: &std::io::Error) -> BundleError {
    BundleError::Io {
        path: path.to_string(),
        reason: io_reason(e),
    }
}

impl Bundle {
    /// Loads a bundle from a directory (with a manifest) or from a single manifest file, within
    /// the default [`Limits`].
    pub fn load(path: &Path) -> Result<Bundle, BundleError> {
        load_within(path, Limits::default())
    }

    /// A bundle held in memory: the manifest's bytes (YAML, or JSON when `name` ends in
    /// `.json`) and the files its documents and artifacts name, by their relative paths.
    /// Nothing is read from disk; the same checks as [`Bundle::load`] apply, within the default
    /// [`Limits`].
    pub fn from_memory(
        name: &str,
        manifest: &[u8],
        files: BTreeMap<String, Vec<u8>>,
    ) -> Result<Bundle, BundleError> {
        Bundle::from_memory_within(name, manifest, files, Limits::default())
    }

    /// A bundle whose manifest was read from standard input (no further than one byte past the
    /// bundle byte limit): its documents and artifacts are files under the working directory,
    /// confined to it as a directory bundle's are; within `limits`.
    pub fn from_stdin(manifest: &[u8], limits: Limits) -> Result<Bundle, BundleError> {
        let file = SourceFile::from_bytes(STDIN.to_string(), manifest.to_vec())
            .map_err(|e| io_error(STDIN, &e))?;
        from_parts(
            STDIN.to_string(),
            file,
            Syntax::of(Path::new(STDIN)),
            Files::Dir(PathBuf::from(".")),
            limits,
        )
    }

    /// [`Bundle::from_memory`] within the given limits.
    pub fn from_memory_within(
        name: &str,
        manifest: &[u8],
        files: BTreeMap<String, Vec<u8>>,
        limits: Limits,
    ) -> Result<Bundle, BundleError> {
        let manifest = SourceFile::from_bytes(name.to_string(), manifest.to_vec())
            .map_err(|e| io_error(name, &e))?;
        let syntax = Syntax::of(Path::new(name));
        from_parts(
            name.to_string(),
            manifest,
            syntax,
            Files::Memory(Arc::new(files)),
            limits,
        )
    }
}

/// The name a manifest read from standard input goes by.
pub const STDIN: &str = "(stdin)";

/// Reads a manifest from `input` (standard input) no further than one byte past the bundle
/// byte limit, so that loading reports a manifest over the limit as such.
pub fn read_stdin(input: &mut dyn std::io::Read, limits: Limits) -> Result<Vec<u8>, crate::Error> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    input
        .take(limits.bundle_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| crate::output::named(Path::new(STDIN), &e))?;
    Ok(bytes)
}

/// Where a bundle's documents and artifacts are read from.
#[derive(Debug, Clone)]
pub enum Files {
    /// A directory on disk: paths are confined to it (`confine`)
    Dir(PathBuf),
    /// Files held in memory, by relative path
    Memory(Arc<BTreeMap<String, Vec<u8>>>),
}

/// Why a document file could not be read.
enum Unreadable {
    /// Its path is not allowed (absolute, `..`, a symlink out)
    Path(&'static str),
    /// An in-memory bundle holds no file at that path
    Missing,
    /// Reading failed
    Io(std::io::Error),
}

/// An artifact's bytes, where they are.
pub(crate) enum Blob<'a> {
    /// A file to hash, streaming
    Path(PathBuf),
    /// Bytes in memory
    Bytes(&'a [u8]),
}

impl Files {
    /// Reads a document file: its text, and the sha256 of its bytes as read.
    fn read(&self, rel: &str) -> Result<(SourceFile, Digest, PathBuf), Unreadable> {
        let (path, bytes) = match self {
            Files::Dir(root) => {
                let path = confine(root, rel).map_err(Unreadable::Path)?;
                let bytes = crate::source::read_regular(&path, crate::source::MAX_FILE_BYTES)
                    .map_err(Unreadable::Io)?;
                (path, bytes)
            }
            Files::Memory(files) => {
                let key = memory_key(rel).map_err(Unreadable::Path)?;
                let bytes = files.get(&key).cloned().ok_or(Unreadable::Missing)?;
                (PathBuf::from(key), bytes)
            }
        };
        let digest = Digest::sha256_of(&bytes);
        let file =
            SourceFile::from_bytes(path.display().to_string(), bytes).map_err(Unreadable::Io)?;
        Ok((file, digest, path))
    }

    /// Where an artifact's bytes are; `None` when an in-memory bundle does not hold it (a
    /// missing file on disk is found when it is hashed).
    pub(crate) fn artifact(&self, rel: &str) -> Result<Option<Blob<'_>>, &'static str> {
        match self {
            Files::Dir(root) => confine(root, rel).map(|p| Some(Blob::Path(p))),
            Files::Memory(files) => {
                let key = memory_key(rel)?;
                Ok(files.get(&key).map(|b| Blob::Bytes(b.as_slice())))
            }
        }
    }
}

/// The key of a relative path in an in-memory bundle: the same rules as [`confine`], with
/// `.` components dropped.
fn memory_key(rel: &str) -> Result<String, &'static str> {
    confine(Path::new(""), rel)?;
    let parts: Vec<&str> = Path::new(rel)
        .components()
        .filter_map(|c| match c {
            Component::Normal(p) => p.to_str(),
            _ => None,
        })
        .collect();
    Ok(parts.join("/"))
}

/// Loads a bundle within the given limits.
pub fn load_within(path: &Path, limits: Limits) -> Result<Bundle, BundleError> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| io_error(&name, &e))?;
    let (manifest_path, root) = if meta.is_dir() {
        // Whatever exists under a manifest name counts (a FIFO too: reading it is refused
        // with a reason, rather than a misleading "no manifest").
        let found: Vec<PathBuf> = MANIFEST_NAMES
            .iter()
            .map(|m| path.join(m))
            .filter(|p| std::fs::symlink_metadata(p).is_ok())
            .collect();
        match found.as_slice() {
            [] => return Err(BundleError::NoManifest { dir: name }),
            [one] => (one.clone(), path.to_path_buf()),
            many => {
                return Err(BundleError::AmbiguousManifest {
                    dir: name,
                    found: many
                        .iter()
                        .filter_map(|p| p.file_name())
                        .map(|n| n.to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        }
    } else {
        // A bare file name has an empty parent: its directory is the current one, and the
        // symlink check needs a path that resolves.
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        (path.to_path_buf(), parent)
    };
    let manifest_name = manifest_path.display().to_string();
    let manifest = SourceFile::read(&manifest_path, manifest_name.clone())
        .map_err(|e| io_error(&manifest_name, &e))?;
    from_parts(
        name,
        manifest,
        Syntax::of(&manifest_path),
        Files::Dir(root),
        limits,
    )
}

/// Parses and checks a manifest and reads what it names from `files`.
fn from_parts(
    name: String,
    manifest: SourceFile,
    syntax: Syntax,
    files: Files,
    limits: Limits,
) -> Result<Bundle, BundleError> {
    let mut budget = Budget::new(limits);
    let manifest_name = manifest.name.clone();
    budget.read(&manifest)?;
    manifest_shape(&manifest, syntax)?;
    let raw: RawManifest = budget.parse(
        "bundle manifest",
        &manifest,
        syntax,
        std::marker::PhantomData,
    )?;
    if raw.schema != SCHEMA {
        return Err(BundleError::invalid(
            &manifest,
            format!("unknown schema `{}`", raw.schema),
            &raw.schema,
            Some(format!(
                "this version of claimgate reads `schema: {SCHEMA}`"
            )),
        ));
    }
    if raw.documents.len() > MAX_DOCUMENTS {
        return Err(BundleError::invalid(
            &manifest,
            format!(
                "{} documents; the limit is {MAX_DOCUMENTS}",
                raw.documents.len()
            ),
            "documents",
            None,
        ));
    }
    if raw.artifacts.len() > MAX_ARTIFACTS {
        return Err(BundleError::invalid(
            &manifest,
            format!(
                "{} artifacts; the limit is {MAX_ARTIFACTS}",
                raw.artifacts.len()
            ),
            "artifacts",
            None,
        ));
    }

    let mut documents = Vec::with_capacity(raw.documents.len());
    for (i, entry) in raw.documents.into_iter().enumerate() {
        let file = match &entry.body {
            RawBody::File(rel) => Some(rel.clone()),
            RawBody::Inline(_) => None,
        };
        let (source, document, text, sha256) = match entry.body {
            RawBody::Inline(doc) => (manifest_name.clone(), doc, None, None),
            RawBody::File(rel) => {
                let (file, digest, file_path) = files.read(&rel).map_err(|e| match e {
                    Unreadable::Path(why) => BundleError::invalid(
                        &manifest,
                        format!("document path `{rel}` {why}"),
                        &rel,
                        Some(
                            "document paths are relative and stay inside the bundle directory"
                                .into(),
                        ),
                    ),
                    Unreadable::Missing => BundleError::invalid(
                        &manifest,
                        format!("cannot read document `{rel}`: no such file in the bundle"),
                        &rel,
                        None,
                    ),
                    Unreadable::Io(e) => BundleError::invalid(
                        &manifest,
                        format!("cannot read document `{rel}`: {}", io_reason(&e)),
                        &rel,
                        None,
                    ),
                })?;
                // A file listed many times is read, and charged, every time.
                budget.read(&file)?;
                let doc = read_document(&mut budget, &file, &file_path, entry.kind)?;
                (file.name.clone(), doc, Some(file), Some(digest))
            }
        };
        let id = entry
            .id
            .or(entry.path)
            .unwrap_or_else(|| format!("documents[{i}]"));
        documents.push(Entry {
            id,
            source,
            file,
            document,
            text,
            sha256,
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    for d in &documents {
        if !seen.insert(d.id.as_str()) {
            return Err(BundleError::invalid(
                &manifest,
                format!("document id `{}` is used twice", d.id),
                &d.id,
                Some("give each document a distinct `id`".into()),
            ));
        }
    }
    let mut names = std::collections::BTreeSet::new();
    for a in &raw.artifacts {
        if !names.insert(a.name.as_str()) {
            return Err(BundleError::invalid(
                &manifest,
                format!("artifact name `{}` is used twice", a.name),
                &a.name,
                None,
            ));
        }
        let blob = files.artifact(&a.path).map_err(|why| {
            BundleError::invalid(
                &manifest,
                format!("artifact path `{}` {why}", a.path),
                &a.path,
                Some("artifact paths are relative and stay inside the bundle directory".into()),
            )
        })?;
        check_artifact(a, blob, limits.artifact_bytes)?;
    }
    if raw
        .artifacts
        .iter()
        .filter(|a| a.role == Role::Output)
        .count()
        > 1
    {
        return Err(BundleError::invalid(
            &manifest,
            "more than one artifact has role `output`".to_string(),
            "output",
            Some("the job's output digest names one delivered result".into()),
        ));
    }
    Ok(Bundle {
        name,
        files,
        limits,
        manifest,
        job: raw.job,
        evaluated_at: raw.evaluated_at,
        expected_nonce: raw.expected_nonce,
        documents,
        artifacts: raw.artifacts,
    })
}

/// An artifact that exists must be a regular file within the size limit (a missing one is
/// evidence that falls short, reported when it is hashed).
fn check_artifact(a: &Artifact, blob: Option<Blob<'_>>, limit: u64) -> Result<(), BundleError> {
    let too_big = |len: u64| BundleError::Artifact {
        name: a.name.clone(),
        path: a.path.clone(),
        message: format!("is {len} bytes; the artifact size limit is {limit} bytes"),
        help: Some(
            "if the artifact is genuine, raise the limit with `--max-artifact-bytes`".into(),
        ),
    };
    let path = match blob {
        None => return Ok(()),
        Some(Blob::Bytes(b)) => {
            let len = u64::try_from(b.len()).unwrap_or(u64::MAX);
            return if len > limit {
                Err(too_big(len))
            } else {
                Ok(())
            };
        }
        Some(Blob::Path(p)) => p,
    };
    let Ok(meta) = std::fs::metadata(&path) else {
        return Ok(());
    };
    if !meta.is_file() {
        return Err(BundleError::Artifact {
            name: a.name.clone(),
            path: a.path.clone(),
            message: format!(
                "is not a regular file (it is {})",
                crate::source::file_type_words(&meta)
            ),
            help: Some("artifacts are regular files; pipes and devices are never read".into()),
        });
    }
    if meta.len() > limit {
        return Err(too_big(meta.len()));
    }
    Ok(())
}

/// A manifest must be a mapping: say so in words before serde names a Rust type.
fn manifest_shape(manifest: &SourceFile, syntax: Syntax) -> Result<(), BundleError> {
    let body = manifest.text.trim_start();
    let found = match syntax {
        Syntax::Json => match body.chars().next() {
            None => Some("an empty file"),
            Some('{') => None,
            Some('[') => Some("a list"),
            Some('n') if body.trim_end() == "null" => Some("null"),
            Some(_) => Some("a single value"),
        },
        Syntax::Yaml => {
            let meaningful: Vec<&str> = body
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#') && *l != "---")
                .collect();
            match meaningful.as_slice() {
                [] => Some("an empty file"),
                [one] if matches!(*one, "null" | "~" | "Null" | "NULL") => Some("null"),
                [first, ..]
                    if first.starts_with('[') || first.starts_with("- ") || *first == "-" =>
                {
                    Some("a list")
                }
                _ => None,
            }
        }
    };
    match found {
        None => Ok(()),
        Some(what) => Err(BundleError::Parse {
            what: "bundle manifest",
            message: format!(
                "the manifest is {what}; it must be a mapping with `schema`, `job` and `documents`"
            ),
            at: Located::at(manifest, None).help(format!(
                "the first line of a manifest is `schema: {SCHEMA}`"
            )),
        }),
    }
}

/// Parses a document file as its named kind, or detects an upstream kind from its shape.
fn read_document(
    budget: &mut Budget,
    file: &SourceFile,
    path: &Path,
    kind: Option<Kind>,
) -> Result<Document, BundleError> {
    // A compact JWT is text, not JSON: keep it as a string for its adapter.
    if crate::jwt::looks_like(&file.text) {
        let token = serde_json::Value::String(file.text.trim().to_string());
        let kind = match kind {
            Some(k) if k.is_upstream() => k,
            Some(k) => {
                return Err(BundleError::Undetected {
                    file: file.name.clone(),
                    message: format!("a JWT cannot be a `{}` document", k.name()),
                    help: "name the upstream kind of this token".into(),
                })
            }
            None => detect_one(file, &token)?,
        };
        return Ok(Document::Upstream(kind, token));
    }
    match kind {
        Some(k) if k.is_upstream() => {
            let value: serde_json::Value =
                budget.parse("document", file, Syntax::of(path), std::marker::PhantomData)?;
            // A named upstream kind must still have that format's shape: a wrong `kind` on
            // some other JSON must not turn it into, say, a KBS denial.
            if !crate::adapter::detect(&value).contains(&k) {
                return Err(BundleError::Undetected {
                    file: file.name.clone(),
                    message: format!(
                        "it is named `{}` but does not have that format's shape",
                        k.name()
                    ),
                    help: format!("see docs/formats/ for what a `{}` document holds", k.name()),
                });
            }
            Ok(Document::Upstream(k, value))
        }
        Some(k) => budget.parse("document", file, Syntax::of(path), KindSeed(k)),
        None => {
            let value: serde_json::Value =
                budget.parse("document", file, Syntax::of(path), std::marker::PhantomData)?;
            let kind = detect_one(file, &value)?;
            Ok(Document::Upstream(kind, value))
        }
    }
}

fn detect_one(file: &SourceFile, value: &serde_json::Value) -> Result<Kind, BundleError> {
    let found = crate::adapter::detect(value);
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(BundleError::Undetected {
            file: file.name.clone(),
            message: "its shape matches no upstream format".into(),
            help: format!(
                "name its `kind` in the manifest; kinds: {}",
                Kind::ALL.map(Kind::name).join(", ")
            ),
        }),
        many => Err(BundleError::Undetected {
            file: file.name.clone(),
            message: format!(
                "it could be any of {}",
                many.iter()
                    .map(|k| format!("`{}`", k.name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            help: "name its `kind` in the manifest".into(),
        }),
    }
}

/// Resolves `rel` under `root`, refusing absolute paths, `..`, and symlinks that lead outside.
pub fn confine(root: &Path, rel: &str) -> Result<PathBuf, &'static str> {
    let p = Path::new(rel);
    if rel.is_empty() {
        return Err("is empty");
    }
    for c in p.components() {
        match c {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return Err("leaves the bundle directory (`..`)"),
            Component::RootDir | Component::Prefix(_) => return Err("is absolute"),
        }
    }
    let joined = root.join(p);
    // Symlinks may point anywhere: compare resolved paths when the file exists.
    if let (Ok(real_root), Ok(real)) = (root.canonicalize(), joined.canonicalize()) {
        if !real.starts_with(&real_root) {
            return Err("resolves (through a symlink) outside the bundle directory");
        }
    }
    Ok(joined)
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a bundle manifest (a mapping with `schema`, `job` and `documents`)"
)]
struct RawManifest {
    /// Always `claimgate.bundle/v1`
    #[schemars(extend("const" = SCHEMA))]
    schema: String,
    job: Job,
    #[serde(default)]
    evaluated_at: Option<Instant>,
    #[serde(default)]
    expected_nonce: Option<String>,
    #[serde(default)]
    documents: Vec<RawEntry>,
    #[serde(default)]
    artifacts: Vec<Artifact>,
}

enum RawBody {
    Inline(Document),
    File(String),
}

struct RawEntry {
    kind: Option<Kind>,
    id: Option<String>,
    path: Option<String>,
    body: RawBody,
}

/// The manifest's JSON Schema, with each native document kind's shape for inline `data`.
pub(crate) fn manifest_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    g.root_schema_for::<RawManifest>()
}

/// Deserializes a document body into the type its kind names.
pub struct KindSeed(pub Kind);

impl<'de> DeserializeSeed<'de> for KindSeed {
    type Value = Document;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Document, D::Error> {
        use document as doc;
        Ok(match self.0 {
            Kind::RuntimeMeasurement => {
                Document::RuntimeMeasurement(doc::RuntimeMeasurement::deserialize(d)?)
            }
            Kind::AttestationResult => {
                Document::AttestationResult(doc::AttestationResult::deserialize(d)?)
            }
            Kind::VerifierDecision => {
                Document::VerifierDecision(doc::VerifierDecision::deserialize(d)?)
            }
            Kind::KeyRelease => Document::KeyRelease(doc::KeyRelease::deserialize(d)?),
            Kind::BenchmarkResult => {
                Document::BenchmarkResult(doc::BenchmarkResult::deserialize(d)?)
            }
            Kind::Deployment => Document::Deployment(doc::Deployment::deserialize(d)?),
            Kind::OperatorTrace => Document::OperatorTrace(doc::OperatorTrace::deserialize(d)?),
            Kind::Facts => {
                let f = doc::Facts::deserialize(d)?;
                if f.facts.len() > doc::MAX_FACTS {
                    return Err(de::Error::custom(format!(
                        "a `facts` document states {} facts; at most {} are allowed",
                        f.facts.len(),
                        doc::MAX_FACTS
                    )));
                }
                if let Some(why) = f.facts.keys().find_map(|k| {
                    doc::check_fact_key(k)
                        .err()
                        .map(|why| format!("fact key `{k}`: {why}"))
                }) {
                    return Err(de::Error::custom(why));
                }
                Document::Facts(f)
            }
            upstream => Document::Upstream(upstream, serde_json::Value::deserialize(d)?),
        })
    }
}

impl schemars::JsonSchema for RawEntry {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DocumentEntry".into()
    }

    /// `kind`, `id`, and either `path` or inline `data`; inline data of a native kind has
    /// that kind's document shape (upstream kinds are read as they are).
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        use document as doc;
        let native = [
            (
                Kind::RuntimeMeasurement,
                g.subschema_for::<doc::RuntimeMeasurement>(),
            ),
            (
                Kind::AttestationResult,
                g.subschema_for::<doc::AttestationResult>(),
            ),
            (
                Kind::VerifierDecision,
                g.subschema_for::<doc::VerifierDecision>(),
            ),
            (Kind::KeyRelease, g.subschema_for::<doc::KeyRelease>()),
            (
                Kind::BenchmarkResult,
                g.subschema_for::<doc::BenchmarkResult>(),
            ),
            (Kind::Deployment, g.subschema_for::<doc::Deployment>()),
            (Kind::OperatorTrace, g.subschema_for::<doc::OperatorTrace>()),
            (Kind::Facts, g.subschema_for::<doc::Facts>()),
        ];
        let by_kind: Vec<serde_json::Value> = native
            .into_iter()
            .map(|(kind, shape)| {
                serde_json::json!({
                    "if": {"properties": {"kind": {"const": kind.name()}}, "required": ["kind"]},
                    "then": {"properties": {"data": shape}}
                })
            })
            .collect();
        let kind = g.subschema_for::<Kind>();
        schemars::json_schema!({
            "description": "One document of the bundle: a file in the bundle directory (`path`) or inline `data`",
            "type": "object",
            "properties": {
                "kind": kind,
                "id": {"type": "string", "description": "Stable id; defaults to the path"},
                "path": {"type": "string", "description": "Relative to the bundle directory"},
                "data": {"description": "The document inline"}
            },
            "additionalProperties": false,
            "oneOf": [{"required": ["path"]}, {"required": ["data"]}],
            "allOf": by_kind
        })
    }
}

impl<'de> Deserialize<'de> for RawEntry {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EntryVisitor)
    }
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = RawEntry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a document entry with `kind` and either `path` or `data`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEntry, A::Error> {
        let mut kind: Option<Kind> = None;
        let mut id = None;
        let mut path: Option<String> = None;
        let mut inline = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "kind" => {
                    let name: String = map.next_value()?;
                    kind = Some(Kind::from_name(&name).ok_or_else(|| {
                        de::Error::custom(format_args!(
                            "unknown document kind `{name}`, expected one of {}",
                            Kind::ALL.map(Kind::name).join(", ")
                        ))
                    })?);
                }
                "id" => id = Some(map.next_value::<String>()?),
                "path" => path = Some(map.next_value::<String>()?),
                "data" => {
                    let Some(k) = kind else {
                        return Err(de::Error::custom(
                            "`kind` must come before `data` in a document entry",
                        ));
                    };
                    inline = Some(map.next_value_seed(KindSeed(k))?);
                }
                other => {
                    return Err(de::Error::unknown_field(
                        other,
                        &["kind", "id", "path", "data"],
                    ))
                }
            }
        }
        if inline.is_none() && path.is_none() && kind.is_none() {
            return Err(de::Error::missing_field("kind"));
        }
        let body = match (inline, path.clone()) {
            (Some(doc), None) => RawBody::Inline(doc),
            (None, Some(p)) => RawBody::File(p),
            (Some(_), Some(_)) => {
                return Err(de::Error::custom(
                    "a document entry has either `path` or `data`, not both",
                ))
            }
            (None, None) => {
                return Err(de::Error::custom(
                    "a document entry needs `path` (a file in the bundle) or `data` (inline)",
                ))
            }
        };
        Ok(RawEntry {
            kind,
            id,
            path,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confine_refuses_escapes() {
        let root = Path::new("/nonexistent-root");
        assert!(confine(root, "a/b.json").is_ok());
        assert!(confine(root, "../x").is_err());
        assert!(confine(root, "a/../../x").is_err());
        assert!(confine(root, "/etc/passwd").is_err());
        assert!(confine(root, "").is_err());
    }
}
