//! Time is an input: every instant `--at` accepts is one a receipt can carry and `verify` can
//! replay, and an instant it cannot write back is refused up front.
use crate::{run, testdata, Scratch};

/// Writes a receipt of `full_pass` at `at`, then verifies it (digest and replay).
fn receipt_round_trip(at: &str) -> Result<(), String> {
    let dir = Scratch::new("time-round-trip");
    let out = dir.0.join("receipt.json");
    let bundle = testdata("bundles/full_pass");
    let (code, _, err) = run(&[
        "eval",
        bundle.to_str().unwrap(),
        "--at",
        at,
        "--receipt",
        out.to_str().unwrap(),
    ]);
    if code != 0 {
        return Err(format!("eval --at {at}: exit {code}: {err}"));
    }
    let receipt: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let written = receipt["evaluated_at"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        claimgate::Instant::parse(&written).is_ok(),
        "{at}: the receipt's evaluated_at `{written}` does not read back"
    );
    let (code, report, err) = run(&[
        "verify",
        out.to_str().unwrap(),
        "--bundle",
        bundle.to_str().unwrap(),
        "--format",
        "json",
    ]);
    if code != 0 {
        return Err(format!(
            "verify after --at {at}: exit {code}: {report}{err}"
        ));
    }
    Ok(())
}

#[test]
fn a_receipt_written_at_any_accepted_instant_verifies() {
    for at in [
        "2026-11-25T12:00:00Z",
        "0000-01-01T00:00:00Z",
        "0000-01-01T23:59:00+23:59",
        "9999-12-30T22:00:00Z",
        "9999-12-31T21:59:00+23:59",
        "9999-12-30T22:00:00.999999999999Z",
        "1969-12-31T23:59:59.5-00:00",
        "2016-12-31T23:59:60Z",
        "2026-11-25t12:00:00z",
    ] {
        receipt_round_trip(at).unwrap();
    }
}

#[test]
fn an_instant_beyond_what_rfc_3339_can_write_is_a_usage_error() {
    for at in [
        "9999-12-31T23:59:59-23:59",
        "9999-12-31T23:59:59Z",
        "0000-01-01T00:00:00+00:01",
        "2026-11-25T11:00:00-99:59",
        "2026-11-25T11:00:00+-5:00",
        "2026-11-25T11:00:00++9:+9",
    ] {
        use clap::Parser;
        let bundle = testdata("bundles/full_pass");
        let parsed = claimgate::cli::Cli::try_parse_from([
            "claimgate",
            "eval",
            bundle.to_str().unwrap(),
            "--at",
            at,
        ]);
        let e = parsed.err().unwrap_or_else(|| panic!("{at} was accepted"));
        assert_eq!(e.exit_code(), 2, "{at}");
        assert!(e.to_string().contains("RFC 3339"), "{at}: {e}");
    }
}
