//! Veraison's policy outcome, applied as its policy agent applies it.
//!
//! A Veraison policy's `outcome` is `{status, trust-vector, added-claims}`. The agent replaces
//! the appraisal's status with `status`, replaces each trust-vector claim the outcome sets to a
//! non-zero value, and the verification service then raises the status to the worst tier among
//! the claims. An outcome the agent would refuse (a status that is not a tier, a claim that is
//! not one of the eight, a value out of range) is an error here too, never a guess.

use crate::evidence::Tier;
use serde_json::{Map, Value};

/// The eight AR4SI claims of a trust vector, as Veraison names them.
const CLAIMS: [&str; 8] = [
    "instance-identity",
    "configuration",
    "executables",
    "file-system",
    "hardware",
    "runtime-opaque",
    "storage-opaque",
    "sourced-data",
];

/// The claim tags Veraison accepts for a value, with their numbers (the `ear` module's
/// `trustclaim.go` at 961756ed, where one tag names one number across the eight claims).
const TAGS: [(&str, i64); 31] = [
    ("verifier_malfunction", -1),
    ("no_claim", 0),
    ("unexected_evidence", 1),
    ("approved_config", 2),
    ("approved_fs", 2),
    ("approved_rt", 2),
    ("encrypted_rt", 2),
    ("genuine_hw", 2),
    ("hw_encrypted_secrets", 2),
    ("recognized_instance", 2),
    ("trusted_sources", 2),
    ("approved_boot", 3),
    ("safe_config", 3),
    ("sw_encrypted_secrets", 32),
    ("unrecognized_fs", 32),
    ("unsafe_config", 32),
    ("unsafe_hw", 32),
    ("unsafe_rt", 32),
    ("untrusted_sources", 32),
    ("unrecognized_rt", 33),
    ("contraindicated_fs", 96),
    ("contraindicated_hw", 96),
    ("contraindicated_rt", 96),
    ("contraindicated_sources", 96),
    ("unencrypted_secrets", 96),
    ("unsupportable_config", 96),
    ("untrustworthy_instance", 96),
    ("visible_rt", 96),
    ("unrecognized_hw", 97),
    ("unrecognized_instance", 97),
    ("crypto_failed", 99),
];

/// A policy's outcome, checked.
pub(super) struct Outcome {
    status: Tier,
    vector: Vec<(&'static str, i64)>,
}

impl Outcome {
    /// Reads `{status, trust-vector, added-claims}`; the message says what is wrong.
    pub(super) fn read(v: &Value) -> Result<Outcome, String> {
        let obj = v
            .as_object()
            .ok_or_else(|| format!("`{v}` is not an object"))?;
        if let Some(k) = obj
            .keys()
            .find(|k| !["status", "trust-vector", "added-claims"].contains(&k.as_str()))
        {
            return Err(format!("unexpected key `{k}`"));
        }
        let status = match obj.get("status") {
            None => Tier::None,
            Some(s) => tier_of_status(s).ok_or_else(|| format!("status `{s}` is not a tier"))?,
        };
        let empty = Map::new();
        let tv = match obj.get("trust-vector") {
            None => &empty,
            Some(t) => t
                .as_object()
                .ok_or_else(|| format!("trust-vector `{t}` is not an object"))?,
        };
        let mut vector = Vec::new();
        for (k, x) in tv {
            let claim = CLAIMS
                .iter()
                .find(|c| *c == k)
                .ok_or_else(|| format!("unexpected claim `{k}` in trust-vector"))?;
            let n = claim_value(x).ok_or_else(|| format!("bad value `{x}` for `{k}`"))?;
            vector.push((*claim, n));
        }
        if let Some(a) = obj.get("added-claims").filter(|a| !a.is_object()) {
            return Err(format!("added-claims `{a}` is not an object"));
        }
        Ok(Outcome { status, vector })
    }

