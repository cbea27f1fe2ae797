//! Canonical JSON (RFC 8785, JCS): the bytes receipts are hashed and signed over.
//!
//! Object members are sorted by their UTF-16 code units, no insignificant white space is
//! written, strings use JSON's minimal escapes, and numbers use ECMAScript's shortest
//! round-trip form (`1e+21`, `1e-7`, `2950.5`, never `1.0`). The same value always gives the
//! same bytes.

use serde_json::Value;
use std::fmt::Write as _;

/// The canonical bytes of a JSON value.
pub fn to_vec(v: &Value) -> Vec<u8> {
    let mut s = String::new();
    write(v, &mut s);
    s.into_bytes()
}

/// The canonical text of any serializable value.
pub fn to_string<T: serde::Serialize>(v: &T) -> Result<String, serde_json::Error> {
    let value = serde_json::to_value(v)?;
    let mut s = String::new();
    write(&value, &mut s);
    Ok(s)
}

fn write(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                let _ = write!(out, "{i}");
            } else if let Some(u) = n.as_u64() {
                let _ = write!(out, "{u}");
            } else {
                out.push_str(&es6_number(n.as_f64().unwrap_or(0.0)));
            }
        }
        Value::String(s) => write_str(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(x, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            let mut members: Vec<(&String, &Value)> = o.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, x)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(k, out);
                out.push(':');
                write(x, out);
            }
            out.push('}');
        }
    }
}

/// A JSON string with the minimal escapes RFC 8785 prescribes: `\"` and `\\`, the short forms
/// `\b \t \n \f \r`, `\u00xx` (lowercase) for the other control characters, everything else
/// as itself. Written straight into `out`, runs of plain characters at once.
fn write_str(s: &str, out: &mut String) {
    out.push('"');
    let mut plain = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\u{8}' => "\\b",
            '\t' => "\\t",
            '\n' => "\\n",
            '\u{c}' => "\\f",
            '\r' => "\\r",
            c if c < ' ' => "",
            _ => continue,
        };
        out.push_str(s.get(plain..i).unwrap_or_default());
        if escape.is_empty() {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push_str(escape);
        }
        plain = i + c.len_utf8();
    }
    out.push_str(s.get(plain..).unwrap_or_default());
    out.push('"');
}

/// ECMAScript `Number.prototype.toString` for a finite double.
fn es6_number(f: f64) -> String {
    if f == 0.0 || !f.is_finite() {
        return "0".into();
    }
    // `{:e}` gives the shortest round-trip digits: `d.ddde<exp>`.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = i64::try_from(digits.len()).unwrap_or(1);
    let n = exp.parse::<i64>().unwrap_or(0) + 1;
    let zeros = |c: i64| "0".repeat(usize::try_from(c).unwrap_or(0));
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", zeros(n - k))
    } else if 0 < n && n <= 21 {
        let (a, b) = digits.split_at(usize::try_from(n).unwrap_or(0));
        format!("{a}.{b}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", zeros(-n))
    } else {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let e = n - 1;
        format!("{first}{frac}e{}{e}", if e >= 0 { "+" } else { "-" }).replace("e--", "e-")
    };
    if f < 0.0 {
        format!("-{body}")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_ecmascript() {
        for (f, want) in [
            (2950.5, "2950.5"),
            (1.0, "1"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
            (-1.5, "-1.5"),
            (123456789.125, "123456789.125"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ] {
            assert_eq!(es6_number(f), want, "{f}");
        }
    }

    /// Every character up to U+00FF, and a few beyond, escapes as serde_json escapes it (the
    /// same minimal escapes RFC 8785 prescribes).
    #[test]
    fn strings_escape_as_serde_json_does() {
        let mut all: String = (0u32..=0xff).filter_map(char::from_u32).collect();
        all.push_str("\u{2028}\u{2029}\u{7f}😀é\"\\end");
        for s in [all.as_str(), "", "plain", "\"", "a\u{1f}b"] {
            let mut mine = String::new();
            write_str(s, &mut mine);
            assert_eq!(mine, serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn members_sort_by_utf16_and_strings_escape_minimally() {
        let v: Value = serde_json::from_str(
            r#"{"b":1,"a":[true,null,"x\n\u0001é"],"\uff61":0,"\ud83d\ude00":0}"#,
        )
        .unwrap();
        let s = String::from_utf8(to_vec(&v)).unwrap();
        // U+1F600 (surrogates D83D DE00) sorts before U+FF61 in UTF-16 order, though not in
        // UTF-8 byte order.
        assert_eq!(
            s,
            "{\"a\":[true,null,\"x\\n\\u0001é\"],\"b\":1,\"😀\":0,\"｡\":0}"
        );
    }
}
