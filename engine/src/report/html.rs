//! `diff --format html`: one self-contained page (no network, no external file) for a reviewer.
//!
//! The words come first, written here: the summary, what was covered and what was not, the
//! catalog changes. The data follows as one JSON document, and a short script draws from it
//! the decision tables of both packs as grids (a pixel block per cell, coloured by label, or by
//! one claim when the filter picks one), the cells where they differ, and the list of changes
//! with each one's evidence before and after.

use super::{derived_title, diff_coverage, diff_summary, read_at};
use crate::diff::{Coverage, DiffReport};
use crate::space::FEATURES;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Text as HTML: the five characters that could open markup or end an attribute escaped.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The data the script draws from: the space's features, each cell's outcome in both packs
/// (an index into `outcomes`), and every change.
fn data<'a>(r: &'a DiffReport) -> serde_json::Value {
    // Distinct outcomes in the order cells first show them, each once by content; a table's
    // (label, bitmask) is looked up before its claim ids are spelled out, so a full space of
    // 137,700 cells spells out only its few distinct outcomes.
    let mut outcomes: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut cells = Vec::new();
    let (mut base, mut head) = (Vec::new(), Vec::new());
    if let Some(tables) = &r.tables {
        let mut seen: [BTreeMap<(&str, u64), usize>; 2] = Default::default();
        let mut index = |side: usize, t: &'a crate::Table, o: &crate::Outcome| -> usize {
            let key = (o.label.name(), o.allowed);
            if let Some(i) = seen.get(side).and_then(|m| m.get(&key)) {
                return *i;
            }
            let content = (o.label.name(), t.allowed(o));
            let i = outcomes
                .iter()
                .position(|x| *x == content)
                .unwrap_or_else(|| {
                    outcomes.push(content);
                    outcomes.len() - 1
                });
            if let Some(m) = seen.get_mut(side) {
                m.insert(key, i);
            }
            i
        };
        let [tb, th] = tables;
        for (p, (ob, oh)) in tb.outcomes.iter().zip(&th.outcomes).enumerate() {
            cells.push(tb.space.cell(p).index());
            base.push(index(0, tb, ob));
            head.push(index(1, th, oh));
        }
    }
    let mut changes = Vec::new();
    for c in r.diff.changes() {
        changes.push(json!({
            "kind": c.kind.name(), "claim": c.claim,
            "labels": c.labels.map(|(a, b)| [a.name(), b.name()]),
            "where": format!("{} cells: {}", c.cells, c.description.first().cloned().unwrap_or_default()),
            "example": crate::space::cell(c.example).to_string(),
        }));
    }
    for c in &r.derived.changes {
        for (kind, ids) in [("widening", &c.widened), ("narrowing", &c.narrowed)] {
            for id in ids {
                changes.push(json!({"kind": kind, "claim": id, "where": derived_title(c),
                    "base": c.base, "head": c.head}));
            }
        }
    }
    for c in &r.corpus {
        for (kind, ids) in [("widening", &c.widened), ("narrowing", &c.narrowed)] {
            for id in ids {
                changes.push(
                    json!({"kind": kind, "claim": id, "where": format!("corpus {}", c.bundle),
                    "base": c.base, "head": c.head}),
                );
            }
        }
    }
    json!({
        "features": FEATURES.iter().map(|f| json!({"name": f.name, "values": f.values})).collect::<Vec<_>>(),
        "cells": cells,
        "outcomes": outcomes.iter().map(|(l, a)| json!({"label": l, "allowed": a})).collect::<Vec<_>>(),
        "base": base,
        "head": head,
        "changes": changes,
    })
}

