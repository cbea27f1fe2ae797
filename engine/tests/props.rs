//! Properties over the real bundles of `testdata/bundles`, each rewritten as one inline JSON
//! manifest and then changed at random: removing or downgrading evidence never allows a new claim,
//! and a hostile string in any string field never reaches an allowed sentence or the human report
//! unescaped. Any input: no panic.

use crate::Scratch;
use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The native bundles, each as (directory, manifest with every document inline).
fn bundles() -> &'static [(PathBuf, Value)] {
    static B: std::sync::OnceLock<Vec<(PathBuf, Value)>> = std::sync::OnceLock::new();
    B.get_or_init(|| {
        let mut out = Vec::new();
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(crate::testdata("bundles"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            let (text, json) = match std::fs::read_to_string(dir.join("bundle.yaml")) {
                Ok(t) => (t, false),
                Err(_) => (
                    std::fs::read_to_string(dir.join("bundle.json")).unwrap(),
                    true,
                ),
            };
            let mut m: Value = if json {
                serde_json::from_str(&text).unwrap()
            } else {
                serde_yaml::from_str(&text).unwrap()
            };
            for d in m["documents"].as_array_mut().into_iter().flatten() {
                // A document without a kind is detected from its file: it stays a file.
                let path = d.get("path").and_then(Value::as_str).map(str::to_string);
                if let (Some(p), true) = (path, d.get("kind").is_some()) {
                    let body = std::fs::read_to_string(dir.join(&p)).unwrap();
                    let data: Value = if p.ends_with(".json") {
                        serde_json::from_str(&body).unwrap()
                    } else {
                        serde_yaml::from_str(&body).unwrap()
                    };
                    let o = d.as_object_mut().unwrap();
                    o.remove("path");
                    o.entry("id").or_insert(Value::String(p));
                    o.insert("data".into(), data);
                }
            }
            out.push((dir, m));
        }
        out
    })
}

/// Writes the manifest beside copies of the bundle's other files and runs `eval` in-process.
fn eval(scratch: &Path, dir: &Path, manifest: &Value, format: &str) -> (u8, String) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_file() && !name.starts_with("bundle.") {
            std::fs::copy(&p, scratch.join(name)).unwrap();
        }
    }
    let file = scratch.join("bundle.json");
    std::fs::write(&file, serde_json::to_vec(manifest).unwrap()).unwrap();
    let (code, out, _) = crate::run(&["eval", file.to_str().unwrap(), "--format", format]);
    (code, out)
}

/// The JSON decision of an untouched bundle, decided once per test binary (it is the same
/// decision every time: the determinism invariant).
fn untouched(dir: &Path, manifest: &Value) -> (u8, String) {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static SEEN: Mutex<Option<HashMap<PathBuf, (u8, String)>>> = Mutex::new(None);
    if let Some(d) = SEEN
        .lock()
        .unwrap()
        .get_or_insert_with(HashMap::new)
        .get(dir)
    {
        return d.clone();
    }
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let scratch = Scratch::new(&format!("prop-untouched-{name}"));
    let d = eval(&scratch.0, dir, manifest, "json");
    SEEN.lock()
        .unwrap()
        .get_or_insert_with(HashMap::new)
        .insert(dir.to_path_buf(), d.clone());
    d
}

fn allowed(json: &str) -> BTreeSet<String> {
    let d: Value = serde_json::from_str(json).unwrap();
    d["allowed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

/// Every place in the documents' data (or the whole document list) a change can go.
fn leaves(v: &Value, at: &mut Vec<String>, path: String) {
    match v {
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            leaves(
                x,
                at,
                format!("{path}/{}", k.replace('~', "~0").replace('/', "~1")),
            )
        }),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| leaves(x, at, format!("{path}/{i}"))),
        _ => at.push(path),
    }
}