    /// The tier of `appraisal` (the input's `result`) after this outcome, and what it rests on.
    pub(super) fn apply(&self, appraisal: &Value) -> (Tier, String) {
        let original = appraisal
            .get("ear.trustworthiness-vector")
            .and_then(Value::as_object);
        let mut worst = self.status;
        let mut said = vec![format!("status {}", self.status.name())];
        for claim in CLAIMS {
            let set = self
                .vector
                .iter()
                .find(|(c, _)| *c == claim)
                .map(|(_, n)| *n);
            // Zero leaves the appraisal's own value.
            let n = match set.filter(|n| *n != 0) {
                Some(n) => n,
                None => original
                    .and_then(|o| o.get(claim))
                    .and_then(claim_value)
                    .unwrap_or(0),
            };
            if n != 0 {
                said.push(format!("{claim} {n}"));
                worst = worse(worst, tier_of(n));
            }
        }
        (worst, said.join(", "))
    }
}

/// The worse of two tiers in Veraison's order, none < affirming < warning < contraindicated:
/// a policy that leaves the status at none takes the claims' tier.
fn worse(a: Tier, b: Tier) -> Tier {
    let rank = |t: Tier| match t {
        Tier::None => 0,
        Tier::Affirming => 1,
        Tier::Warning => 2,
        Tier::Contraindicated => 3,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// A status as Veraison's `ToTrustTier` reads it: 0, 2, 32, 96, a tier name, or one of those
/// numbers as text.
fn tier_of_status(v: &Value) -> Option<Tier> {
    let n = match v {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => match s.as_str() {
            "none" => 0,
            "affirming" => 2,
            "warning" => 32,
            "contraindicated" => 96,
            other => other.parse().ok()?,
        },
        _ => return None,
    };
    match n {
        0 => Some(Tier::None),
        2 => Some(Tier::Affirming),
        32 => Some(Tier::Warning),
        96 => Some(Tier::Contraindicated),
        _ => None,
    }
}

/// A claim value: an integer in -128..=127 (or one written as text), or a claim tag.
fn claim_value(v: &Value) -> Option<i64> {
    let n = match v {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => match TAGS.iter().find(|(t, _)| t == s) {
            Some((_, n)) => *n,
            None => s.parse().ok()?,
        },
        _ => return None,
    };
    (-128..=127).contains(&n).then_some(n)
}

/// A claim value's tier as Veraison rates it: none -1..=1, affirming ±2..=31 (down to -32),
/// warning 32..=95 and -96..=-33, contraindicated the rest.
fn tier_of(n: i64) -> Tier {
    match n {
        -1..=1 => Tier::None,
        2..=31 | -32..=-2 => Tier::Affirming,
        32..=95 | -96..=-33 => Tier::Warning,
        _ => Tier::Contraindicated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn zero_leaves_the_appraisal_and_the_worst_claim_wins() {
        let appraisal = json!({"ear.trustworthiness-vector": {"hardware": 2, "executables": 2}});
        let o = Outcome::read(
            &json!({"status": 0, "trust-vector": {"executables": 32, "hardware": 0}}),
        )
        .unwrap();
        let (tier, said) = o.apply(&appraisal);
        assert_eq!(tier, Tier::Warning);
        assert_eq!(said, "status none, executables 32, hardware 2");
        let o = Outcome::read(
            &json!({"status": "affirming", "trust-vector": {"executables": "approved_rt"}}),
        )
        .unwrap();
        assert_eq!(o.apply(&appraisal).0, Tier::Affirming);
        // A status left at none takes the claims' tier.
        let o = Outcome::read(&json!({"trust-vector": {"executables": 2}})).unwrap();
        assert_eq!(o.apply(&appraisal).0, Tier::Affirming);
        assert_eq!(o.apply(&json!({})).0, Tier::Affirming);
        assert_eq!(
            Outcome::read(&json!({})).unwrap().apply(&json!({})).0,
            Tier::None
        );
        // A status the policy sets is not lowered by good claims.
        let o = Outcome::read(&json!({"status": 96})).unwrap();
        assert_eq!(o.apply(&appraisal).0, Tier::Contraindicated);
        assert_eq!(tier_of(-100), Tier::Contraindicated);
        assert_eq!(tier_of(-32), Tier::Affirming);
        assert_eq!(claim_value(&json!("crypto_failed")), Some(99));
        assert_eq!(claim_value(&json!("33")), Some(33));
    }

    #[test]
    fn what_veraison_refuses_is_refused() {
        for bad in [
            json!([]),
            json!({"status": 5}),
            json!({"status": "SURE"}),
            json!({"trust-vector": {"executables": "SURE"}}),
            json!({"trust-vector": {"speed": 2}}),
            json!({"trust-vector": {"hardware": 300}}),
            json!({"added-claims": 1}),
            json!({"verdict": "pass"}),
        ] {
            assert!(Outcome::read(&bad).is_err(), "{bad}");
        }
    }
}
