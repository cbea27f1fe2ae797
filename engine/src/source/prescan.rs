//! A linear pre-scan of YAML text, run before the parser sees it.
//!
//! The YAML parser spends time proportional to the open flow levels on every token, so deep
//! `[[[[…` nesting costs quadratic time before any depth limit fires; and it builds every event
//! of a document before deserialization starts. This scan reads the text once, tracking only
//! quotes, comments, block scalars, flow brackets and block indentation, and refuses:
//!
//! - nesting deeper than [`MAX_DEPTH`] (flow brackets plus block levels);
//! - YAML tags (`!!binary`, `!custom`): a tag would change what a value means, and the parser
//!   drops standard ones silently;
//! - plain numbers that overflow a 64-bit float (`1e400`), which the parser would turn into
//!   strings.
//!
//! It also returns an estimate of the number of nodes (scalars, collections, entries, aliases),
//! so an oversized document is refused before the parser allocates its events. The scan errs on
//! the side of refusing: text it cannot place (a tag-like `!` at the start of a continuation
//! line of a plain scalar, say) is refused, never skipped.

use super::{ParseFailure, MAX_DEPTH};
use miette::SourceSpan;

fn located(message: String, at: usize, len: usize) -> ParseFailure {
    ParseFailure {
        message,
        span: Some(SourceSpan::new(at.into(), len.max(1))),
        over: None,
    }
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_flow_indicator(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

/// Scans `text`; on success returns the node estimate.
pub(super) fn scan(text: &str) -> Result<u64, ParseFailure> {
    Scan {
        b: text.as_bytes(),
        text,
        i: 0,
        flow: 0,
        block: Vec::new(),
        count: 0,
        line_start: 0,
        node_start: true,
        push_next: false,
    }
    .run()
}

struct Scan<'t> {
    b: &'t [u8],
    text: &'t str,
    i: usize,
    /// Open flow collections
    flow: usize,
    /// Indentation columns of the open block levels
    block: Vec<usize>,
    count: u64,
    line_start: usize,
    /// Whether the next token starts a node
    node_start: bool,
    /// Whether the next token on this line opens a block level (after `- ` or `? `)
    push_next: bool,
}

impl Scan<'_> {
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(b'\n')
    }

    fn depth_check(&self, at: usize) -> Result<(), ParseFailure> {
        let depth = self.flow.saturating_add(self.block.len());
        if depth > MAX_DEPTH {
            return Err(located(
                format!("nesting is deeper than {MAX_DEPTH} levels"),
                at,
                1,
            ));
        }
        Ok(())
    }

    fn push_block(&mut self, col: usize, at: usize) -> Result<(), ParseFailure> {
        while self.block.last().is_some_and(|top| *top >= col) {
            self.block.pop();
        }
        self.block.push(col);
        self.depth_check(at)
    }

    fn skip_to_eol(&mut self) {
        while self.i < self.b.len() && self.at(self.i) != b'\n' {
            self.i += 1;
        }
    }

    fn run(mut self) -> Result<u64, ParseFailure> {
        let n = self.b.len();
        let mut line_begin = true;
        while self.i < n {
            if line_begin {
                line_begin = false;
                self.line_start = self.i;
                let mut j = self.i;
                while j < n && self.at(j) == b' ' {
                    j += 1;
                }
                self.i = j;
                let c = self.at(j);
                if c == b'\n' || c == b'\r' || c == b'#' || j >= n {
                    continue;
                }
                if self.flow == 0 && j == self.line_start {
                    if c == b'%' {
                        self.skip_to_eol();
                        continue;
                    }
                    let marker = self.b.get(j..j + 3);
                    if (marker == Some(b"---") || marker == Some(b"...")) && is_ws(self.at(j + 3)) {
                        self.block.clear();
                        self.i = j + 3;
                        self.node_start = true;
                        continue;
                    }
                }
                if self.flow == 0 {
                    self.push_block(j - self.line_start, j)?;
                    self.node_start = true;
                }
                continue;
            }
            let c = self.at(self.i);
            match c {
                b'\n' => {
                    self.i += 1;
                    line_begin = true;
                    self.push_next = false;
                    if self.flow == 0 {
                        self.node_start = true;
                    }
                    continue;
                }
                b' ' | b'\t' | b'\r' => {
                    self.i += 1;
                    continue;
                }
                b'#' if self.i == 0 || is_ws(self.at(self.i - 1)) => {
                    self.skip_to_eol();
                    continue;
                }
                _ => {}
            }
            if self.push_next && self.flow == 0 {
                self.push_next = false;
                let col = self.i - self.line_start;
                self.push_block(col, self.i)?;
            }
            if !self.node_start {
                self.after_token(c);
                continue;
            }
            self.node(c)?;
        }
        Ok(self.count)
    }

    /// A character right after a complete token.
    fn after_token(&mut self, c: u8) {
        match c {
            b':' | b',' | b'?' | b'-' => self.node_start = true,
            b'[' | b'{' => {
                // Only reachable in odd text; let the parser judge it, but keep depth honest.
                self.node_start = true;
                return;
            }
            b']' | b'}' => self.flow = self.flow.saturating_sub(1),
            _ => {}
        }
        self.i += 1;
    }

    /// A token at the start of a node.
    fn node(&mut self, c: u8) -> Result<(), ParseFailure> {
        let next = self.at(self.i + 1);
        match c {
            b'[' | b'{' => {
                self.count += 1;
                self.flow += 1;
                self.depth_check(self.i)?;
                self.i += 1;
            }
            b']' | b'}' => {
                self.flow = self.flow.saturating_sub(1);
                self.node_start = false;
                self.i += 1;
            }
            b',' if self.flow > 0 => self.i += 1,
            b'\'' => {
                self.count += 1;
                self.i += 1;
                while self.i < self.b.len() {
                    if self.at(self.i) == b'\'' {
                        if self.at(self.i + 1) == b'\'' {
                            self.i += 2;
                            continue;
                        }
                        break;
                    }
                    self.i += 1;
                }
                self.i += 1;
                self.node_start = false;
            }
            b'"' => {
                self.count += 1;
                self.i += 1;
                while self.i < self.b.len() {
                    match self.at(self.i) {
                        b'\\' => self.i += 2,
                        b'"' => break,
                        _ => self.i += 1,
                    }
                }
                self.i += 1;
                self.node_start = false;
            }
            b'!' => {
                let start = self.i;
                let mut end = start;
                while end < self.b.len() && !is_ws(self.at(end)) && !is_flow_indicator(self.at(end))
                {
                    end += 1;
                }
                let tag = self.text.get(start..end).unwrap_or("!");
                return Err(located(
                    format!(
                        "YAML tag `{tag}` is not allowed: tags change what a value means; write the plain value"
                    ),
                    start,
                    end - start,
                ));
            }
            b'&' | b'*' => {
                if c == b'*' {
                    self.count += 1;
                    self.node_start = false;
                }
                self.i += 1;
                while self.i < self.b.len()
                    && !is_ws(self.at(self.i))
                    && !is_flow_indicator(self.at(self.i))
                {
                    self.i += 1;
                }
            }
            b'|' | b'>' if self.flow == 0 => {
                self.count += 1;
                self.block_scalar();
            }
            b'-' | b'?' | b':' if is_ws(next) || (self.flow > 0 && is_flow_indicator(next)) => {
                if c == b'-' {
                    self.count += 1;
                }
                self.push_next = c != b':' && self.flow == 0;
                self.i += 1;
            }
            _ => {
                self.count += 1;
                self.plain()?;
            }
        }
        Ok(())
    }

    /// A plain scalar: to the end of the line, a comment, a `: ` or (in flow) an indicator.
    fn plain(&mut self) -> Result<(), ParseFailure> {
        let start = self.i;
        while self.i < self.b.len() {
            let c = self.at(self.i);
            let next = self.at(self.i + 1);
            if c == b'\n'
                || (c == b'#' && self.i > start && is_ws(self.at(self.i - 1)))
                || (c == b':' && (is_ws(next) || (self.flow > 0 && is_flow_indicator(next))))
                || (self.flow > 0 && is_flow_indicator(c))
            {
                break;
            }
            self.i += 1;
        }
        self.node_start = false;
        let token = self.text.get(start..self.i).unwrap_or("").trim_end();
        if looks_numeric(token) && token.parse::<f64>().is_ok_and(|v| v.is_infinite()) {
            return Err(located(
                format!("number `{token}` is out of range: it overflows a 64-bit float"),
                start,
                token.len(),
            ));
        }
        Ok(())
    }

    /// A literal or folded block scalar: its header line, then every line indented deeper than
    /// the node that owns it (blank lines included).
    fn block_scalar(&mut self) {
        let indicator = self.i;
        // The owner's column: the first thing on the line after any `- ` entries, unless that
        // is the indicator itself (then the last `-`, else one less than the indicator).
        let mut k = self.line_start;
        while self.at(k) == b' ' {
            k += 1;
        }
        let mut owner: Option<usize> = None;
        while self.at(k) == b'-' && is_ws(self.at(k + 1)) && k < indicator {
            owner = Some(k - self.line_start);
            k += 1;
            while self.at(k) == b' ' {
                k += 1;
            }
        }
        let col = |i: usize, s: &Self| i - s.line_start;
        let owner = if k < indicator {
            col(k, self)
        } else {
            owner.unwrap_or_else(|| col(indicator, self).saturating_sub(1))
        };
        self.skip_to_eol();
        let mut content: Option<usize> = None;
        while self.i < self.b.len() {
            // self.i is at a '\n'
            let line = self.i + 1;
            let mut j = line;
            while self.at(j) == b' ' {
                j += 1;
            }
            let blank = matches!(self.at(j), b'\n' | b'\r');
            if j >= self.b.len() {
                self.i = self.b.len();
                break;
            }
            let indent = j - line;
            let inside = blank
                || match content {
                    Some(n) => indent >= n,
                    None => indent > owner,
                };
            if !inside {
                break;
            }
            if !blank && content.is_none() {
                content = Some(indent);
            }
            self.i = j;
            self.skip_to_eol();
        }
        self.node_start = false;
    }
}