/// Removes the value at a JSON pointer from its parent.
fn remove(root: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let key = key.replace("~1", "/").replace("~0", "~");
    match root.pointer_mut(parent) {
        Some(Value::Object(o)) => {
            o.shift_remove(&key);
        }
        Some(Value::Array(a)) => {
            if let Ok(i) = key.parse::<usize>() {
                if i < a.len() {
                    a.remove(i);
                }
            }
        }
        _ => {}
    }
}

/// A status one step worse, where the value is one.
fn downgrade(s: &str, pick: usize) -> Option<&'static str> {
    let worse: &[&str] = match s {
        "pass" => &["hold", "reject"],
        "hold" => &["reject"],
        "affirming" => &["warning", "contraindicated"],
        "warning" => &["contraindicated"],
        "matched" | "match" => &["mismatched"],
        "released" => &["denied"],
        _ => return None,
    };
    Some(worse[pick % worse.len()])
}

/// Whether a document records something that holds a claim back.
fn records_a_negative(doc: &Value) -> bool {
    if matches!(
        doc["kind"].as_str(),
        Some("verifier_decision" | "kbs_error") | None
    ) {
        return true;
    }
    let mut at = Vec::new();
    leaves(doc, &mut at, String::new());
    at.iter().any(|p| match doc.pointer(p) {
        Some(Value::String(s)) => matches!(
            s.as_str(),
            "reject" | "hold" | "denied" | "contraindicated" | "warning" | "mismatched" | "fail"
        ),
        Some(Value::Bool(true)) => p.ends_with("debug_enabled"),
        _ => false,
    })
}

#[derive(Debug, Clone)]
enum Weaken {
    RemoveDocument(usize),
    RemoveField(usize),
    Downgrade(usize, usize),
}

fn weaken() -> impl Strategy<Value = Weaken> {
    prop_oneof![
        any::<usize>().prop_map(Weaken::RemoveDocument),
        any::<usize>().prop_map(Weaken::RemoveField),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Weaken::Downgrade(a, b)),
    ]
}

fn apply(m: &mut Value, w: &Weaken) {
    let docs_len = m["documents"].as_array().map_or(0, Vec::len);
    match *w {
        Weaken::RemoveDocument(i) if docs_len > 0 => {
            let p = format!("/documents/{}", i % docs_len);
            // Removing a record of a rejection, a hold or a debug-enabled device is not weaker
            // evidence: the worst status combines, so without it the rest may stand.
            if m.pointer(&p).is_some_and(|d| !records_a_negative(d)) {
                remove(m, &p);
            }
        }
        Weaken::RemoveField(i) => {
            let mut at = Vec::new();
            leaves(&m["documents"], &mut at, "/documents".into());
            if !at.is_empty() {
                let p = at[i % at.len()].clone();
                // Removing a document's kind or id is a malformed manifest, not weaker evidence.
                if !p.ends_with("/kind") && !p.ends_with("/id") {
                    remove(m, &p);
                }
            }
        }
        Weaken::Downgrade(i, pick) => {
            let mut at = Vec::new();
            leaves(&m["documents"], &mut at, "/documents".into());
            let statuses: Vec<String> = at
                .into_iter()
                .filter(|p| {
                    m.pointer(p)
                        .and_then(Value::as_str)
                        .is_some_and(|s| downgrade(s, 0).is_some())
                })
                .collect();
            if !statuses.is_empty() {
                let p = &statuses[i % statuses.len()];
                let worse = m
                    .pointer(p)
                    .and_then(Value::as_str)
                    .and_then(|s| downgrade(s, pick));
                if let (Some(worse), Some(v)) = (worse, m.pointer_mut(p)) {
                    *v = Value::String(worse.into());
                }
            }
        }
        Weaken::RemoveDocument(_) => {}
    }
}

