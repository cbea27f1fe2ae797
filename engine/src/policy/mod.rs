//! Policy packs: the verifier policies, claim rules and catalog that decide claims.
//!
//! A pack is a directory with `policies/` (verifier policies, each a package under
//! `claimgate.verifier` with a `decision` rule) and `claims/` (package `claimgate.claims` with
//! `allow` and `block`, plus `catalog.yaml`). The default pack is embedded in the binary.
//! This is the only module that knows regorus.

mod ast;
mod cone;
mod eval;
mod lint;
mod names;
#[doc(hidden)]
pub mod probe;
mod reach;
mod reads;
mod recursion;
pub(crate) mod test;
mod trace;
mod upstream;

pub use cone::Cones;
pub use eval::{CompiledPack, PolicyOutcome};
pub use lint::{Finding, CODES as LINT_CODES};
pub use reads::{PathTest, Place, Read, Reads};
pub use test::{run_tests, FileCoverage, TestOptions, TestOutcome, TestReport, TestResult};
pub use trace::{Bodies, Body, Reached, Tracer};
pub(crate) use upstream::{config_schema as upstream_schema, SCHEMA as UPSTREAM_SCHEMA};
pub use upstream::{load as load_upstream, UpstreamPolicy};

use crate::digest::Digest;
use crate::source::{Located, SourceFile};
use miette::{Diagnostic, NamedSource, SourceSpan};
use std::path::Path;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_pack.rs"));
}

/// Where the catalog lives inside a pack.
pub const CATALOG_PATH: &str = "claims/catalog.yaml";
/// Most files one pack may hold.
pub const MAX_PACK_FILES: usize = 512;

/// The source files of a policy pack.
#[derive(Debug, Clone)]
pub struct Pack {
    /// `embedded` or the directory as given
    pub origin: String,
    /// Files sorted by path relative to the pack root (`policies/x.rego`)
    pub files: Vec<SourceFile>,
}

