//! Digest values: strict parsing of `algorithm:hex` strings and streaming sha256 of files.
//!
//! A digest is evidence only when it is well formed. A placeholder such as
//! `sha256:result_bundle` is malformed evidence: it derives nothing and is reported.

use serde::Serialize;
use sha2::{Digest as _, Sha256};
use std::fmt;
use std::io::Read;
use std::path::Path;

/// Digest algorithms claimgate recognises, each with its hex length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// SHA-256, 64 hex digits
    Sha256,
    /// SHA-384, 96 hex digits
    Sha384,
    /// SHA-512, 128 hex digits
    Sha512,
}

impl Algorithm {
    fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha384 => 96,
            Algorithm::Sha512 => 128,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }
}

/// The largest file [`Digest::sha256_file`] hashes (1 GiB): a bundle's default artifact limit.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 1024 * 1024 * 1024;

/// A well-formed digest: algorithm and lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// The algorithm named before the colon
    pub algorithm: Algorithm,
    /// Lowercase hex of the right length
    pub hex: String,
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.name(), self.hex)
    }
}

impl Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl schemars::JsonSchema for Digest {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Digest".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "`algorithm:hex`, lowercase hex of the algorithm's length",
            "type": "string",
            "pattern": "^(sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128})$"
        })
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        Digest::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Digest {
    /// Parses `algorithm:hex`; the error says exactly what is wrong, for the evidence report.
    pub fn parse(raw: &str) -> Result<Digest, String> {
        let Some((alg, hex)) = raw.split_once(':') else {
            return Err("not `algorithm:hex` (no colon)".to_string());
        };
        let algorithm = match alg {
            "sha256" => Algorithm::Sha256,
            "sha384" => Algorithm::Sha384,
            "sha512" => Algorithm::Sha512,
            other => {
                return Err(format!(
                    "unsupported digest algorithm `{other}` (expected sha256, sha384 or sha512)"
                ))
            }
        };
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "`{hex}` is not hex: a placeholder or name is not a digest"
            ));
        }
        if hex.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err("hex must be lowercase".to_string());
        }
        if hex.len() != algorithm.hex_len() {
            return Err(format!(
                "{} needs {} hex digits, found {}",
                algorithm.name(),
                algorithm.hex_len(),
                hex.len()
            ));
        }
        Ok(Digest {
            algorithm,
            hex: hex.to_string(),
        })
    }

    /// sha256 of bytes in memory.
    pub fn sha256_of(bytes: &[u8]) -> Digest {
        Digest {
            algorithm: Algorithm::Sha256,
            hex: to_hex(&Sha256::digest(bytes)),
        }
    }

    /// sha256 of a file, streamed in fixed-size chunks (bounded memory whatever the size),
    /// within the default artifact size limit.
    pub fn sha256_file(path: &Path) -> std::io::Result<Digest> {
        Digest::file(path, Algorithm::Sha256, DEFAULT_MAX_FILE_BYTES)
    }

    /// The digest of bytes with the given algorithm.
    pub fn of(bytes: &[u8], algorithm: Algorithm) -> Digest {
        let out = match algorithm {
            Algorithm::Sha256 => Sha256::digest(bytes).to_vec(),
            Algorithm::Sha384 => sha2::Sha384::digest(bytes).to_vec(),
            Algorithm::Sha512 => sha2::Sha512::digest(bytes).to_vec(),
        };
        Digest {
            algorithm,
            hex: to_hex(&out),
        }
    }

    /// The digest of a regular file of at most `limit` bytes with the given algorithm,
    /// streamed in fixed-size chunks.
    pub fn file(path: &Path, algorithm: Algorithm, limit: u64) -> std::io::Result<Digest> {
        fn stream<H: sha2::Digest>(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
            // Regular files only, within the artifact size limit: checked before opening (a
            // FIFO would block the open) and again on the handle. Reading stops at the limit
            // even if the file grows meanwhile.
            crate::source::regular(&std::fs::metadata(path)?, limit)?;
            let file = std::fs::File::open(path)?;
            let len = file.metadata()?.len();
            crate::source::regular(&file.metadata()?, limit)?;
            let mut file = file.take(limit.saturating_add(1));
            let mut hasher = H::new();
            let mut total: u64 = 0;
            // Up to 1 MiB, but no larger than the file: small artifacts stay cheap.
            let mut buf = vec![0u8; usize::try_from(len.clamp(1, 1 << 20)).unwrap_or(1 << 20)];
            loop {
                let n = file.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                total = total.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
                if total > limit {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("file grew past the artifact size limit of {limit} bytes"),
                    ));
                }
                hasher.update(buf.get(..n).unwrap_or_default());
            }
            Ok(hasher.finalize().to_vec())
        }
        let bytes = match algorithm {
            Algorithm::Sha256 => stream::<Sha256>(path, limit)?,
            Algorithm::Sha384 => stream::<sha2::Sha384>(path, limit)?,
            Algorithm::Sha512 => stream::<sha2::Sha512>(path, limit)?,
        };
        Ok(Digest {
            algorithm,
            hex: to_hex(&bytes),
        })
    }
}

