//! Compact JWS (JWT) decoding: header and payload only.
//!
//! Decoding is not verification. A token read here is marked `unverified` in the evidence;
//! checking its signature is a separate step the user asks for.

use serde_json::Value;

/// A decoded compact JWT.
#[derive(Debug, Clone, PartialEq)]
pub struct Jwt {
    /// The protected header (`alg`, `kid`, …)
    pub header: Value,
    /// The claims
    pub payload: Value,
}

/// Whether `s` has the shape of a compact JWS: three base64url segments.
pub fn looks_like(s: &str) -> bool {
    let s = s.trim();
    s.split('.').count() == 3
        && s.split('.').take(2).all(|p| !p.is_empty())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'='))
}

/// Decodes header and payload of a compact JWT; the signature is not checked.
pub fn decode(token: &str) -> Result<Jwt, String> {
    let token = token.trim();
    if !looks_like(token) {
        return Err("not a compact JWT (three base64url segments)".into());
    }
    let mut parts = token.split('.');
    let mut part = |what: &str| -> Result<Value, String> {
        let seg = parts.next().ok_or_else(|| format!("missing {what}"))?;
        let bytes = base64url(seg).ok_or_else(|| format!("{what} is not base64url"))?;
        let text = std::str::from_utf8(&bytes).map_err(|_| format!("{what} is not UTF-8"))?;
        crate::source::strict_json(text).map_err(|e| format!("{what} is not strict JSON: {e}"))
    };
    let header = part("header")?;
    let payload = part("payload")?;
    Ok(Jwt { header, payload })
}

/// Decodes unpadded (or padded) base64url.
pub fn base64url(s: &str) -> Option<Vec<u8>> {
    decode_base64(s.trim_end_matches('='), |c| match c {
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    })
}

/// Decodes standard base64 (`+`, `/`, optional padding).
pub fn base64(s: &str) -> Option<Vec<u8>> {
    decode_base64(s.trim_end_matches('='), |c| match c {
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    })
}

/// Encodes standard base64 with padding (DSSE payloads and signatures).
pub fn base64_encode(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let idx = usize::try_from((n >> (18 - 6 * i)) & 63).unwrap_or(0);
                out.push(char::from(ABC.get(idx).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn decode_base64(s: &str, extra: impl Fn(u8) -> Option<u32>) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            _ => extra(c)?,
        };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    // Leftover bits must be zero padding, and a lone 6-bit group is never valid.
    (bits < 6 && acc & ((1 << bits) - 1) == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_header_and_payload() {
        // {"alg":"none"} . {"a":1} . (empty signature)
        let jwt = decode("eyJhbGciOiJub25lIn0.eyJhIjoxfQ.").unwrap();
        assert_eq!(jwt.header["alg"], "none");
        assert_eq!(jwt.payload["a"], 1);
        assert!(decode("not a token").is_err());
        assert!(decode("e30.e30").is_err());
    }

    #[test]
    fn base64_variants() {
        assert_eq!(base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64url("aGVsbG8").unwrap(), b"hello");
        assert_eq!(base64url("-_8").unwrap(), [0xfb, 0xff]);
        assert!(base64("a").is_none());
        for s in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
            assert_eq!(base64(&base64_encode(s)).unwrap(), s);
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
    }
}