/// A policy pack that does not load, compile or evaluate.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[non_exhaustive]
pub enum PolicyError {
    /// A pack file could not be read
    #[error("cannot read policy pack `{path}`: {reason}")]
    #[diagnostic(code(claimgate::policy::io))]
    Io {
        /// The path
        path: String,
        /// Why
        reason: String,
    },
    /// The pack directory is missing a part
    #[error("policy pack `{dir}` has no `{missing}`")]
    #[diagnostic(
        code(claimgate::policy::layout),
        help("a policy pack directory holds `policies/*.rego`, `claims/*.rego` and `claims/catalog.yaml`")
    )]
    Layout {
        /// The directory
        dir: String,
        /// What is missing
        missing: String,
    },
    /// A Rego file does not compile
    #[error("policy `{}` does not compile: {message}", .at.file)]
    #[diagnostic(code(claimgate::policy::compile), forward(at))]
    Compile {
        /// regorus' message
        message: String,
        /// Where
        at: Located,
    },
    /// The catalog does not parse or validate
    #[error("invalid claim catalog `{}`: {message}", .at.file)]
    #[diagnostic(code(claimgate::policy::catalog), forward(at))]
    Catalog {
        /// What is wrong
        message: String,
        /// Where
        at: Located,
    },
    /// An upstream-policy config (or a file it names) does not parse or does not hold together
    #[error("invalid upstream policy config `{}`: {message}", .at.file)]
    #[diagnostic(code(claimgate::policy::upstream), forward(at))]
    Upstream {
        /// What is wrong
        message: String,
        /// Where
        at: Located,
    },
    /// Rules or functions call each other in a cycle
    #[error("recursion in policy `{file}`: {cycle}")]
    #[diagnostic(
        code(claimgate::policy::recursion),
        help("Rego rules and functions must not call themselves, directly or through others")
    )]
    Recursion {
        /// The file defining the first member of the cycle
        file: String,
        /// The cycle, e.g. `a.f → a.g → a.f`
        cycle: String,
    },
    /// A rule or function calls a builtin whose result is not a function of the input
    #[error("policy `{}` calls `{builtin}` in `{rule}`: it {why}", .at.file)]
    #[diagnostic(code(claimgate::policy::builtin), forward(at))]
    Builtin {
        /// The builtin
        builtin: String,
        /// Why it is refused
        why: String,
        /// The rule or function making the call
        rule: String,
        /// The call
        at: Located,
    },
    /// A call of a function that does not exist, or with the wrong number of arguments
    #[error("policy `{}` calls `{function}`: {problem}", .at.file)]
    #[diagnostic(code(claimgate::policy::call), forward(at))]
    Call {
        /// The function as written
        function: String,
        /// What is wrong with the call
        problem: String,
        /// The call
        at: Located,
    },
    /// A rule is unsafe or otherwise cannot be scheduled (regorus' analysis before evaluating)
    #[error("policy `{}` does not hold together: {message}", .at.file)]
    #[diagnostic(code(claimgate::policy::analysis), forward(at))]
    Unsafe {
        /// regorus' message
        message: String,
        /// Where
        at: Located,
    },
    /// A claim rule names a claim id the catalog does not have
    #[error("policy `{}` names claim `{id}` in `{rule}`; the catalog has no such claim", .at.file)]
    #[diagnostic(code(claimgate::policy::claim), forward(at))]
    UnknownClaim {
        /// The id
        id: String,
        /// `allow` or `block`
        rule: String,
        /// Where
        at: Located,
    },
    /// A policy reads an input path the evidence document does not have
    #[error("policy `{}` reads `input.{path}`; the evidence document has no such field", .at.file)]
    #[diagnostic(code(claimgate::policy::input), forward(at))]
    UnknownInput {
        /// The path, `runtime.attestations[].debug`
        path: String,
        /// Where
        at: Located,
    },
    /// Rules or functions call each other in a chain too deep to evaluate
    #[error("call chain in policy `{file}` is {depth} rules deep from `{rule}` ({chain} …); the limit is {limit}")]
    #[diagnostic(
        code(claimgate::policy::depth),
        help(
            "each call level costs stack; a chain this deep would overflow it. Flatten the chain"
        )
    )]
    CallDepth {
        /// The file defining the top of the chain
        file: String,
        /// The rule or function at the top
        rule: String,
        /// How many rules and functions deep
        depth: usize,
        /// The limit
        limit: usize,
        /// The first members, `a → b → c`
        chain: String,
    },
    /// A pack named by a git revision could not be read
    #[error("cannot read the pack at git revision `{rev}`: {message}")]
    #[diagnostic(
        code(claimgate::policy::git),
        help("a pack is a directory, `embedded`, or a revision of the git repository claimgate runs in")
    )]
    Git {
        /// The revision as given
        rev: String,
        /// What failed
        message: String,
    },
    /// Evaluation failed (a runtime error, a time limit)
    #[error("evaluating `{rule}` failed: {message}")]
    #[diagnostic(code(claimgate::policy::eval))]
    Eval {
        /// The rule path
        rule: String,
        /// regorus' message
        message: String,
    },
    /// A rule produced a value of the wrong shape
    #[error("`{rule}` produced {found}; expected {expected}")]
    #[diagnostic(code(claimgate::policy::output))]
    Output {
        /// The rule path
        rule: String,
        /// What it produced
        found: String,
        /// What claimgate reads
        expected: String,
        /// How to fix it
        #[help]
        help: Option<String>,
    },
}

