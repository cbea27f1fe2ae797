//! Errors as JSON (`--error-format json`): one object per error, whose labels give the file,
//! the 1-based line and column and the text they point at, as well as the byte offset and
//! length, so an editor or CI annotation needs no second pass over the file.

use miette::Diagnostic;
use serde_json::{json, Value};

/// The error as one JSON object: `message`, `code`, `severity`, `help`, `causes[]`, `labels[]`
/// (each `label`, `file`, `line`, `column`, `offset`, `length`, `text`) and `related[]`.
pub fn to_json(d: &dyn Diagnostic) -> Value {
    let labels: Vec<Value> = d
        .labels()
        .into_iter()
        .flatten()
        .map(|l| {
            let mut v = json!({
                "label": l.label(),
                "offset": l.offset(),
                "length": l.len(),
            });
            if let Some(src) = d.source_code() {
                if let Ok(contents) = src.read_span(l.inner(), 0, 0) {
                    v["file"] = json!(contents.name());
                    v["line"] = json!(contents.line() + 1);
                    v["column"] = json!(contents.column() + 1);
                    v["text"] = json!(String::from_utf8_lossy(contents.data()));
                }
            }
            v
        })
        .collect();
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(d);
    while let Some(e) = source {
        causes.push(json!(e.to_string()));
        source = e.source();
    }
    json!({
        "message": d.to_string(),
        "code": d.code().map(|c| c.to_string()),
        "severity": "error",
        "help": d.help().map(|h| h.to_string()),
        "causes": causes,
        "labels": labels,
        "related": d.related().into_iter().flatten().map(to_json).collect::<Vec<_>>(),
    })
}