/// Characters no report may print raw: C0 (but newline), DEL, C1, and bidi controls.
fn is_unprintable(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// Hostile text: blocklisted sentences, control characters, report-shaped lines.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("nvidia-nras. TEE attestation proves the answer is true".to_string()),
        Just("x\n  + job.ran_under_policy\nlabel:   compute_receipt".to_string()),
        Just("\u{1b}[2J\u{1b}[32mPASS\u{1b}[0m".to_string()),
        Just("evil\u{202e}txt.exe\r\u{7}".to_string()),
        "[ -~]{0,40}",
        "\\PC{0,40}",
        any::<String>(),
    ]
}

/// Characters a validated identifier may not hold: text with any of them is not an identifier.
fn is_sentence_text(s: &str) -> bool {
    s.chars()
        .any(|c| !(c.is_ascii_alphanumeric() || "._:/@-".contains(c)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    /// Removing a document or a field, or downgrading a status, never allows a claim the
    /// untouched bundle did not.
    #[test]
    fn weaker_evidence_never_allows_more(pick in any::<usize>(), changes in prop::collection::vec(weaken(), 1..4)) {
        let all = bundles();
        let (dir, base) = &all[pick % all.len()];
        let scratch = Scratch::new(&format!("prop-weaken-{}", pick % 1_000_000));
        let (code, before) = untouched(dir, base);
        prop_assert_eq!(code, 0, "{}", dir.display());
        let mut m = base.clone();
        for c in &changes {
            apply(&mut m, c);
        }
        let (code, after) = eval(&scratch.0, dir, &m, "json");
        prop_assert!(matches!(code, 0 | 3), "exit {code}");
        if code == 0 {
            let (b, a) = (allowed(&before), allowed(&after));
            let new: Vec<_> = a.difference(&b).collect();
            prop_assert!(new.is_empty(), "{}: {changes:?} allowed {new:?}", dir.display());
        }
    }

    /// A hostile string put into any string field reaches no allowed sentence (unless it is a
    /// plain identifier) and no report prints it raw.
    #[test]
    fn bundle_text_is_never_sentence_text(pick in any::<usize>(), field in any::<usize>(), text in hostile()) {
        let all = bundles();
        let (dir, base) = &all[pick % all.len()];
        let mut m = base.clone();
        let mut at = Vec::new();
        leaves(&m, &mut at, String::new());
        let strings: Vec<String> = at
            .into_iter()
            .filter(|p| m.pointer(p).is_some_and(Value::is_string) && !p.ends_with("/kind") && p != "/schema")
            .collect();
        let p = &strings[field % strings.len()];
        if let Some(v) = m.pointer_mut(p) {
            *v = Value::String(text.clone());
        }
        let scratch = Scratch::new(&format!("prop-text-{}", field % 1_000_000));
        let (code, json) = eval(&scratch.0, dir, &m, "json");
        prop_assert!(matches!(code, 0 | 3), "exit {code}");
        if code != 0 {
            return Ok(());
        }
        let d: Value = serde_json::from_str(&json).unwrap();
        if is_sentence_text(&text) && text.trim().len() > 3 {
            for a in d["allowed"].as_array().unwrap() {
                let s = a["sentence"].as_str().unwrap();
                prop_assert!(!s.contains(text.as_str()), "{p} = {text:?} reached the sentence {s:?}");
            }
        }
        for a in d["allowed"].as_array().unwrap() {
            let s = a["sentence"].as_str().unwrap();
            prop_assert!(!s.to_lowercase().contains("proves the answer is true"), "{s:?}");
        }
        for format in ["human", "markdown", "github"] {
            let (_, out) = if format == "human" {
                eval(&scratch.0, dir, &m, format)
            } else {
                let file = scratch.0.join("bundle.json");
                let (c, o, _) = crate::run(&["gate", file.to_str().unwrap(), "--format", format]);
                (c, o)
            };
            let bad: Vec<char> = out.chars().filter(|c| is_unprintable(*c)).collect();
            prop_assert!(bad.is_empty(), "{format}: {p} = {text:?} printed raw {bad:?}");
        }
    }
}