impl PolicyError {
    /// The error with its pack file named as the user reaches it from the working directory:
    /// under the pack directory as given (`packs/x/claims/claims.rego`). The embedded pack and a
    /// git revision keep the paths within the pack, which are the repository's own.
    pub(crate) fn under(self, pack: &Pack) -> PolicyError {
        if pack.origin == "embedded" || pack.origin.starts_with("git:") {
            return self;
        }
        let dir = pack.origin.trim_end_matches('/').to_string();
        let join = |f: &str| {
            if f.is_empty() || f.starts_with('(') || f.starts_with(&dir) {
                f.to_string()
            } else {
                format!("{dir}/{f}")
            }
        };
        use PolicyError as E;
        match self {
            E::Compile { message, at } => E::Compile {
                message,
                at: at.renamed(join),
            },
            E::Catalog { message, at } => E::Catalog {
                message,
                at: at.renamed(join),
            },
            E::Builtin {
                builtin,
                why,
                rule,
                at,
            } => E::Builtin {
                builtin,
                why,
                rule,
                at: at.renamed(join),
            },
            E::Call {
                function,
                problem,
                at,
            } => E::Call {
                function,
                problem,
                at: at.renamed(join),
            },
            E::Unsafe { message, at } => E::Unsafe {
                message,
                at: at.renamed(join),
            },
            E::UnknownClaim { id, rule, at } => E::UnknownClaim {
                id,
                rule,
                at: at.renamed(join),
            },
            E::UnknownInput { path, at } => E::UnknownInput {
                path,
                at: at.renamed(join),
            },
            E::Recursion { file, cycle } => E::Recursion {
                file: join(&file),
                cycle,
            },
            E::CallDepth {
                file,
                rule,
                depth,
                limit,
                chain,
            } => E::CallDepth {
                file: join(&file),
                rule,
                depth,
                limit,
                chain,
            },
            other => other,
        }
    }
}

impl Pack {
    /// The default pack compiled into the binary.
    pub fn embedded() -> Pack {
        Pack {
            origin: "embedded".to_string(),
            files: embedded::FILES
                .iter()
                .map(|(name, text)| SourceFile {
                    name: (*name).to_string(),
                    text: (*text).to_string(),
                })
                .collect(),
        }
    }

    /// Reads a pack directory (`policies/`, `claims/`, `claims/catalog.yaml`).
    pub fn from_dir(dir: &Path) -> Result<Pack, PolicyError> {
        let shown = dir.display().to_string();
        let io = |path: &Path, e: std::io::Error| PolicyError::Io {
            path: path.display().to_string(),
            reason: crate::source::io_reason(&e),
        };
        std::fs::metadata(dir).map_err(|e| io(dir, e))?;
        let mut files = Vec::new();
        for sub in ["policies", "claims"] {
            let d = dir.join(sub);
            if !d.is_dir() {
                return Err(PolicyError::Layout {
                    dir: shown,
                    missing: format!("{sub}/"),
                });
            }
            walk(dir, &d, &mut files, &io)?;
        }
        if !files.iter().any(|f: &SourceFile| f.name == CATALOG_PATH) {
            return Err(PolicyError::Layout {
                dir: shown,
                missing: CATALOG_PATH.to_string(),
            });
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Pack {
            origin: shown,
            files,
        })
    }

