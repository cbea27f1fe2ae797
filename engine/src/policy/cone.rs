//! Each claim's dependency cone: the input paths its decision may depend on. `claimgate diff`
//! combines the values of the paths in one cone, so a claim whose rules test a fact *and* a
//! nonce meets every combination of the two, while paths no claim reads together are not
//! multiplied.
//!
//! A claim's roots are the `allow` and `block` definitions that can decide it ([`reaches`]:
//! its id, or ids known only from the evidence), the claim rules' other outputs the engine
//! reads (they shape every decision's label), and the requirements its catalog entry names.
//! From the roots, every definition of every rule or function they refer to is followed
//! ([`Definition`]); a path is in the cone when one of those definitions reads it.
//!
//! [`reaches`]: super::reach::reaches

use super::eval::{CLAIMS_PACKAGE, CLAIM_OUTPUTS, REQUIREMENTS_PACKAGE};
use super::reach::Reach;
use super::recursion::Definition;
use super::Reads;
use crate::catalog::Catalog;
use std::collections::{BTreeMap, BTreeSet};

/// Claim id → the input paths its decision may depend on, as [`Reads`] writes them.
pub type Cones = BTreeMap<String, BTreeSet<String>>;

/// The cone of every claim and blocked sentence of `catalog`.
pub fn cones(defs: &[Definition], reaches: &[Reach], catalog: &Catalog, reads: &Reads) -> Cones {
    let claims = CLAIMS_PACKAGE.trim_start_matches("data.");
    let requirements = REQUIREMENTS_PACKAGE.trim_start_matches("data.");
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, d) in defs.iter().enumerate() {
        by_name.entry(d.name.as_str()).or_default().push(i);
    }
    // The ids an allow/block definition can decide, by its file and head line.
    let decides: BTreeMap<(&str, u32), Option<&BTreeSet<String>>> = reaches
        .iter()
        .map(|r| ((r.file.as_str(), r.line), r.ids.as_ref()))
        .collect();
    let decision_rules = [format!("{claims}.allow"), format!("{claims}.block")];
    let outputs: Vec<String> = CLAIM_OUTPUTS
        .iter()
        .map(|o| format!("{claims}.{o}"))
        .filter(|o| !decision_rules.contains(o))
        .collect();
    // Which definition holds each (file, line) a path is read at.
    let holder = |file: &str, line: u32| -> Vec<usize> {
        defs.iter()
            .enumerate()
            .filter(|(_, d)| d.file == file && d.lines.0 <= line && line <= d.lines.1)
            .map(|(i, _)| i)
            .collect()
    };
    let read_by: Vec<(&str, Vec<usize>)> = reads
        .paths
        .iter()
        .map(|r| {
            let mut at: Vec<usize> = r
                .places
                .iter()
                .flat_map(|p| holder(&p.file, p.line))
                .collect();
            at.sort_unstable();
            at.dedup();
            (r.path.as_str(), at)
        })
        .collect();

    let ids = catalog
        .claims
        .iter()
        .map(|c| (c.id.as_str(), c.requires.as_slice()))
        .chain(catalog.blocked.iter().map(|b| (b.id.as_str(), &[][..])));
    let mut out = Cones::new();
    for (id, requires) in ids {
        let mut roots: Vec<usize> = Vec::new();
        for (i, d) in defs.iter().enumerate() {
            let root = if decision_rules.contains(&d.name) {
                // Unknown ids (or a head the walk could not read) may decide any claim.
                match decides.get(&(d.file.as_str(), d.lines.0)) {
                    Some(Some(ids)) => ids.contains(id),
                    _ => true,
                }
            } else {
                outputs.contains(&d.name)
                    || requires
                        .iter()
                        .any(|r| d.name == format!("{requirements}.{r}"))
            };
            if root {
                roots.push(i);
            }
        }
        let mut reached: BTreeSet<usize> = roots.iter().copied().collect();
        while let Some(i) = roots.pop() {
            for r in defs.get(i).into_iter().flat_map(|d| &d.refs) {
                for j in by_name.get(r.as_str()).into_iter().flatten() {
                    if reached.insert(*j) {
                        roots.push(*j);
                    }
                }
            }
        }
        let paths = read_by
            .iter()
            .filter(|(_, at)| at.iter().any(|i| reached.contains(i)))
            .map(|(p, _)| (*p).to_string())
            .collect();
        out.insert(id.to_string(), paths);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{ast, reach, reads, recursion};
    use super::*;

    fn cones_of(src: &[(&str, &str)]) -> Cones {
        let mut e = super::super::eval::new_engine();
        for (name, text) in src {
            e.add_policy((*name).to_string(), (*text).to_string())
                .unwrap();
        }
        let modules = ast::modules(&e).unwrap();
        let defs = recursion::check(&modules, &[]).definitions;
        let catalog = Catalog::parse(&crate::source::SourceFile {
            name: "catalog.yaml".into(),
            text: include_str!("../../../claims/catalog.yaml").into(),
        })
        .unwrap();
        cones(
            &defs,
            &reach::reaches(&e, &modules),
            &catalog,
            &reads::reads(&e).unwrap(),
        )
    }

    #[test]
    fn a_claim_depends_on_its_rules_requirements_and_what_they_call() {
        let cones = cones_of(&[
            (
                "c.rego",
                r#"package claimgate.claims
import data.claimgate.requirements as req
allow contains "capacity.benchmark_context" if {
	some a in input.runtime.attestations
	endswith(a.tee, "-cc")
}
allow contains "storage.provider_local" if req.storage_facts
block contains {"id": "storage.provider_local", "msg": "m"} if input.facts[_].key == "k"
"#,
            ),
            (
                "r.rego",
                r#"package claimgate.requirements
import data.claimgate.lib.n
storage_facts if n.ok(input.expected_nonce)
"#,
            ),
            (
                "n.rego",
                "package claimgate.lib.n\nok(x) if x.state == \"valid\"\n",
            ),
        ]);
        let of = |id: &str| -> Vec<&str> { cones[id].iter().map(String::as_str).collect() };
        assert_eq!(
            of("capacity.benchmark_context"),
            ["runtime.attestations", "runtime.attestations[].tee"]
        );
        assert_eq!(
            of("storage.provider_local"),
            ["expected_nonce", "expected_nonce.state", "facts[].key"]
        );
        // A claim no rule names depends on nothing.
        assert!(of("job.output_bound").is_empty());
    }
}
