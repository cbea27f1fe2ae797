//! Instants as RFC 3339 text and unix seconds. Time is an input: freshness is judged at an
//! evaluation instant that is written down, so a replay uses the same one.
//!
//! Parsing is strict RFC 3339 (`full-date "T" full-time`, section 5.6): the grammar is checked
//! here, character by character, and the calendar and offset arithmetic are left to the `jiff`
//! crate. Every instant claimgate accepts is one it can write back as RFC 3339 in UTC, so a
//! receipt written at any accepted instant reads back: the range is
//! [`Instant::MIN`]..=[`Instant::MAX`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// A UTC instant with second precision.
///
/// Build one with [`Instant::parse`], [`Instant::from_unix`] or [`Instant::now`]; those keep
/// `unix` within [`Instant::MIN`]..=[`Instant::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant {
    /// Seconds since 1970-01-01T00:00:00Z
    pub unix: i64,
}

impl schemars::JsonSchema for Instant {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Instant".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An RFC 3339 instant",
            "type": "string",
            "format": "date-time"
        })
    }
}

impl Instant {
    /// The earliest instant: 0000-01-01T00:00:00Z (RFC 3339 has no earlier year).
    pub const MIN: Instant = Instant {
        unix: -62_167_219_200,
    };
    /// The latest instant: 9999-12-30T22:00:00Z, the end of `jiff`'s range (which leaves room
    /// for any offset, so every instant can be shown in any zone).
    pub const MAX: Instant = Instant {
        unix: 253_402_207_200,
    };

    /// The current time of the machine.
    pub fn now() -> Instant {
        let unix = jiff::Timestamp::now().as_second();
        Instant {
            unix: unix.clamp(Instant::MIN.unix, Instant::MAX.unix),
        }
    }

    /// The instant `unix` seconds after the epoch, when it is within range.
    pub fn from_unix(unix: i64) -> Result<Instant, String> {
        if (Instant::MIN.unix..=Instant::MAX.unix).contains(&unix) {
            Ok(Instant { unix })
        } else {
            Err(format!(
                "{unix} seconds since the epoch is out of range ({} to {})",
                Instant::MIN,
                Instant::MAX
            ))
        }
    }

    /// Parses strict RFC 3339: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, `T`/`Z` in either case
    /// or a space for `T` (RFC 3339 allows both), offsets within ±23:59. Fractions are
    /// truncated; a leap second (`:60`) counts as `:59`.
    pub fn parse(s: &str) -> Result<Instant, String> {
        let bad =
            |why: &str| format!("`{s}` is not an RFC 3339 time ({why}; e.g. 2026-11-25T12:00:00Z)");
        let canonical = canonical(s).map_err(&bad)?;
        // The calendar first (`2026-02-30` is no date), then the instant, which may lie
        // beyond what can be written back in UTC.
        let date = canonical.get(..10).ok_or_else(|| bad("too short"))?;
        date.parse::<jiff::civil::Date>()
            .map_err(|e| bad(&e.to_string()))?;
        let out_of_range = || {
            bad(&format!(
                "out of range: instants run from {} to {}",
                Instant::MIN,
                Instant::MAX
            ))
        };
        let ts: jiff::Timestamp = canonical.parse().map_err(|_| out_of_range())?;
        Instant::from_unix(ts.as_second()).map_err(|_| out_of_range())
    }
}

/// Checks the RFC 3339 `date-time` grammar and returns the same instant as
/// `YYYY-MM-DDTHH:MM:SS±HH:MM` (fraction dropped, leap second as :59), which `jiff` then reads.
fn canonical(s: &str) -> Result<String, &'static str> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Result<u32, &'static str> {
        let part = b.get(r).ok_or("too short")?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return Err("a digit is expected");
        }
        Ok(part.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let at = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return Err("expected YYYY-MM-DDTHH:MM:SS");
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err("month or day out of range");
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err("hour, minute or second out of range");
    }
    let mut rest = b.get(19..).ok_or("too short")?;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return Err("a fraction needs digits");
        }
        rest = frac.get(n..).ok_or("too short")?;
    }
    let offset = match rest {
        b"Z" | b"z" => "+00:00".to_string(),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let two = |x: u8, y: u8| -> Result<u32, &'static str> {
                if x.is_ascii_digit() && y.is_ascii_digit() {
                    Ok(u32::from(x - b'0') * 10 + u32::from(y - b'0'))
                } else {
                    Err("the offset must be ±HH:MM")
                }
            };
            let (oh, om) = (two(*h1, *h2)?, two(*m1, *m2)?);
            if oh > 23 || om > 59 {
                return Err("the offset must be within ±23:59");
            }
            // `-00:00` (offset unknown) is the same instant as `Z`.
            let sign = if oh == 0 && om == 0 {
                '+'
            } else {
                char::from(*sign)
            };
            format!("{sign}{oh:02}:{om:02}")
        }
        _ => return Err("the offset must be Z or ±HH:MM"),
    };
    Ok(format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{:02}{offset}",
        second.min(59)
    ))
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match jiff::Timestamp::from_second(self.unix) {
            Ok(ts) if (Instant::MIN.unix..=Instant::MAX.unix).contains(&self.unix) => {
                write!(f, "{}", ts.strftime("%Y-%m-%dT%H:%M:%SZ"))
            }
            // Only a hand-built `Instant` can get here; say what it is rather than panic.
            _ => write!(f, "(out of range: {} s since the epoch)", self.unix),
        }
    }
}

