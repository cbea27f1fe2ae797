//! Akash SDL (`deploy.yaml`): storage volumes per compute profile.
//!
//! Each volume becomes a storage fact on provider `akash`: `attributes.persistent: true` is
//! persistent, anything else ephemeral. Akash persistent storage lives on the provider's hosts
//! and does not survive lease end or migration, so every volume is provider-local; an SDL shows
//! no backup path. Detected by `services`, `profiles` and `version` together. Knows nothing
//! about policy.

use super::{Adapter, Context, Doc};
use crate::document::{Kind, Persistence};
use crate::evidence::{Evidence, StorageFact};
use serde_json::Value;

/// Akash SDLs.
pub(super) struct AkashSdl;

impl Adapter for AkashSdl {
    fn kind(&self) -> Kind {
        Kind::AkashSdl
    }

    fn detect(&self, value: &Value) -> bool {
        ["services", "profiles", "version"]
            .iter()
            .all(|k| value.get(k).is_some())
    }

    fn normalize(&self, doc: &Doc, ev: &mut Evidence, cx: &mut Context) {
        let (src, sdl) = (doc.src, doc.claims);
        let Some(profiles) = sdl.pointer("/profiles/compute").and_then(Value::as_object) else {
            cx.problem(
                src,
                "profiles.compute",
                "no compute profiles: no storage facts".into(),
            );
            return;
        };
        for (profile, p) in profiles {
            for (i, vol) in p
                .pointer("/resources/storage")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let attrs = vol.get("attributes");
                let persistent = attrs
                    .and_then(|a| a.get("persistent"))
                    .is_some_and(|p| p.as_bool() == Some(true) || p.as_str() == Some("true"));
                let name = vol
                    .get("name")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("storage[{i}]"), str::to_string);
                ev.storage.facts.push(StorageFact {
                    source: format!("{src}#{profile}/{name}"),
                    provider: "akash".into(),
                    storage: if persistent {
                        Persistence::Persistent
                    } else {
                        Persistence::Ephemeral
                    },
                    storage_class: attrs
                        .and_then(|a| a.get("class"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    provider_local: true,
                    backup: None,
                });
            }
        }
    }
}
