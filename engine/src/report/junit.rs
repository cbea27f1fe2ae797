//! JUnit XML: one `<testsuite>` per bundle, one `<testcase>` per requirement. A requirement not
//! met is a `<failure>`; a bundle that could not be loaded or evaluated has an `<error>` in every
//! testcase, so it is never counted as passed or failed. No timestamps or durations: the same
//! report gives the same bytes. Written by hand with XML escaping. Message texts are
//! [`printable`] first, as CI pages show them to people.

use super::{at, printable, say_instead};
use crate::gate::{BundleResult, GateReport, Status};
use crate::policy::{TestOutcome, TestReport};
use std::io::{self, Write};

pub(super) fn write(r: &GateReport, w: &mut dyn Write) -> io::Result<()> {
    let n = r.requirements.len();
    let tests = r.bundles.len() * n;
    let failures: usize = r.bundles.iter().map(|b| b.failures().count()).sum();
    let errors = r.summary.errors * n;
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="claimgate gate" tests="{tests}" failures="{failures}" errors="{errors}">"#
    )?;
    for b in &r.bundles {
        suite(r, b, w)?;
    }
    writeln!(w, "</testsuites>")
}

fn suite(r: &GateReport, b: &BundleResult, w: &mut dyn Write) -> io::Result<()> {
    let n = r.requirements.len();
    let (failures, errors) = match b.status {
        Status::Error => (0, n),
        _ => (b.failures().count(), 0),
    };
    let path = attr(&b.path);
    // The schema CI servers validate against (Surefire's, as Jenkins reads it) allows `file`
    // on a testsuite, not on a testcase: a failure's own file and line lead its message.
    let file = b
        .manifest
        .as_deref()
        .map(|m| format!(r#" file="{}""#, attr(m)))
        .unwrap_or_default();
    writeln!(
        w,
        r#"  <testsuite name="{path}" tests="{n}" failures="{failures}" errors="{errors}"{file}>"#
    )?;
    let props: Vec<(&str, String)> = [
        ("status", Some(b.status.name().to_string())),
        ("label", b.label.map(|l| l.name().to_string())),
        ("job_id", b.job_id.clone()),
        ("manifest", b.manifest.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    writeln!(w, "    <properties>")?;
    for (k, v) in props {
        writeln!(w, r#"      <property name="{k}" value="{}"/>"#, attr(&v))?;
    }
    writeln!(w, "    </properties>")?;
    if let Some(e) = &b.error {
        for req in &r.requirements {
            writeln!(
                w,
                r#"    <testcase name="{}" classname="{path}">"#,
                attr(&req.name),
            )?;
            let mut body = format!("{}: {}", at(&e.location), printable(&e.message));
            if let Some(h) = &e.help {
                body.push_str(&format!("\nhelp: {}", printable(h)));
            }
            writeln!(
                w,
                r#"      <error message="{}" type="{}">{}</error>"#,
                attr(&printable(&e.message)),
                attr(&e.code),
                text(&body)
            )?;
            writeln!(w, "    </testcase>")?;
        }
    }
    for c in &b.checks {
        let open = format!(
            r#"    <testcase name="{}" classname="{path}""#,
            attr(&c.requirement),
        );
        if c.passed {
            writeln!(w, "{open}/>")?;
            continue;
        }
        writeln!(w, "{open}>")?;
        let mut body = vec![format!("{}: {}", at(&c.location), printable(&c.message))];
        body.extend(
            c.reasons
                .iter()
                .map(|r| format!("because {}", printable(r))),
        );
        body.extend(c.safer.iter().map(say_instead));
        writeln!(
            w,
            r#"      <failure message="{}" type="{}">{}</failure>"#,
            attr(&printable(&c.message)),
            c.kind.name(),
            text(&body.join("\n"))
        )?;
        writeln!(w, "    </testcase>")?;
    }
    writeln!(w, "  </testsuite>")
}

/// Characters XML 1.0 can carry at all; anything else becomes U+FFFD.
/// `claimgate test` as JUnit: one `<testsuite>` per test file, one `<testcase>` per test (its
/// rule path as the name, the file as the class); a failed test has a `<failure>`, one that
/// raised an error an `<error>` with the message.
pub(super) fn write_tests(r: &TestReport, w: &mut dyn Write) -> io::Result<()> {
    let (_, failed, errors) = r.counts();
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="claimgate test" tests="{}" failures="{failed}" errors="{errors}">"#,
        r.results.len()
    )?;
    let mut files: Vec<&str> = r.results.iter().map(|t| t.file.as_str()).collect();
    files.dedup();
    for file in files {
        let tests: Vec<_> = r.results.iter().filter(|t| t.file == file).collect();
        let count = |f: fn(&TestOutcome) -> bool| tests.iter().filter(|t| f(&t.outcome)).count();
        writeln!(
            w,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="{}">"#,
            attr(file),
            tests.len(),
            count(|o| *o == TestOutcome::Fail),
            count(|o| matches!(o, TestOutcome::Error(_)))
        )?;
        for t in tests {
            // Only the attributes the common JUnit schema has; the line goes in the message.
            let open = format!(
                r#"    <testcase classname="{}" name="{}""#,
                attr(file),
                attr(&t.rule)
            );
            let at = format!("{file}:{}", t.line);
            match &t.outcome {
                TestOutcome::Pass => writeln!(w, "{open}/>")?,
                TestOutcome::Fail => writeln!(
                    w,
                    "{open}>\n      <failure message=\"{} is not true ({})\"/>\n    </testcase>",
                    attr(&t.rule),
                    attr(&at)
                )?,
                TestOutcome::Error(e) => {
                    // The error names the failing call's place itself when regorus gave one.
                    let message = if e.contains("(at ") {
                        printable(e).to_string()
                    } else {
                        format!("{} ({at})", printable(e))
                    };
                    writeln!(
                        w,
                        "{open}>\n      <error message=\"{}\"/>\n    </testcase>",
                        attr(&message)
                    )?;
                }
            }
        }
        writeln!(w, "  </testsuite>")?;
    }
    writeln!(w, "</testsuites>")
}

fn xml_char(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'.. => c,
        _ => '\u{FFFD}',
    }
}

/// Escapes element text.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes an attribute value (double-quoted); whitespace that attribute normalization would
/// flatten is written as character references.
fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_xml_well_formed() {
        assert_eq!(text("a < b && c > d"), "a &lt; b &amp;&amp; c &gt; d");
        assert_eq!(
            attr("say \"x\" & 'y'\n<z>"),
            "say &quot;x&quot; &amp; &apos;y&apos;&#10;&lt;z&gt;"
        );
        assert_eq!(text("bell\u{7}nul\u{0}"), "bell\u{FFFD}nul\u{FFFD}");
        assert_eq!(text("tab\tok"), "tab\tok");
    }
}