/// Hashes files in parallel: `threads` workers (at least 1) take files in turn, each with one
/// 1 MiB buffer, so memory stays bounded whatever the sizes. Results come back in input order,
/// so the outcome does not depend on the thread count.
pub fn hash_files(
    files: &[(std::path::PathBuf, Algorithm)],
    threads: usize,
    limit: u64,
) -> Vec<std::io::Result<Digest>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    if files.len() <= 1 || threads <= 1 {
        return files
            .iter()
            .map(|(p, a)| Digest::file(p, *a, limit))
            .collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<std::io::Result<Digest>>>> =
        Mutex::new((0..files.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, files.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((path, alg)) = files.get(i) else {
                    break;
                };
                let r = Digest::file(path, *alg, limit);
                if let Ok(mut all) = results.lock() {
                    if let Some(slot) = all.get_mut(i) {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(std::io::Error::other("not hashed"))))
        .collect()
}

/// The bytes of an even number of hex digits (either case), or `None`.
pub fn from_hex(s: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let b = s.as_bytes();
    if b.len() % 2 != 0 {
        return None;
    }
    b.chunks_exact(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

/// Lowercase hex of bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_well_formed_digests() {
        let ok = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(Digest::parse(&ok).map(|d| d.to_string()), Ok(ok.clone()));
        assert!(Digest::parse("sha256:result_bundle")
            .unwrap_err()
            .contains("not hex"));
        assert!(
            Digest::parse(&ok.to_uppercase().replace("SHA256", "sha256"))
                .unwrap_err()
                .contains("lowercase")
        );
        assert!(Digest::parse("sha256:abcd").unwrap_err().contains("64 hex"));
        assert!(Digest::parse(&format!("md5:{}", "ab".repeat(16)))
            .unwrap_err()
            .contains("unsupported"));
        assert!(Digest::parse("deadbeef").unwrap_err().contains("no colon"));
        assert!(Digest::parse(&format!("sha384:{}", "0".repeat(96))).is_ok());
    }

    #[test]
    fn files_hash_with_the_declared_algorithm() {
        let p = std::env::temp_dir().join(format!("claimgate-digest-{}", std::process::id()));
        std::fs::write(&p, b"abc").unwrap();
        let d384 = Digest::file(&p, Algorithm::Sha384, 1 << 20).unwrap();
        assert!(d384.hex.starts_with("cb00753f45a35e8b"), "{d384}");
        assert_eq!(d384.to_string().len(), "sha384:".len() + 96);
        assert_eq!(Digest::sha256_file(&p).unwrap(), Digest::sha256_of(b"abc"));
        let _ = std::fs::remove_file(&p);
    }

    #[test]
    fn sha256_matches_known_vector() {
        assert_eq!(
            Digest::sha256_of(b"abc").hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
