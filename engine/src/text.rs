//! Published text (an article, release notes, a marketplace listing) as sentences, each set
//! against the catalog: a claim (allowed or not by the evidence at hand), a sentence the
//! catalog never allows, one **near** it (a paraphrase its `paraphrases` patterns find), or
//! unclassified.
//!
//! Markdown, HTML and plain text are read alike: fenced code blocks, HTML tags and comments,
//! markdown emphasis, headings' `#`, list bullets and link targets are dropped, and what is
//! left is cut into sentences at `.`, `!` or `?` followed by a space, at a table cell's `|`,
//! or at the end of a paragraph. A sentence that negates (`not`, `never`, `cannot`, …) is a disclaimer, not a
//! claim: no paraphrase pattern is applied to it.

use crate::catalog::{BlockedClaim, Catalog};
use crate::gate::claimed::{self, Match};

/// One sentence of a text, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// The sentence, markup removed, whitespace collapsed
    pub text: String,
    /// 1-based line of the file it starts on
    pub line: usize,
}

/// Most sentences read from one text.
pub const MAX_SENTENCES: usize = 100_000;

/// The sentences of a text file's contents.
pub fn sentences(text: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    let mut fenced = false;
    let mut in_comment = false;
    let flush = |current: &mut String, start: usize, out: &mut Vec<Sentence>| {
        let t = current.split_whitespace().collect::<Vec<_>>().join(" ");
        if t.chars().any(char::is_alphabetic) && out.len() < MAX_SENTENCES {
            out.push(Sentence {
                text: t,
                line: start,
            });
        }
        current.clear();
    };
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let trimmed = raw.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            flush(&mut current, start, &mut out);
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let plain = strip_markup(raw, &mut in_comment);
        let plain = plain.trim();
        if plain.is_empty() {
            // A blank line ends a paragraph, and the sentence in it.
            flush(&mut current, start, &mut out);
            continue;
        }
        let mut chars = plain.chars().peekable();
        while let Some(c) = chars.next() {
            // A table cell ends a sentence.
            if c == '|' {
                flush(&mut current, start, &mut out);
                continue;
            }
            if current.trim().is_empty() {
                start = line_no;
            }
            current.push(c);
            if matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|n| n.is_whitespace()) {
                flush(&mut current, start, &mut out);
            }
        }
        current.push(' ');
    }
    flush(&mut current, start, &mut out);
    out
}

/// A line with HTML tags and comments, markdown emphasis, heading marks, bullets and link
/// targets removed (`[text](url)` keeps `text`).
fn strip_markup(line: &str, in_comment: &mut bool) -> String {
    let mut s = String::new();
    let mut rest = line;
    // HTML comments and tags.
    loop {
        if *in_comment {
            match rest.find("-->") {
                Some(end) => {
                    rest = rest.get(end + 3..).unwrap_or_default();
                    *in_comment = false;
                }
                None => return s,
            }
        }
        // Only from the next `<` on: a search for `<!--` over the whole rest, once per tag,
        // made a long line of tags quadratic.
        let next = rest.find('<');
        match next {
            Some(c) if rest.get(c..).is_some_and(|r| r.starts_with("<!--")) => {
                s.push_str(rest.get(..c).unwrap_or_default());
                rest = rest.get(c + 4..).unwrap_or_default();
                *in_comment = true;
            }
            Some(t) => {
                s.push_str(rest.get(..t).unwrap_or_default());
                match rest.get(t..).and_then(|r| r.find('>')) {
                    Some(end) => rest = rest.get(t + end + 1..).unwrap_or_default(),
                    None => {
                        s.push_str(rest.get(t..).unwrap_or_default());
                        break;
                    }
                }
                s.push(' ');
            }
            _ => {
                s.push_str(rest);
                break;
            }
        }
    }
    // Markdown: links keep their text; heading marks, bullets, emphasis and code ticks go.
    let mut out = String::new();
    let mut it = s
        .trim_start()
        .trim_start_matches(['#', '>', '*', '-', '+'])
        .chars()
        .peekable();
    while let Some(c) = it.next() {
        match c {
            ']' if it.peek() == Some(&'(') => {
                for d in it.by_ref() {
                    if d == ')' {
                        break;
                    }
                }
            }
            '[' | '*' | '_' | '`' => {}
            c => out.push(c),
        }
    }
    out
}

