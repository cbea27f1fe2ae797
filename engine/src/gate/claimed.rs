//! The claimed file: sentences or claim ids someone intends to publish (release notes, marketing
//! text), and how each one is matched against the catalog and checked against a decision.
//!
//! Ids match exactly. Sentences match after normalizing: runs of whitespace become one space,
//! case is ignored, typographic quotes count as straight ones, and one trailing period is
//! dropped. A catalog sentence's `{placeholders}` match any non-empty text; the bundle's own
//! sentence then decides whether the claimed wording is the one its evidence supports.

use super::{blocked, blocklist_rewrite, Check, GateError};
use crate::catalog::Catalog;
use crate::decision::{Decision, Rewrite};
use crate::source::{Located, SourceFile, Syntax};
use std::path::Path;

/// The items of a claimed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The file as given
    pub file: String,
    /// Items in file order, duplicates (after normalizing) dropped
    pub items: Vec<ClaimedItem>,
}

/// One claimed sentence or claim id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedItem {
    /// The text, trimmed
    pub text: String,
    /// Its 1-based line in the file, when known
    pub line: Option<usize>,
    /// What it is, when classified as it was read (published text, whose paraphrases only
    /// the catalog's compiled patterns find); else the catalog alone classifies it
    pub(crate) matched: Option<Match>,
}

impl Claimed {
    /// Reads a claimed file (an absolute path under the working directory is shown relative to
    /// it): a YAML list of strings when the name ends in `.yaml`, `.yml` or
    /// `.json`, else plain text with one item per line (blank lines and `#` comments ignored).
    pub fn read(path: &Path) -> Result<Claimed, GateError> {
        let path = &super::expand::relative(path);
        let file = read_file(path)?;
        let name = file.name.clone();
        let structured = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        );
        let claimed = if structured {
            Claimed::from_yaml(&file, Syntax::of(path))?
        } else {
            Claimed::from_text(&file)
        };
        if claimed.items.is_empty() {
            return Err(GateError::Claimed {
                message: "it lists no claims".to_string(),
                at: Located::named(name).help(if structured {
                    "a structured claimed file is a list of strings, e.g. `- job.output_bound`"
                } else {
                    "write one sentence or claim id per line; blank lines and lines starting with `#` are ignored"
                }),
            });
        }
        Ok(claimed)
    }

    /// Published text (markdown, HTML or plain): the sentences that are catalog claims, blocked
    /// sentences, louder versions of a claim or paraphrases of a blocked sentence (as
    /// `claimgate audit --text` finds them); the rest is prose, and no requirement.
    pub fn from_prose(
        path: &Path,
        catalog: &Catalog,
        patterns: &crate::catalog::Paraphrases<'_>,
    ) -> Result<Claimed, GateError> {
        let path = &super::expand::relative(path);
        let file = read_file(path)?;
        let mut items: Vec<ClaimedItem> = Vec::new();
        for s in crate::text::sentences(&file.text) {
            let matched = match crate::text::classify(&s.text, catalog, patterns) {
                Match::Unknown => continue,
                m => m,
            };
            push(&mut items, &s.text, Some(s.line), Some(matched));
        }
        Ok(Claimed {
            file: file.name,
            items,
        })
    }

    /// One item per line; blank lines and lines whose first non-blank character is `#` are
    /// ignored.
    pub fn from_text(file: &SourceFile) -> Claimed {
        let mut items = Vec::new();
        for (i, line) in file.text.lines().enumerate() {
            let text = line.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            push(&mut items, text, Some(i + 1), None);
        }
        Claimed {
            file: file.name.clone(),
            items,
        }
    }

    /// A YAML (or JSON) list of strings.
    pub fn from_yaml(file: &SourceFile, syntax: Syntax) -> Result<Claimed, GateError> {
        let list: Vec<String> = file.parse(syntax).map_err(|e| GateError::Claimed {
            message: e.message,
            at: Located::at(file, e.span)
                .help("a structured claimed file is a list of strings, e.g. `- job.output_bound`"),
        })?;
        let mut items = Vec::new();
        let mut from = 0;
        for raw in &list {
            let text = raw.trim();
            if text.is_empty() {
                continue;
            }
            // The line of the item: its first occurrence after the previous item.
            let line = file
                .text
                .get(from..)
                .and_then(|rest| rest.find(text))
                .map(|i| {
                    from += i + text.len();
                    super::locate::line_of(&file.text, from - text.len())
                });
            push(&mut items, text, line, None);
        }
        Ok(Claimed {
            file: file.name.clone(),
            items,
        })
    }
}

