//! A policy author's session, end to end with the real binary: copy the pack, add a claim and
//! its rule, see its test fail, fix it, reach the coverage threshold, ask `explain` why a bundle
//! without the new evidence does not get the claim (the condition, the field, the
//! counterfactual), apply the counterfactual to the bundle and see the claim allowed, `check`
//! the pack, and have `lint` flag a block that does not reach every claim of its box.

use crate::{binary as claimgate, Scratch};
use std::path::Path;

const CLAIM: &str = "runtime.secure_boot_attested";

const RULE: &str = r#"# The environment booted securely, as a sound attestation says.
package claimgate.claims

import data.claimgate.requirements as req

allow contains "runtime.secure_boot_attested" if {
	req.attestation_sound
	secure_boot_on
}

secure_boot_on if {
	some a in input.runtime.attestations
	a.secure_boot == true
}
"#;

/// The author's first test writes the flag as the provider's dashboard shows it.
const TEST_FIRST: &str = r#"package claimgate.claims_test

import data.claimgate.claims

test_secure_boot_on if {
	claims.secure_boot_on with input as {"runtime": {"attestations": [{"secure_boot": "enabled"}]}}
}
"#;

/// Fixed: the pack's full passing evidence document (`full` in claims/claims_test.rego), its
/// attestation with secure boot on, then off. (The rule is tested, not `allow`: regorus leaves
/// out of `allow` under `with input` the part defined in a file of its own.)
const TEST_FIXED: &str = r#"package claimgate.claims_test

import data.claimgate.claims

with_secure_boot(on) := object.union(full, {"runtime": {"attestations": [object.union(sound_att, {"secure_boot": on})], "traces": []}})

test_secure_boot_on if {
	claims.secure_boot_on with input as with_secure_boot(true)
}

test_secure_boot_off if {
	not claims.secure_boot_on with input as with_secure_boot(false)
}
"#;

#[test]
fn an_author_adds_a_claim_and_reviews_it() {
    let dir = Scratch::new("author");
    let pack = dir.0.join("pack");
    crate::policy::write_pack(&pack, Path::new("no-overlay"));
    let p = pack.to_str().unwrap();

    // The claim in the catalog, its rule and a first test.
    let catalog = pack.join("claims/catalog.yaml");
    let mut cat: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&catalog).unwrap()).unwrap();
    let entry: serde_yaml::Value = serde_yaml::from_str(&format!(
        "{{id: {CLAIM}, box: runtime, sentence: \"The attested environment booted securely.\", requires: [attestation_sound]}}"
    ))
    .unwrap();
    cat["claims"].as_sequence_mut().unwrap().push(entry);
    std::fs::write(&catalog, serde_yaml::to_string(&cat).unwrap()).unwrap();
    std::fs::write(pack.join("claims/secure_boot.rego"), RULE).unwrap();
    std::fs::write(pack.join("claims/secure_boot_test.rego"), TEST_FIRST).unwrap();

    let (code, out, err) = claimgate(&["test", p, "--run", "secure_boot"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(
            "FAIL data.claimgate.claims_test.test_secure_boot_on (claims/secure_boot_test.rego:5)"
        ),
        "{out}"
    );

    std::fs::write(pack.join("claims/secure_boot_test.rego"), TEST_FIXED).unwrap();
    let (code, out, err) = claimgate(&["test", p, "--run", "secure_boot"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 passed, 0 failed, 0 errors"), "{out}");
    let (code, out, _) = claimgate(&["test", p, "--coverage", "--threshold", "85"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("at or above the threshold of 85%"), "{out}");

    // A bundle without the new evidence: full_pass with secure boot off.
    let bundle = dir.0.join("secure_boot_off");
    std::fs::create_dir_all(&bundle).unwrap();
    for f in std::fs::read_dir("testdata/bundles/full_pass").unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, bundle.join(f.file_name().unwrap())).unwrap();
    }
    let att = bundle.join("attestation.yaml");
    let text = std::fs::read_to_string(&att).unwrap();
    std::fs::write(
        &att,
        text.replace("secure_boot: true", "secure_boot: false"),
    )
    .unwrap();
    let b = bundle.to_str().unwrap();
    let (code, out, err) = claimgate(&["explain", b, "--claim", CLAIM, "--policy-dir", p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("{CLAIM}: blocked")), "{out}");
    assert!(
        out.contains("stopped at claims/secure_boot.rego:13: a.secure_boot == true"),
        "{out}"
    );
    assert!(
        out.contains("input.runtime.attestations[].secure_boot = [false]"),
        "{out}"
    );
    assert!(
        out.ends_with("it would be allowed if the evidence had:\n  input.runtime.attestations[].secure_boot = true\n"),
        "{out}"
    );

    // Applied to the bundle, the counterfactual allows the claim.
    std::fs::write(&att, text).unwrap();
    let (code, out, _) = claimgate(&["eval", b, "--policy-dir", p, "--format", "json"]);
    assert_eq!(code, 0);
    assert!(out.contains(&format!("\"id\": \"{CLAIM}\"")), "{out}");

    // The design's invariants still hold with the new claim.
    let (code, out, err) = claimgate(&["check", "--policy-dir", p, "--space", "quick"]);
    assert_eq!(code, 0, "{out}{err}");

    // The author narrows the claim with a block written for it alone: lint says which claims of
    // its box the block does not reach, and is quiet once the author says why that is right.
    let (code, out, _) = claimgate(&["lint", p]);
    assert_eq!(code, 0, "the pack lints clean before the block: {out}");
    let block = dir.0.join("pack/claims/secure_boot_block.rego");
    let written = |ignore: &str| {
        format!(
            "package claimgate.claims\n\n{ignore}block contains {{\"id\": id, \"msg\": \"a debug build\"}} if {{\n\tsome a in input.runtime.attestations\n\ta.debug_enabled == true\n\tsome id in {{\"{CLAIM}\"}}\n}}\n"
        )
    };
    std::fs::write(&block, written("")).unwrap();
    let (code, out, _) = claimgate(&["lint", p]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("claims/secure_boot_block.rego:3: block-reach: this block reaches `runtime.secure_boot_attested` of box `runtime` but not `runtime.environment_attested`"),
        "{out}"
    );
    std::fs::write(
        &block,
        written("# lint:ignore block-reach runtime.environment_attested runtime.environment_appraised runtime.trace_reproducible: their own requirements judge debug\n"),
    )
    .unwrap();
    let (code, out, _) = claimgate(&["lint", p]);
    assert_eq!(code, 0, "{out}");
}