impl Serialize for Instant {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Parsing inside the visitor lets the YAML parser attach the value's location.
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Instant;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 time")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Instant, E> {
                Instant::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix(s: &str) -> Result<i64, String> {
        Instant::parse(s).map(|i| i.unix)
    }

    #[test]
    fn round_trips_and_offsets() {
        assert_eq!(unix("2026-11-25T12:00:00Z"), Ok(1_795_608_000));
        assert_eq!(unix("2026-11-25T13:30:00.123+01:30"), Ok(1_795_608_000));
        assert_eq!(unix("2026-11-25t12:00:00z"), Ok(1_795_608_000));
        assert_eq!(unix("2026-11-25 12:00:00Z"), Ok(1_795_608_000));
        assert_eq!(unix("2026-11-25T12:00:00-00:00"), Ok(1_795_608_000));
        assert_eq!(unix("2016-12-31T23:59:60Z"), unix("2016-12-31T23:59:59Z"));
        assert_eq!(
            Instant {
                unix: 1_795_608_000
            }
            .to_string(),
            "2026-11-25T12:00:00Z"
        );
        assert_eq!(
            Instant::parse("2024-02-29T00:00:00Z").map(|i| i.to_string()),
            Ok("2024-02-29T00:00:00Z".to_string())
        );
        // Fractions are truncated to the second before the offset applies, also before 1970.
        assert_eq!(unix("1969-12-31T23:59:59.9Z"), Ok(-1));
    }

    #[test]
    fn rejects_what_rfc_3339_does_not_allow() {
        for bad in [
            "2026-02-30T00:00:00Z",
            "2026-11-25",
            "2026-11-25T12:00:00",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-11-25T11:00:00-99:59",
            "2026-11-25T11:00:00+24:00",
            "2026-11-25T11:00:00+23:60",
            "2026-11-25T11:00:00+-5:00",
            "2026-11-25T11:00:00++9:+9",
            "2026-11-25T11:00:00+0500",
            "2026-11-25T11:00:00+05",
            "2026-11-25T11:00:00+05:00:00",
            "2026-11-25T11:00:00.Z",
            "2026-11-25T11:00:00Z[UTC]",
            "2026-11-25T11:00:00 Z",
            "+2026-11-25T11:00:00Z",
            "2026-1-25T11:00:00Z",
            "2026-11-25T11:00Z",
            "2026-11-25T24:00:00Z",
            "２０２６-11-25T11:00:00Z",
            "",
        ] {
            assert!(Instant::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_range_is_what_can_be_written_back() {
        for s in [
            "0000-01-01T00:00:00Z",
            "9999-12-30T22:00:00Z",
            "9999-12-31T21:59:00+23:59",
            "0000-01-01T23:59:00+23:59",
        ] {
            let i = Instant::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(Instant::parse(&i.to_string()), Ok(i), "{s}");
        }
        assert_eq!(Instant::parse("0000-01-01T00:00:00Z"), Ok(Instant::MIN));
        assert_eq!(Instant::parse("9999-12-30T22:00:00Z"), Ok(Instant::MAX));
        for s in [
            "9999-12-31T23:59:59-23:59",
            "9999-12-31T23:59:59Z",
            "0000-01-01T00:00:00+00:01",
        ] {
            let e = Instant::parse(s).expect_err(s);
            assert!(e.contains("RFC 3339"), "{e}");
        }
        assert!(Instant::from_unix(i64::MIN).is_err());
        assert!(Instant::from_unix(i64::MAX).is_err());
        assert_eq!(
            Instant::from_unix(0).map(|i| i.to_string()),
            Ok("1970-01-01T00:00:00Z".into())
        );
        assert_eq!(
            Instant { unix: i64::MIN }.to_string(),
            "(out of range: -9223372036854775808 s since the epoch)"
        );
    }
}
