//! Instants as RFC 3339 text and unix seconds. Time is an input: freshness is judged at an
//! evaluation instant that is written down, so a replay uses the same one.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A UTC instant with second precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant {
    /// Seconds since 1970-01-01T00:00:00Z
    pub unix: i64,
}

impl Instant {
    /// The current time of the machine.
    pub fn now() -> Instant {
        let unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Instant { unix }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; fractions are truncated.
    pub fn parse(s: &str) -> Result<Instant, String> {
        let bad = || format!("`{s}` is not an RFC 3339 time (e.g. 2026-11-25T12:00:00Z)");
        let b = s.as_bytes();
        if b.len() < 20 {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> Result<i64, String> {
            let part = s.get(r).ok_or_else(bad)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse::<i64>().map_err(|_| bad())
        };
        let sep = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
        if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
            return Err(bad());
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || min > 59
            || sec > 60
        {
            return Err(bad());
        }
        let mut rest = s.get(19..).ok_or_else(bad)?;
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(bad());
            }
            rest = frac.get(digits..).ok_or_else(bad)?;
        }
        let offset = match rest {
            "Z" | "z" => 0,
            _ => {
                let rb = rest.as_bytes();
                if rb.len() != 6 || rb.get(3) != Some(&b':') {
                    return Err(bad());
                }
                let sign = match rb.first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(bad()),
                };
                let h: i64 = rest
                    .get(1..3)
                    .and_then(|x| x.parse().ok())
                    .ok_or_else(bad)?;
                let m: i64 = rest
                    .get(4..6)
                    .and_then(|x| x.parse().ok())
                    .ok_or_else(bad)?;
                sign * (h * 3600 + m * 60)
            }
        };
        let days = days_from_civil(year, month, day);
        Ok(Instant {
            unix: days * 86_400 + hour * 3600 + min * 60 + sec.min(59) - offset,
        })
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.unix.div_euclid(86_400);
        let secs = self.unix.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
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

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days-from-civil algorithms (public domain formulas).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_offsets() {
        let t = Instant::parse("2026-11-25T12:00:00Z").map(|i| i.unix);
        assert_eq!(t, Ok(1_795_608_000));
        assert_eq!(
            Instant::parse("2026-11-25T13:30:00.123+01:30").map(|i| i.unix),
            Ok(1_795_608_000)
        );
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
        for bad in [
            "2026-02-30T00:00:00Z",
            "2026-11-25",
            "2026-11-25T12:00:00",
            "yesterday",
            "2026-13-01T00:00:00Z",
        ] {
            assert!(Instant::parse(bad).is_err(), "{bad}");
        }
    }
}
