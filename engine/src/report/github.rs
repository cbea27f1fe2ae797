//! GitHub Actions workflow commands: one `::error file=…,line=…,title=…::message` per
//! requirement not met and per bundle that could not be loaded or evaluated, at most
//! [`GITHUB_MAX_ANNOTATIONS`](super::GITHUB_MAX_ANNOTATIONS) of them (the last then counts the
//! rest, which follow as plain log lines), then a summary line. Escaping follows the Actions toolkit: in the message `%`, `\r` and `\n`; in
//! properties also `:` and `,`. Text from a bundle is [`printable`] before it is joined into a
//! message, so the only line breaks in an annotation are claimgate's own, and nothing else that
//! acts on a log viewer (ANSI escapes, C1 controls, bidi overrides, separators) gets through.

use super::{printable, say_instead, summary_line};
use crate::gate::{GateReport, Location};
use std::io::{self, Write};

pub(super) fn write(r: &GateReport, max: usize, w: &mut dyn Write) -> io::Result<()> {
    let mut found: Vec<(&Location, String, String)> = Vec::new();
    for b in &r.bundles {
        if let Some(e) = &b.error {
            let mut msg = format!("{}: {}", printable(&b.path), printable(&e.message));
            if let Some(h) = &e.help {
                msg.push_str(&format!("\nhelp: {}", printable(h)));
            }
            found.push((&e.location, e.code.clone(), msg));
        }
        for c in b.failures() {
            let mut lines = vec![format!("{}: {}", printable(&b.path), printable(&c.message))];
            lines.extend(
                c.reasons
                    .iter()
                    .map(|r| format!("because {}", printable(r))),
            );
            lines.extend(c.safer.iter().map(say_instead));
            found.push((
                &c.location,
                format!("claimgate: {}", c.requirement),
                lines.join("\n"),
            ));
        }
    }
    // Within the limit, every finding is an annotation; past it, the first ones are, one more
    // says how many follow, and those follow as plain log lines.
    let annotated = if found.len() > max {
        max.saturating_sub(1)
    } else {
        found.len()
    };
    for (at, title, msg) in found.iter().take(annotated) {
        command(w, at, title, msg)?;
    }
    let rest = found.get(annotated..).unwrap_or_default();
    if let Some((first, ..)) = rest.first() {
        let msg = format!(
            "{} more findings are not annotated (GitHub shows at most {max} error annotations per step); they follow in the log, and every output format but this one holds them all",
            rest.len()
        );
        command(w, first, "claimgate: more findings", &msg)?;
        for (at, title, msg) in rest {
            let line = at.line.map(|l| format!(":{l}")).unwrap_or_default();
            writeln!(
                w,
                "{}{line}: {}: {}",
                printable(&at.file),
                printable(title),
                data(msg)
            )?;
        }
    }
    writeln!(w, "{}", summary_line(r))
}

fn command(w: &mut dyn Write, at: &Location, title: &str, msg: &str) -> io::Result<()> {
    let mut props = vec![format!("file={}", property(&at.file))];
    if let Some(line) = at.line {
        props.push(format!("line={line}"));
        if let Some(col) = at.column {
            props.push(format!("col={col}"));
        }
    }
    props.push(format!("title={}", property(title)));
    writeln!(w, "::error {}::{}", props.join(","), data(msg))
}

/// Escapes a command's message; any other unprintable character is written visibly.
fn data(s: &str) -> String {
    let s = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    printable(&s).into_owned()
}

/// Escapes a command property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_actions_toolkit() {
        assert_eq!(
            data("100% sure\r\nnext: a, b"),
            "100%25 sure%0D%0Anext: a, b"
        );
        assert_eq!(property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(data("x\u{1b}[2K\u{85}y"), "x\\u{1b}[2K\\u{85}y");
    }
}
