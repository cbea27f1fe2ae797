//! Turns bundle arguments into bundles: directories, manifest files and glob patterns.
//!
//! - A directory holding a manifest (`bundle.yaml`, `bundle.yml`, `bundle.json`) is a bundle.
//! - A directory without one whose subdirectories hold manifests stands for those
//!   subdirectories (one level, hidden ones skipped); subdirectories without a manifest are not
//!   bundles and are left out. A directory with neither is kept, so loading it reports the
//!   missing manifest.
//! - A file is a single-file bundle.
//! - An argument that does not exist and contains `*`, `?` or `[` is a glob pattern (`**`
//!   crosses directories; `*` does not match a leading `.`). Each match that is a directory or a
//!   `.yaml`/`.yml`/`.json` file is resolved as above; other files are skipped. A pattern that
//!   matches nothing is kept as an error entry, never dropped.
//!
//! Paths are kept as given, except that an absolute path under the working directory is made
//! relative to it, so reports (SARIF, annotations) name files the way a repository does. The
//! result is sorted by path, without duplicates.

use super::GateError;
use crate::bundle::MANIFEST_NAMES;
use std::path::{Path, PathBuf};

/// One thing to gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A bundle directory or manifest file
    Bundle(PathBuf),
    /// A glob pattern that matched nothing
    NoMatch(String),
}

impl Target {
    /// The path as given (or the pattern).
    pub fn name(&self) -> String {
        match self {
            Target::Bundle(p) => p.display().to_string(),
            Target::NoMatch(p) => p.clone(),
        }
    }
}

/// Expands bundle arguments into bundles, sorted by path.
pub fn expand(args: &[String]) -> Result<Vec<Target>, GateError> {
    let mut out = Vec::new();
    for arg in args {
        let path = relative(Path::new(arg));
        if path.exists() || !is_pattern(arg) {
            resolve(&path, &mut out);
            continue;
        }
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: true,
        };
        let paths = glob::glob_with(arg, options).map_err(|e| GateError::Pattern {
            pattern: arg.clone(),
            message: e.msg.to_string(),
        })?;
        let before = out.len();
        for entry in paths {
            match entry {
                Ok(p) if p.is_dir() || is_manifest_file(&p) => resolve(&relative(&p), &mut out),
                Ok(_) => {}
                // A directory the pattern could not read: loading it reports why.
                Err(e) => out.push(Target::Bundle(e.path().to_path_buf())),
            }
        }
        if out.len() == before {
            out.push(Target::NoMatch(arg.clone()));
        }
    }
    out.sort_by_key(Target::name);
    out.dedup_by_key(|t| t.name());
    Ok(out)
}

/// An absolute path under the working directory, made relative to it; any other path as is.
pub fn relative(path: &Path) -> PathBuf {
    if !path.is_absolute() {
        return path.to_path_buf();
    }
    let Ok(cwd) = std::env::current_dir() else {
        return path.to_path_buf();
    };
    match path.strip_prefix(&cwd) {
        Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rel) => rel.to_path_buf(),
        Err(_) => path.to_path_buf(),
    }
}

fn is_pattern(arg: &str) -> bool {
    arg.contains(['*', '?', '['])
}

fn is_manifest_file(p: &Path) -> bool {
    p.is_file()
        && matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        )
}

fn has_manifest(dir: &Path) -> bool {
    MANIFEST_NAMES.iter().any(|m| dir.join(m).is_file())
}

fn resolve(path: &Path, out: &mut Vec<Target>) {
    if path.is_dir() && !has_manifest(path) {
        let subs = bundle_subdirs(path);
        if !subs.is_empty() {
            out.extend(subs.into_iter().map(Target::Bundle));
            return;
        }
    }
    out.push(Target::Bundle(path.to_path_buf()));
}

fn bundle_subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut subs: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| dir.join(e.file_name()))
        .filter(|p| p.is_dir() && has_manifest(p))
        .collect();
    subs.sort();
    subs
}