fn read_file(path: &Path) -> Result<SourceFile, GateError> {
    let name = path.display().to_string();
    SourceFile::read(path, name.clone()).map_err(|e| GateError::Claimed {
        message: match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string(),
        },
        at: Located::named(name),
    })
}

/// Adds an item unless one that normalizes the same is there already.
fn push(items: &mut Vec<ClaimedItem>, text: &str, line: Option<usize>, matched: Option<Match>) {
    let n = normalize(text);
    if items.iter().any(|i| normalize(&i.text) == n) {
        return;
    }
    items.push(ClaimedItem {
        text: text.to_string(),
        line,
        matched,
    });
}

pub use crate::catalog::normalize_sentence as normalize;

/// What a claimed item is, as far as the catalog knows (independent of any bundle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Match {
    /// A catalog claim, named by its id or written as its sentence
    Claim {
        /// Claim id
        id: String,
        /// Named by id (else by sentence)
        by_id: bool,
    },
    /// A blocked sentence, by id or sentence
    Blocked {
        /// Blocked id
        id: String,
        /// Why it overreaches
        why: String,
    },
    /// A sentence of published text that says in other words what a blocked sentence says
    Paraphrases {
        /// Blocked id
        id: String,
        /// Why the blocked sentence overreaches
        why: String,
    },
    /// A louder sentence a claim must never be inflated to (and not itself on the blocklist)
    Inflates {
        /// The claim it inflates
        id: String,
    },
    /// Neither an id nor a sentence of the catalog
    Unknown,
}

pub(crate) fn classify(text: &str, catalog: &Catalog) -> Match {
    let text = text.trim();
    if catalog.claim(text).is_some() {
        return Match::Claim {
            id: text.to_string(),
            by_id: true,
        };
    }
    let n = normalize(text);
    // The blocklist first: a sentence that is never allowed must not slip through a template.
    if let Some(b) = catalog
        .blocked
        .iter()
        .find(|b| b.id == text || normalize(&b.sentence) == n)
    {
        return Match::Blocked {
            id: b.id.clone(),
            why: b.why.clone(),
        };
    }
    if let Some(c) = catalog
        .claims
        .iter()
        .find(|c| template_matches(&c.sentence, &n))
    {
        return Match::Claim {
            id: c.id.clone(),
            by_id: false,
        };
    }
    if let Some(c) = catalog
        .claims
        .iter()
        .find(|c| c.never_inflate_to.iter().any(|s| normalize(s) == n))
    {
        return Match::Inflates { id: c.id.clone() };
    }
    Match::Unknown
}

/// Whether a normalized sentence is the catalog sentence with its placeholders filled somehow.
fn template_matches(template: &str, normalized: &str) -> bool {
    const HOLE: char = '\u{1}';
    let mut holed = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest.get(start..).and_then(|r| r.find('}')) else {
            break;
        };
        holed.push_str(rest.get(..start).unwrap_or_default());
        holed.push(HOLE);
        rest = rest.get(start + len + 1..).unwrap_or_default();
    }
    holed.push_str(rest);
    let pattern = normalize(&holed);
    let parts: Vec<&str> = pattern.split(HOLE).collect();
    wildcard(&parts, normalized)
}

/// `parts` joined by wildcards that each match one or more characters.
fn wildcard(parts: &[&str], s: &str) -> bool {
    let (first, middle, last) = match parts {
        [] => return false,
        [only] => return s == *only,
        [first, middle @ .., last] => (first, middle, last),
    };
    if s.len() < first.len() + last.len() {
        return false;
    }
    let Some(mut rest) = s.strip_prefix(first).and_then(|r| r.strip_suffix(last)) else {
        return false;
    };
    for m in middle {
        // The wildcard before `m` takes at least one character.
        let Some(skip) = rest.chars().next().map(char::len_utf8) else {
            return false;
        };
        let Some(at) = rest.get(skip..).and_then(|r| r.find(m)) else {
            return false;
        };
        rest = rest.get(skip + at + m.len()..).unwrap_or_default();
    }
    !rest.is_empty()
}

/// How a claimed item is quoted in messages: an id as code, a sentence in quotes.
pub(super) fn quote(text: &str) -> String {
    if text.contains(char::is_whitespace) {
        format!("\"{text}\"")
    } else {
        format!("`{text}`")
    }
}

