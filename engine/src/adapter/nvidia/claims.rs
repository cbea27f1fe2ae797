//! `nvidia_claims`: device claims, keyed (`{"GPU-0": …}`), one flat device, or the SDK's claims
//! array, as NRAS, nvtrust and the attestation SDK give them. Each device is an attestation
//! fact; upstream policies can take the device claims. Knows nothing about policy.

use super::{add_device, devices, owned, Devices, Origin};
use crate::adapter::{Adapter, Context, Doc};
use crate::document::Kind;
use crate::evidence::{Evidence, InputBuilder, InputShape};
use serde_json::Value;

/// NVIDIA device claims.
pub(in crate::adapter) struct NvidiaClaims;

/// One device's claims carry the measurement result or the GPU architecture check.
fn is_device(v: &Value) -> bool {
    v.get("measres").is_some() || v.get("x-nvidia-gpu-arch-check").is_some()
}

impl Adapter for NvidiaClaims {
    fn kind(&self) -> Kind {
        Kind::NvidiaClaims
    }

    /// One flat device; or devices keyed by name (and not the overall claims, whose `submods`
    /// values are not devices); or the SDK array, whose every element states its device type.
    fn detect(&self, value: &Value) -> bool {
        is_device(value)
            || (value.get("x-nvidia-overall-att-result").is_none()
                && crate::adapter::every_value(value, is_device))
            || value.as_array().is_some_and(|a| {
                !a.is_empty() && a.iter().all(|d| d.get("x-nvidia-device-type").is_some())
            })
    }

    fn source_keys(&self, fact: &str) -> &'static [&'static str] {
        super::source_keys(fact)
    }

    fn normalize(&self, doc: &Doc, ev: &mut Evidence, cx: &mut Context) {
        let origin = Origin {
            signature: Some(doc.signature),
            ..Origin::default()
        };
        for (name, device) in devices(doc.claims) {
            add_device(ev, cx, &format!("{}#{name}", doc.src), device, &origin);
        }
    }

    fn inputs(&self, shape: InputShape) -> Option<InputBuilder> {
        super::device_inputs::<Self>(shape)
    }
}

impl Devices for NvidiaClaims {
    fn devices(doc: &Value) -> Vec<(String, Value)> {
        owned(devices(doc))
    }
}