/// Words that make a sentence a disclaimer rather than a claim.
const NEGATIONS: &[&str] = &["not", "never", "cannot", "neither", "nor"];

fn negates(sentence: &str) -> bool {
    let lower = sentence.to_lowercase().replace('\u{2019}', "'");
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    words
        .iter()
        .any(|w| NEGATIONS.contains(w) || w.ends_with("n't"))
        || words.windows(2).any(|w| w == ["no", "longer"])
}

/// What one sentence is: a catalog sentence or id (exactly, or a louder version), else a
/// paraphrase of a blocked sentence ([`Match::Paraphrases`]), else unclassified
/// ([`Match::Unknown`]).
pub fn classify(
    sentence: &str,
    catalog: &Catalog,
    patterns: &[(&BlockedClaim, Vec<regex::Regex>)],
) -> Match {
    match claimed::classify(sentence, catalog) {
        Match::Unknown => {}
        m => return m,
    }
    if negates(sentence) {
        return Match::Unknown;
    }
    patterns
        .iter()
        .find(|(_, ps)| ps.iter().any(|p| p.is_match(sentence)))
        .map_or(Match::Unknown, |(b, _)| Match::Paraphrases {
            id: b.id.clone(),
            why: b.why.clone(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn markup_and_code_are_not_sentences() {
        let text = "# Title here\n\nThe **benchmark** shows [capacity](http://x/y.z). It is fast!\n\n```\nnot.a sentence.\n```\n<p>An <b>HTML</b> one.</p> <!-- hidden. -->\n- A bullet\n  over two lines.\n\n| Cell one | cell two. |\n|---|---|\n";
        let got: Vec<(String, usize)> = sentences(text)
            .into_iter()
            .map(|s| (s.text, s.line))
            .collect();
        assert_eq!(
            got,
            [
                ("Title here".to_string(), 1),
                ("The benchmark shows capacity.".to_string(), 3),
                ("It is fast!".to_string(), 3),
                ("An HTML one.".to_string(), 8),
                ("A bullet over two lines.".to_string(), 9),
                ("Cell one".to_string(), 12),
                ("cell two.".to_string(), 12),
            ]
        );
    }

    #[test]
    fn a_negated_sentence_is_a_disclaimer() {
        assert!(negates("The benchmark does not prove the job ran."));
        assert!(negates("This isn't proof."));
        assert!(negates("It can never be shown."));
        assert!(!negates("Nothing was learned from the denial."));
        assert!(!negates("Notably, the job ran."));
    }

    #[derive(serde::Deserialize)]
    struct Case {
        text: String,
        expect: String,
    }

    #[test]
    fn the_paraphrase_corpus() {
        let catalog = Catalog::parse(&crate::source::SourceFile {
            name: "catalog.yaml".into(),
            text: include_str!("../../claims/catalog.yaml").into(),
        })
        .unwrap();
        let cases: Vec<Case> =
            serde_yaml::from_str(include_str!("../../testdata/text/paraphrases.yaml")).unwrap();
        assert!(cases.len() >= 40, "{} cases", cases.len());
        let patterns = catalog.paraphrases().unwrap();
        let (mut tp, mut fp, mut positives, mut wrong) = (0usize, 0usize, 0usize, Vec::new());
        for c in &cases {
            let got = match classify(&c.text, &catalog, &patterns) {
                Match::Paraphrases { id, .. } | Match::Blocked { id, .. } => Some(id),
                _ => None,
            };
            let want = (c.expect != "ok").then_some(c.expect.clone());
            positives += usize::from(want.is_some());
            match (&got, &want) {
                (Some(g), Some(w)) if g == w => tp += 1,
                (Some(_), _) => fp += 1,
                _ => {}
            }
            if got != want {
                wrong.push(format!("{:?}: got {got:?}, want {want:?}", c.text));
            }
        }
        let precision = tp as f64 / (tp + fp).max(1) as f64;
        let recall = tp as f64 / positives.max(1) as f64;
        let _ = writeln!(
            std::io::stderr(),
            "paraphrase corpus: {} sentences, precision {precision:.3}, recall {recall:.3}",
            cases.len()
        );
        assert!(
            precision >= 0.95 && recall >= 0.9,
            "precision {precision:.3}, recall {recall:.3}:\n{}",
            wrong.join("\n")
        );
    }
}