    /// The pack's files at a git revision (`origin/main`, a commit) of the repository around the
    /// working directory: `policies/` and `claims/` at its root, read with `git show`.
    pub fn from_git(rev: &str) -> Result<Pack, PolicyError> {
        let bad = |message: String| PolicyError::Git {
            rev: rev.to_string(),
            message,
        };
        let git = |args: &[&str]| -> Result<Vec<u8>, PolicyError> {
            let out = std::process::Command::new("git")
                .args(args)
                .output()
                .map_err(|e| bad(format!("git could not run: {e}")))?;
            if !out.status.success() {
                return Err(bad(format!(
                    "not a pack directory nor a git revision: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
            Ok(out.stdout)
        };
        // Pack paths are relative to the repository root, wherever claimgate runs inside it.
        let top = git(&["rev-parse", "--show-toplevel"])?;
        let top = String::from_utf8_lossy(&top).trim().to_string();
        let list = git(&[
            "-C",
            &top,
            "ls-tree",
            "-r",
            "--name-only",
            rev,
            "--",
            "policies",
            "claims",
        ])?;
        let mut files = Vec::new();
        for name in String::from_utf8_lossy(&list).lines() {
            if !is_pack_file(Path::new(name)) {
                continue;
            }
            if files.len() >= MAX_PACK_FILES {
                return Err(bad(format!("more than {MAX_PACK_FILES} files")));
            }
            let text = git(&["-C", &top, "show", &format!("{rev}:{name}")])?;
            files.push(SourceFile {
                name: name.to_string(),
                text: String::from_utf8(text)
                    .map_err(|e| bad(format!("{name} is not UTF-8: {e}")))?,
            });
        }
        if files.is_empty() {
            return Err(bad("the revision has no policies/ or claims/".into()));
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Pack {
            origin: format!("git:{rev}"),
            files,
        })
    }

    /// sha256 over the sorted files: each path and text, length-prefixed.
    pub fn digest(&self) -> Digest {
        let mut buf = Vec::new();
        for f in &self.files {
            for part in [f.name.as_bytes(), f.text.as_bytes()] {
                buf.extend_from_slice(&(part.len() as u64).to_be_bytes());
                buf.extend_from_slice(part);
            }
        }
        Digest::sha256_of(&buf)
    }

    /// The catalog file.
    pub fn catalog_file(&self) -> Option<&SourceFile> {
        self.files.iter().find(|f| f.name == CATALOG_PATH)
    }
}

fn walk(
    root: &Path,
    dir: &Path,
    out: &mut Vec<SourceFile>,
    io: &dyn Fn(&Path, std::io::Error) -> PolicyError,
) -> Result<(), PolicyError> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| io(dir, e))?;
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        let ft = e.file_type().map_err(|err| io(&p, err))?;
        if ft.is_dir() {
            walk(root, &p, out, io)?;
            continue;
        }
        if !is_pack_file(&p) {
            continue;
        }
        if out.len() >= MAX_PACK_FILES {
            return Err(PolicyError::Io {
                path: root.display().to_string(),
                reason: format!("more than {MAX_PACK_FILES} files"),
            });
        }
        let rel = p
            .strip_prefix(root)
            .unwrap_or(&p)
            .to_string_lossy()
            .replace('\\', "/");
        let file = SourceFile::read(&p, rel).map_err(|e| io(&p, e))?;
        out.push(file);
    }
    Ok(())
}

/// Whether a file belongs to a pack: Rego, and the catalog and data files beside it.
fn is_pack_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|x| x.to_str()),
        Some("rego" | "yaml" | "yml" | "json")
    )
}

/// Refuses a compiled engine whose rules or functions recurse (regorus would overflow the
/// stack), call each other in a chain deeper than [`recursion::MAX_CALL_DEPTH`], call a
/// builtin whose result is not a function of the input, or call a function that does not
/// exist (or with the wrong number of arguments). `hosts` are the engine's host functions and
/// their arities. Upstream policies get the same check. Returns every rule the pack defines
/// (`package.name`).
pub(crate) fn check_calls(
    modules: &[serde_json::Value],
    hosts: &[(&str, usize)],
) -> Result<std::collections::BTreeSet<String>, PolicyError> {
    let findings = recursion::check(modules, hosts);
    if let Some(c) = findings.bad_call {
        let span = SourceSpan::new(c.span.0.into(), c.span.1);
        return Err(PolicyError::Call {
            at: Located {
                src: Some(NamedSource::new(c.file.clone(), c.text)),
                file: c.file,
                span: Some(span),
                label: "this call",
                help: Some(format!(
                    "check the name and arguments of `{}`; builtins are listed at https://www.openpolicyagent.org/docs/policy-reference/builtins",
                    c.function
                )),
            },
            function: c.function,
            problem: c.problem,
        });
    }
    if let Some(f) = findings.forbidden {
        let span = SourceSpan::new(f.span.0.into(), f.span.1);
        return Err(PolicyError::Builtin {
            at: Located {
                src: Some(NamedSource::new(f.file.clone(), f.text)),
                file: f.file,
                span: Some(span),
                label: "refused builtin",
                help: Some("a pack is a function of its input: the same evidence must give the same decision, or receipts do not replay; pass what the policy needs in the evidence instead".into()),
            },
            builtin: f.builtin,
            why: f.why.to_string(),
            rule: f.rule,
        });
    }
    if let Some(c) = findings.cycle {
        return Err(PolicyError::Recursion {
            file: c.file,
            cycle: c.path.join(" → "),
        });
    }
    if let Some(d) = findings.deep {
        return Err(PolicyError::CallDepth {
            file: d.file,
            rule: d.rule,
            depth: d.depth,
            limit: recursion::MAX_CALL_DEPTH,
            chain: d.start.join(" → "),
        });
    }
    Ok(findings.defined)
}