/// Checks one claimed item against a bundle's decision.
pub(crate) fn check(c: &mut Check, text: &str, m: &Match, d: &Decision, catalog: &Catalog) {
    let q = quote(text);
    match m {
        Match::Claim { id, by_id } => {
            let which = if *by_id {
                String::new()
            } else {
                format!(" (`{id}`)")
            };
            match d.allowed.iter().find(|a| a.id == *id) {
                Some(a) if *by_id || normalize(text) == normalize(&a.sentence) => {
                    c.message = format!("claimed {q} is allowed{which}");
                }
                Some(a) => {
                    c.passed = false;
                    c.message = format!(
                        "claimed {q} is worded differently from what this bundle's evidence supports for `{id}`"
                    );
                    c.safer = Some(Rewrite {
                        id: id.clone(),
                        sentence: a.sentence.clone(),
                        allowed: true,
                    });
                }
                None => {
                    c.passed = false;
                    c.message =
                        format!("claimed {q}{which} is not allowed by this bundle's evidence");
                    if let Some(b) = blocked(d, id) {
                        c.reasons.clone_from(&b.reasons);
                        c.safer = b.safer.clone().filter(|s| s.allowed);
                    }
                }
            }
        }
        Match::Blocked { id, why } => {
            c.passed = false;
            let which = if text == id {
                String::new()
            } else {
                format!(" (`{id}`)")
            };
            c.message = format!("claimed {q} is never allowed{which}");
            c.reasons.push(why.clone());
            c.safer = blocklist_rewrite(d, id);
        }
        Match::Paraphrases { id, why } => {
            c.passed = false;
            c.message = format!("claimed {q} says in other words what `{id}` never allows");
            c.reasons.push(why.clone());
            c.safer = blocklist_rewrite(d, id);
        }
        Match::Inflates { id } => {
            c.passed = false;
            c.message = format!("claimed {q} inflates `{id}` beyond any evidence");
            let sentence = d
                .allowed
                .iter()
                .find(|a| a.id == *id)
                .map(|a| a.sentence.clone())
                .or_else(|| blocked(d, id).map(|b| b.sentence.clone()))
                .or_else(|| catalog.claim(id).map(|cl| cl.sentence.clone()))
                .unwrap_or_default();
            c.safer = Some(Rewrite {
                id: id.clone(),
                sentence,
                allowed: d.allows(id),
            });
        }
        Match::Unknown => {
            c.passed = false;
            c.message = format!("claimed {q} is not a claim of the catalog");
            c.reasons.push(
                "claimgate vouches only for catalog claims: publish a catalog sentence or claim id"
                    .to_string(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizing_ignores_case_space_quotes_and_a_final_period() {
        assert_eq!(
            normalize("  The  benchmark\tproves the JOB ran. "),
            "the benchmark proves the job ran"
        );
        assert_eq!(normalize("this job\u{2019}s runtime"), "this job's runtime");
        assert_eq!(normalize("no period"), "no period");
    }

    #[test]
    fn placeholders_match_any_filled_text() {
        let t = "The verifier path was reached and policy {outcome} the evidence.";
        assert!(template_matches(
            t,
            &normalize("The verifier path was reached and policy rejected the evidence.")
        ));
        assert!(!template_matches(
            t,
            &normalize("The verifier path was reached and policy  the evidence.")
        ));
        assert!(!template_matches(
            t,
            &normalize("The verifier path was reached.")
        ));
        let two = "a {x} b {y} c";
        assert!(template_matches(two, "a 1 b 2 c"));
        assert!(!template_matches(two, "a 1 b c"));
        assert!(template_matches("plain.", "plain"));
    }

    #[test]
    fn text_files_skip_blank_lines_comments_and_duplicates() {
        let f = SourceFile {
            name: "c.txt".into(),
            text: "# intro\n\nThe benchmark proves the job ran.\n  # indented comment\nthe benchmark proves the job ran\njob.output_bound\n".into(),
        };
        let c = Claimed::from_text(&f);
        let got: Vec<(&str, Option<usize>)> =
            c.items.iter().map(|i| (i.text.as_str(), i.line)).collect();
        assert_eq!(
            got,
            [
                ("The benchmark proves the job ran.", Some(3)),
                ("job.output_bound", Some(6))
            ]
        );
    }

    #[test]
    fn yaml_lists_keep_their_lines() {
        let f = SourceFile {
            name: "c.yaml".into(),
            text:
                "# claims\n- job.output_bound\n- \"TEE attestation proves the answer is true.\"\n"
                    .into(),
        };
        let c = Claimed::from_yaml(&f, Syntax::Yaml).unwrap();
        assert_eq!(c.items.len(), 2);
        assert_eq!(c.items[0].line, Some(2));
        assert_eq!(c.items[1].line, Some(3));
        let bad = SourceFile {
            name: "c.yaml".into(),
            text: "claims: [a]\n".into(),
        };
        assert!(Claimed::from_yaml(&bad, Syntax::Yaml).is_err());
    }
}