const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1d1d1f; max-width: 1200px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
code { background: #f2f2f2; padding: 0 3px; border-radius: 3px; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
.summary { font-size: 16px; padding: 10px 14px; background: #fff8e6; border-left: 4px solid #f0a500; }
.panels { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
.panel canvas { border: 1px solid #ccc; image-rendering: pixelated; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; }
#tip { position: fixed; pointer-events: none; background: #222; color: #fff; padding: 6px 8px; border-radius: 4px; font-size: 12px; max-width: 480px; display: none; }
li.widening { color: #a40000; } li.narrowing { color: #00489a; } li.label { color: #6b4e00; }
"#;

const SCRIPT: &str = r#"
const D = JSON.parse(document.getElementById('data').textContent);
const COLORS = {compute_receipt: '#2e7d32', verifier_path_record: '#f9a825', deployment_note: '#6d8fb3', benchmark: '#9c6ade', none: '#bdbdbd'};
const n = D.cells.length, W = Math.max(1, Math.ceil(Math.sqrt(n))), S = n > 20000 ? 2 : (n > 2000 ? 4 : 8);
const sel = document.getElementById('claim');
const claims = [...new Set(D.outcomes.flatMap(o => o.allowed).concat(D.changes.map(c => c.claim).filter(Boolean)))].sort();
for (const c of claims) { const o = document.createElement('option'); o.value = c; o.textContent = c; sel.appendChild(o); }
function describe(index) {
  const parts = []; let k = index;
  for (let f = D.features.length - 1; f >= 0; f--) { const vs = D.features[f].values; parts.unshift(D.features[f].name + '=' + vs[k % vs.length]); k = Math.floor(k / vs.length); }
  return parts.join(' ');
}
function color(o, claim) {
  if (!claim) return COLORS[o.label] || '#000';
  return o.allowed.includes(claim) ? '#2e7d32' : '#e0e0e0';
}
function draw(id, pick) {
  const cv = document.getElementById(id); cv.width = W * S; cv.height = Math.ceil(n / W) * S;
  const g = cv.getContext('2d'); const claim = sel.value;
  for (let p = 0; p < n; p++) { g.fillStyle = pick(p, claim); g.fillRect((p % W) * S, Math.floor(p / W) * S, S, S); }
  cv.onmousemove = e => {
    const r = cv.getBoundingClientRect(), p = Math.floor((e.clientY - r.top) / S) * W + Math.floor((e.clientX - r.left) / S);
    const tip = document.getElementById('tip');
    if (p < 0 || p >= n) { tip.style.display = 'none'; return; }
    const b = D.outcomes[D.base[p]], h = D.outcomes[D.head[p]];
    tip.textContent = describe(D.cells[p]) + '\nbase: ' + b.label + ' [' + b.allowed.join(', ') + ']\nhead: ' + h.label + ' [' + h.allowed.join(', ') + ']';
    tip.style.whiteSpace = 'pre-wrap'; tip.style.display = 'block'; tip.style.left = (e.clientX + 14) + 'px'; tip.style.top = (e.clientY + 14) + 'px';
  };
  cv.onmouseleave = () => { document.getElementById('tip').style.display = 'none'; };
}
function render() {
  draw('base', (p, c) => color(D.outcomes[D.base[p]], c));
  draw('head', (p, c) => color(D.outcomes[D.head[p]], c));
  draw('delta', (p, c) => {
    const b = D.outcomes[D.base[p]], h = D.outcomes[D.head[p]];
    const ids = c ? [c] : claims;
    if (ids.some(x => h.allowed.includes(x) && !b.allowed.includes(x))) return '#c62828';
    if (ids.some(x => b.allowed.includes(x) && !h.allowed.includes(x))) return '#1565c0';
    if (!c && b.label !== h.label) return '#f9a825';
    return '#eeeeee';
  });
  const list = document.getElementById('changes'); list.innerHTML = '';
  const shown = D.changes.filter(x => !sel.value || x.claim === sel.value);
  for (const x of shown) {
    const li = document.createElement('li'); li.className = x.kind;
    const what = x.kind === 'label' ? 'label ' + x.labels.join(' → ') : (x.kind === 'widening' ? 'newly ALLOWED ' : 'newly BLOCKED ') + x.claim;
    li.textContent = what + ' — ' + x.where;
    if (x.base) { const d = document.createElement('div'); d.textContent = 'before: ' + x.base + ' | after: ' + x.head; li.appendChild(d); }
    else if (x.example) { const d = document.createElement('div'); d.textContent = 'e.g. ' + x.example; li.appendChild(d); }
    list.appendChild(li);
  }
  if (!shown.length) list.innerHTML = '<li>no change' + (sel.value ? ' for this claim' : '') + '</li>';
  document.body.dataset.drawn = String(n);
}
sel.onchange = render;
render();
"#;

/// A table of paths the diff did not vary: where each is read and why.
fn uncovered_table(paths: &[&crate::diff::PathCoverage], w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "<table><tr><th>path</th><th>read at</th><th>why</th></tr>"
    )?;
    for p in paths {
        if let Coverage::NotCovered { reason } = &p.coverage {
            writeln!(
                w,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&p.path),
                esc(&read_at(p)),
                esc(reason)
            )?;
        }
    }
    writeln!(w, "</table>")
}

/// The page.
pub(super) fn write_diff(r: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    let title = format!("claimgate diff {} → {}", r.base, r.head);
    writeln!(
        w,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>",
        esc(&title)
    )?;
    writeln!(w, "<h1>{}</h1>", esc(&title))?;
    writeln!(w, "<p class=\"summary\">{}</p>", esc(&diff_summary(r)))?;
    writeln!(w, "<p>{}</p>", esc(&diff_coverage(r)))?;
    // Paths a changed rule reads and the diff could not vary come first and open: they are
    // what a reviewer must read. The rest are listed folded.
    let (changed, unchanged) = r.derived.uncovered();
    if !changed.is_empty() {
        writeln!(w, "<h2>Not covered, read by a changed rule</h2>")?;
        uncovered_table(&changed, w)?;
    }
    if !r.catalog.is_empty() {
        writeln!(w, "<h2>Catalog</h2><ul>")?;
        for c in &r.catalog {
            writeln!(
                w,
                "<li>{} <code>{}</code>{}: {}</li>",
                esc(c.kind.words()),
                esc(&c.subject),
                if c.widens { " (widens)" } else { "" },
                esc(&c.detail)
            )?;
        }
        writeln!(w, "</ul>")?;
    }
    writeln!(
        w,
        "<h2>Changes</h2><p><label>Claim: <select id=\"claim\"><option value=\"\">every claim (colour by label)</option></select></label></p><ul id=\"changes\"></ul>"
    )?;
    writeln!(w, "<h2>Decision tables</h2><p class=\"legend\">")?;
    for (label, colour) in [
        ("compute_receipt", "#2e7d32"),
        ("verifier_path_record", "#f9a825"),
        ("deployment_note", "#6d8fb3"),
        ("benchmark", "#9c6ade"),
        ("none", "#bdbdbd"),
    ] {
        writeln!(
            w,
            "<span><i style=\"background:{colour}\"></i>{label}</span>"
        )?;
    }
    writeln!(
        w,
        "</p><p>One square per cell of the evidence space, in cell order; point at one for its evidence and both decisions. With a claim picked, green is allowed. In the difference: red newly allowed, blue newly blocked, amber a label change.</p>"
    )?;
    writeln!(
        w,
        "<div class=\"panels\"><div class=\"panel\"><h3>before: {}</h3><canvas id=\"base\"></canvas></div><div class=\"panel\"><h3>after: {}</h3><canvas id=\"head\"></canvas></div><div class=\"panel\"><h3>difference</h3><canvas id=\"delta\"></canvas></div></div>",
        esc(&r.base),
        esc(&r.head)
    )?;
    if !unchanged.is_empty() {
        writeln!(
            w,
            "<details><summary>{} paths read only by unchanged rules, not covered</summary>",
            unchanged.len()
        )?;
        uncovered_table(&unchanged, w)?;
        writeln!(w, "</details>")?;
    }
    writeln!(
        w,
        "<h2>Legend: the features of the space</h2><table><tr><th>feature</th><th>values</th><th>meaning</th></tr>"
    )?;
    for f in FEATURES {
        writeln!(
            w,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(f.name),
            esc(&f.values.join(" · ")),
            esc(f.about)
        )?;
    }
    writeln!(w, "</table><div id=\"tip\"></div>")?;
    // `</` inside the JSON would end the script element early.
    let json = serde_json::to_string(&data(r))
        .map_err(io::Error::other)?
        .replace("</", "<\\/");
    writeln!(
        w,
        "<script type=\"application/json\" id=\"data\">{json}</script>\n<script>{SCRIPT}</script>\n</body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_open_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