/// The values the evidence schema names for an input path (`runtime.attestations[].tee`):
/// enums, consts and both booleans.
pub fn schema_values(path: &str) -> Vec<serde_json::Value> {
    names::schema_values(names::input_schema(), path)
}

/// The parsed policies of an engine being loaded, as JSON ([`ast::json`]).
pub(crate) fn parsed(engine: &mut regorus::Engine) -> Result<Vec<serde_json::Value>, PolicyError> {
    ast::json(engine).map_err(|message| PolicyError::Eval {
        rule: "(parsed policies)".into(),
        message,
    })
}

/// Runs regorus' analysis of the loaded policies now (it otherwise runs at the first
/// evaluation): an unsafe variable or a rule that cannot be scheduled is a load error pointing
/// at its own file, not an evaluation error of whichever rule was asked for first. The engine
/// stays prepared, so clones of it start ready.
pub(crate) fn analyze(
    engine: &mut regorus::Engine,
    files: &[&SourceFile],
) -> Result<(), PolicyError> {
    let Err(e) = engine.eval_query("true".into(), false) else {
        return Ok(());
    };
    let message = e.to_string();
    let file = files
        .iter()
        .find(|f| message.contains(&format!("--> {}:", f.name)));
    Err(match file {
        Some(f) => PolicyError::Unsafe {
            at: Located::at(f, locate(&message, f)),
            message: first_line(&message),
        },
        None => PolicyError::Eval {
            rule: "(analysis)".into(),
            message: eval_message(&message),
        },
    })
}

/// Turns regorus' `--> file:line:col` into a span in that file.
fn locate(message: &str, file: &SourceFile) -> Option<SourceSpan> {
    let marker = format!("--> {}:", file.name);
    let at = message.find(&marker)?;
    let rest = message.get(at + marker.len()..)?;
    let mut nums = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty());
    let line: usize = nums.next()?.parse().ok()?;
    let col: usize = nums.next()?.parse().ok()?;
    Some(SourceSpan::new(offset_of(&file.text, line, col).into(), 1))
}

/// The byte offset of regorus' 1-based `line:col`, where a tab counts as 4 columns.
fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let start = miette::SourceOffset::from_location(text, line, 1).offset();
    let rest = text.get(start..).unwrap_or_default();
    let mut at = 1;
    for (i, c) in rest.char_indices() {
        if at >= col || c == '\n' {
            return start + i;
        }
        at += if c == '\t' { 4 } else { 1 };
    }
    text.len()
}

/// The message of a regorus error, without its location block (`error: <message>`).
/// regorus' message of an evaluation error in one line, with the failing call's place, which
/// regorus gives on a line of its own (`--> file:line:col`): an evaluation error has no span
/// of claimgate's to point at, so the place goes in the text.
fn eval_message(message: &str) -> String {
    let line = first_line(message);
    match message.lines().find_map(|l| l.trim().strip_prefix("-->")) {
        Some(at) => format!("{line} (at {})", at.trim()),
        None => line,
    }
}

fn first_line(message: &str) -> String {
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let line = lines
        .iter()
        .find_map(|l| l.strip_prefix("error:"))
        .or_else(|| lines.last().copied())
        .unwrap_or(message)
        .trim();
    line.to_string()
}
