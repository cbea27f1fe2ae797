//! dstack quote reports: a TDX quote as the dstack guest agent's `GetQuote` returns it
//! (`quote` hex, `event_log` and `vm_config` as JSON text, `report_data` hex), the shape
//! dstack's verifier takes as a request.
//!
//! The quote is parsed (header, TD report: MRTD, RTMRs, attributes, report data) but **not
//! verified**: claimgate checks no quote signature and no Intel collateral. So the attestation
//! it gives is appraised by nobody (`verifier: unappraised`), its verification check is unknown,
//! and it has no times: it never backs a claim by itself. A `report_data` field that differs
//! from the report data inside the quote is a problem (the report would say something the
//! quote does not). MRTD and RTMR0–3 are recorded as measurements without references. The
//! event log is kept as it is, not replayed.

use super::{Adapter, Appraised, Context, Doc};
use crate::document::{Appraisal, Kind};
use crate::evidence::{
    Check, CheckState, DigestFact, Evidence, HexFact, MeasurementMatch, Signature,
};
use serde_json::Value;

/// Bytes of a quote header (versions 4 and 5).
const HEADER: usize = 48;
/// Bytes of a TD 1.0 report body.
const TD10: usize = 584;
/// `tee_type` of a TDX quote.
const TDX: u32 = 0x81;

/// dstack quote reports.
pub(super) struct DstackQuoteReport;

/// The TD report body of a TDX quote.
#[derive(Debug)]
struct TdQuote {
    body: Vec<u8>,
}

impl TdQuote {
    /// Parses a version 4 or 5 TDX quote; the message says what is wrong.
    fn parse(q: &[u8]) -> Result<TdQuote, String> {
        let u16_at = |i: usize| -> Option<u16> {
            Some(u16::from_le_bytes(q.get(i..i + 2)?.try_into().ok()?))
        };
        let u32_at = |i: usize| -> Option<u32> {
            Some(u32::from_le_bytes(q.get(i..i + 4)?.try_into().ok()?))
        };
        let short = || format!("{} bytes is too short for a TDX quote", q.len());
        let version = u16_at(0).ok_or_else(short)?;
        let tee = u32_at(4).ok_or_else(short)?;
        if tee != TDX {
            return Err(format!("tee type {tee:#x} is not TDX ({TDX:#x})"));
        }
        let start = match version {
            4 => HEADER,
            // A body descriptor (type, size) precedes a version 5 body.
            5 => HEADER + 6,
            v => return Err(format!("quote version {v} is not 4 or 5")),
        };
        let body = q.get(start..start + TD10).ok_or_else(short)?.to_vec();
        Ok(TdQuote { body })
    }

    fn field(&self, at: usize, len: usize) -> String {
        self.body
            .get(at..at + len)
            .map(crate::digest::to_hex)
            .unwrap_or_default()
    }

    fn mr_td(&self) -> String {
        self.field(136, 48)
    }

    fn rtmr(&self, i: usize) -> String {
        self.field(328 + 48 * i, 48)
    }

    fn report_data(&self) -> String {
        self.field(520, 64)
    }

    /// `TUD.DEBUG`, bit 0 of the TD attributes.
    fn debug(&self) -> bool {
        self.body.get(120).is_some_and(|b| b & 1 == 1)
    }
}

impl Adapter for DstackQuoteReport {
    fn kind(&self) -> Kind {
        Kind::DstackQuoteReport
    }

    fn detect(&self, value: &Value) -> bool {
        value.get("quote").is_some_and(Value::is_string)
            && value.get("event_log").is_some()
            && value.get("is_valid").is_none()
    }

    fn source_keys(&self, fact: &str) -> &'static [&'static str] {
        match fact {
            "debug_enabled" | "measurements" | "checks" => &["quote"],
            "nonce" | "workload_digest" => &["report_data", "quote"],
            _ => &[],
        }
    }

    fn normalize(&self, doc: &Doc, ev: &mut Evidence, cx: &mut Context) {
        let src = doc.src;
        let raw = doc
            .claims
            .get("quote")
            .and_then(Value::as_str)
            .unwrap_or("");
        let quote = match crate::digest::from_hex(raw.trim()) {
            Some(bytes) => TdQuote::parse(&bytes).map_err(|why| cx.problem(src, "quote", why)),
            None => {
                cx.problem(src, "quote", "not hex".into());
                Err(())
            }
        };
        let mut facts = Appraised::new(
            "unappraised".into(),
            Appraisal::Local,
            Signature::Unverified,
        );
        facts.signed_kind = true;
        facts.tee = Some("intel-tdx".into());
        facts.checks.push(Check {
            name: "quote verification".into(),
            state: CheckState::Unknown,
        });
        let stated = doc.claims.get("report_data").and_then(Value::as_str);
        match &quote {
            Ok(q) => {
                let inside = q.report_data();
                if let Some(s) = stated {
                    if crate::adapter::hex_lower(s).as_deref() != Some(inside.as_str()) {
                        cx.problem(
                            src,
                            "report_data",
                            format!("`{s}` is not the report data inside the quote ({inside})"),
                        );
                    }
                }
                facts.report_data = HexFact::Valid { hex: inside };
                facts.debug_enabled = Some(q.debug());
                // The registers as measured, with no reference: claimgate holds none for them.
                let registers = [("mrtd", q.mr_td())]
                    .into_iter()
                    .chain((0..4).map(|i| (["rtmr0", "rtmr1", "rtmr2", "rtmr3"][i], q.rtmr(i))));
                facts.measurements = registers
                    .map(|(name, hex)| MeasurementMatch {
                        name: name.to_string(),
                        value: cx.digest(
                            src,
                            &format!("quote.{name}"),
                            Some(&format!("sha384:{hex}")),
                        ),
                        reference: DigestFact::Absent,
                    })
                    .collect();
            }
            Err(()) => facts.report_data = cx.hex(src, "report_data", stated),
        }
        let att = cx.attestation(src, facts);
        ev.runtime.attestations.push(att);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(version: u16, tee: u32, body: &[u8]) -> Vec<u8> {
        let mut q = vec![0u8; HEADER];
        q[0..2].copy_from_slice(&version.to_le_bytes());
        q[4..8].copy_from_slice(&tee.to_le_bytes());
        if version == 5 {
            q.extend_from_slice(&[2, 0, 0x48, 2, 0, 0]);
        }
        q.extend_from_slice(body);
        q
    }

    #[test]
    fn fields_are_read_at_their_offsets() {
        let mut body = vec![0u8; TD10];
        body[120] = 1;
        body[136] = 0xab;
        body[328 + 48 * 3] = 0xcd;
        body[520] = 0x12;
        for v in [4, 5] {
            let q = TdQuote::parse(&quote(v, TDX, &body)).unwrap();
            assert!(q.debug());
            assert!(q.mr_td().starts_with("ab00"));
            assert!(q.rtmr(3).starts_with("cd00"));
            assert!(q.report_data().starts_with("1200"));
            assert_eq!(q.report_data().len(), 128);
        }
    }

    #[test]
    fn what_is_not_a_tdx_quote_is_said() {
        let body = vec![0u8; TD10];
        assert!(TdQuote::parse(&quote(3, TDX, &body))
            .unwrap_err()
            .contains("version 3"));
        assert!(TdQuote::parse(&quote(4, 0, &body))
            .unwrap_err()
            .contains("not TDX"));
        assert!(TdQuote::parse(&quote(4, TDX, &body[..100]))
            .unwrap_err()
            .contains("too short"));
        assert!(TdQuote::parse(&[]).unwrap_err().contains("too short"));
    }
}