/// YAML 1.2 core-schema float syntax: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn looks_numeric(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (s.get(..i).unwrap_or(""), Some(s.get(i + 1..).unwrap_or(""))),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mantissa, None),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match frac {
        Some(f) => digits(int) && digits(f) && !(int.is_empty() && f.is_empty()),
        None => !int.is_empty() && digits(int),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> String {
        match scan(text) {
            Ok(n) => format!("accepted ({n})"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn plain_documents_pass() {
        let doc = "a: 1\nb:\n  - x\n  - 'it''s'\n  - \"q!\"\nc: |\n  !not a tag\n  [x\nd: ok # !comment\ne: [1, {f: 2}]\ng: hello!there\n";
        assert!(scan(doc).is_ok(), "{}", refused(doc));
        assert!(scan("- - - x\n").is_ok());
        assert!(scan("{\"a\":1,\"b\":[true,null]}").is_ok());
    }

    #[test]
    fn tags_are_refused() {
        assert!(refused("a: !!binary aGVsbG8=\n").contains("`!!binary`"));
        assert!(refused("a: !custom x\n").contains("`!custom`"));
        assert!(refused("- !!str 5\n").contains("tag"));
        assert!(refused("a: [!!int 5]\n").contains("tag"));
        assert!(refused("a: &x !!int 5\n").contains("tag"));
        // After a block scalar ends, tags are seen again.
        assert!(refused("- k: |\n    text\n  other: !!binary x\n").contains("tag"));
    }

    #[test]
    fn depth_is_refused_in_linear_time() {
        let deep = "[".repeat(200_000);
        let t = std::time::Instant::now();
        assert!(refused(&deep).contains("deeper than"));
        assert!(t.elapsed().as_secs() < 2);
        let ok = format!("{}{}", "[".repeat(50), "]".repeat(50));
        assert!(scan(&ok).is_ok());
        let block: String = (0..150)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert!(refused(&block).contains("deeper than"));
        assert!(refused(&"- ".repeat(200)).contains("deeper than"));
    }

    #[test]
    fn overflowing_numbers_are_refused() {
        assert!(refused("value: 1e400\n").contains("out of range"));
        assert!(refused("value: -1.5E+999\n").contains("out of range"));
        assert!(scan("value: '1e400'\n").is_ok());
        assert!(scan("value: 1e300\n").is_ok());
        assert!(scan("value: .inf\n").is_ok(), "left to the strict walk");
    }
}
