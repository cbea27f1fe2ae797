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
//! result is sorted by path, without duplicates: a bundle reached by two names (a symlink) is
//! gated once, under the name that is not a symlink.
//!
//! Patterns are expanded by walking the directories under the pattern's literal prefix, each
//! directory entered once by its canonical path (symlink loops end), at most 32 levels deep.

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
    /// A manifest read from standard input (`-`), its documents under the working directory
    Stdin(std::sync::Arc<[u8]>),
}

impl Target {
    /// The path as given (or the pattern).
    pub fn name(&self) -> String {
        match self {
            Target::Bundle(p) => p.display().to_string(),
            Target::NoMatch(p) => p.clone(),
            Target::Stdin(_) => crate::bundle::STDIN.to_string(),
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
        let before = out.len();
        walk_pattern(arg, &mut out)?;
        if out.len() == before {
            out.push(Target::NoMatch(arg.clone()));
        }
    }
    out.sort_by_key(Target::name);
    out.dedup_by_key(|t| t.name());
    // The same bundle reached by two names (a symlink, `./x` and `x`) is gated once: under a
    // name that is not itself a symlink when there is one, else the first in sorted order.
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let is_link = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
    let mut chosen: std::collections::HashMap<PathBuf, PathBuf> = std::collections::HashMap::new();
    for t in &out {
        if let Target::Bundle(p) = t {
            let keep = chosen.entry(canonical(p)).or_insert_with(|| p.clone());
            if is_link(keep) && !is_link(p) {
                *keep = p.clone();
            }
        }
    }
    out.retain(|t| match t {
        Target::Bundle(p) => chosen.get(&canonical(p)) == Some(p),
        Target::NoMatch(_) | Target::Stdin(_) => true,
    });
    Ok(out)
}

/// Deepest directory level a `**` pattern descends to.
const MAX_WALK_DEPTH: usize = 32;
/// Most directory entries one pattern may visit.
const MAX_WALK_ENTRIES: usize = 1_000_000;

/// Expands a glob pattern by walking the directories under its literal prefix. Each directory
/// is entered once by its canonical path, so symlink loops end; the walk is bounded in depth
/// and entries.
fn walk_pattern(arg: &str, out: &mut Vec<Target>) -> Result<(), GateError> {
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let pattern = glob::Pattern::new(arg).map_err(|e| GateError::Pattern {
        pattern: arg.to_string(),
        message: e.msg.to_string(),
    })?;
    // The literal prefix: the components before the first one with a pattern character.
    let mut base = PathBuf::new();
    let mut rest = Vec::new();
    for c in Path::new(arg).components() {
        let text = c.as_os_str().to_string_lossy();
        if rest.is_empty() && !is_pattern(&text) {
            base.push(c);
        } else {
            rest.push(text.into_owned());
        }
    }
    let max_depth = if rest.iter().any(|c| c.contains("**")) {
        MAX_WALK_DEPTH
    } else {
        rest.len()
    };
    let hidden = rest.iter().any(|c| c.starts_with('.'));
    // As in shell globbing, a trailing `**` stands for directories only.
    let dirs_only = rest.last().is_some_and(|c| c == "**");
    let mut walk = Walk {
        pattern: &pattern,
        options,
        hidden,
        dirs_only,
        max_depth,
        visited: std::collections::HashSet::new(),
        root: PathBuf::new(),
        entries: 0,
        out,
    };
    let dir = if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base.clone()
    };
    if let Ok(real) = dir.canonicalize() {
        walk.visited.insert(real.clone());
        walk.root = real;
    }
    walk.consider(&base);
    walk.dir(&dir, &base, 0);
    Ok(())
}

struct Walk<'a> {
    pattern: &'a glob::Pattern,
    options: glob::MatchOptions,
    hidden: bool,
    dirs_only: bool,
    max_depth: usize,
    visited: std::collections::HashSet<PathBuf>,
    /// The canonical directory the walk started in
    root: PathBuf,
    entries: usize,
    out: &'a mut Vec<Target>,
}

impl Walk<'_> {
    /// Keeps `shown` when the pattern matches it and it can be a bundle.
    fn consider(&mut self, shown: &Path) {
        if shown.as_os_str().is_empty() || !self.pattern.matches_path_with(shown, self.options) {
            return;
        }
        if shown.is_dir() || (!self.dirs_only && is_manifest_file(shown)) {
            resolve(&relative(shown), self.out);
        }
    }

    /// Visits the entries of `dir` (shown as `shown`) at `depth`.
    fn dir(&mut self, dir: &Path, shown: &Path, depth: usize) {
        if depth >= self.max_depth {
            return;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            // A directory the pattern could not read: loading it reports why.
            if depth > 0 {
                self.out.push(Target::Bundle(shown.to_path_buf()));
            }
            return;
        };
        let mut names: Vec<std::ffi::OsString> = entries.flatten().map(|e| e.file_name()).collect();
        names.sort();
        for name in names {
            self.entries += 1;
            if self.entries > MAX_WALK_ENTRIES {
                return;
            }
            if !self.hidden && name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = dir.join(&name);
            let shown = shown.join(&name);
            if path.is_dir() {
                // A directory seen before, or one the walk started inside (a symlink back up),
                // is a loop: neither matched nor entered again.
                let Ok(real) = path.canonicalize() else {
                    continue;
                };
                if self.root.starts_with(&real) || !self.visited.insert(real) {
                    continue;
                }
                self.consider(&shown);
                self.dir(&path, &shown, depth + 1);
            } else {
                self.consider(&shown);
            }
        }
    }
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

/// Whether a manifest name is there, whatever kind of file it is: a FIFO or a dangling link named
/// `bundle.yaml` is a bundle that fails to load (and is reported), not a directory to skip.
fn has_manifest(dir: &Path) -> bool {
    MANIFEST_NAMES
        .iter()
        .any(|m| dir.join(m).symlink_metadata().is_ok())
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
