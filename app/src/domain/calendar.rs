//! Calendar dates without a time zone, usable on the client too (no chrono in
//! the WASM). The server converts instants to Asia/Shanghai dates before
//! calling the domain rules.

use serde::{Deserialize, Serialize};

/// Travels as `"YYYY-MM-DD"` (server functions and the JSON API alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ymd {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Ymd {
    pub fn new(year: u16, month: u8, day: u8) -> Option<Ymd> {
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Ymd { year, month, day })
    }

    /// `YYYYMMDD`, as inside a resident ID number.
    pub fn parse_compact(s: &str) -> Option<Ymd> {
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Ymd::new(s[0..4].parse().ok()?, s[4..6].parse().ok()?, s[6..8].parse().ok()?)
    }

    /// Days since 1970-01-01 (negative before), for date arithmetic.
    pub fn day_number(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days since 1970-01-01 (years 0–65535 only).
    pub fn from_day_number(days: i64) -> Option<Ymd> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Ymd::new(u16::try_from(year).ok()?, month as u8, day as u8)
    }

    /// This date moved by `days` (negative: back). Panics only past year 65535.
    pub fn plus_days(self, days: i64) -> Ymd {
        Ymd::from_day_number(self.day_number() + days).expect("date within years 0-65535")
    }

    /// Whole days from `self` to `later` (negative if `later` is earlier).
    pub fn days_until(self, later: Ymd) -> i64 {
        later.day_number() - self.day_number()
    }

    /// `YYYY-MM-DD` (ISO 8601), as stored and displayed.
    pub fn parse_iso(s: &str) -> Option<Ymd> {
        let b = s.as_bytes();
        if !s.is_ascii() || s.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        Ymd::parse_compact(&[&s[0..4], &s[5..7], &s[8..10]].concat())
    }
}

impl std::fmt::Display for Ymd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Ymd {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Ymd {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Ymd, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ymd::parse_iso(&s).ok_or_else(|| serde::de::Error::custom(format!("not a YYYY-MM-DD date: {s:?}")))
    }
}

fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_days_and_leap_years() {
        assert!(Ymd::new(2024, 2, 29).is_some());
        assert!(Ymd::new(2023, 2, 29).is_none());
        assert!(Ymd::new(1900, 2, 29).is_none());
        assert!(Ymd::new(2000, 2, 29).is_some());
        assert!(Ymd::new(2026, 4, 31).is_none());
        assert!(Ymd::new(2026, 13, 1).is_none());
        assert!(Ymd::new(2026, 1, 0).is_none());
    }

    #[test]
    fn parses_and_prints_iso() {
        let d = Ymd::parse_iso("2021-12-17").unwrap();
        assert_eq!(d, Ymd { year: 2021, month: 12, day: 17 });
        assert_eq!(d.to_string(), "2021-12-17");
        assert!(Ymd::parse_iso("2021/12/17").is_none());
        assert!(Ymd::parse_iso("2021-12-1").is_none());
        assert!(Ymd::parse_iso("２０２１-12-17").is_none());
        assert!(Ymd::parse_compact("2021121").is_none());
    }

    #[test]
    fn counts_days_across_months_and_leap_years() {
        let d = |s| Ymd::parse_iso(s).unwrap();
        assert_eq!(d("1970-01-01").day_number(), 0);
        assert_eq!(d("2000-03-01").day_number(), 11_017);
        assert_eq!(Ymd::from_day_number(-1), Some(d("1969-12-31")));
        assert_eq!(d("2024-02-28").plus_days(1), d("2024-02-29"));
        assert_eq!(d("2023-02-28").plus_days(1), d("2023-03-01"));
        assert_eq!(d("2026-12-31").plus_days(1), d("2027-01-01"));
        assert_eq!(d("2026-11-25").plus_days(89), d("2027-02-22"));
        assert_eq!(d("2026-03-01").plus_days(-1), d("2026-02-28"));
        assert_eq!(d("2026-11-25").days_until(d("2027-02-23")), 90);
        for n in [-700_000, -1, 0, 59, 60, 365, 10_957, 20_000, 2_000_000] {
            assert_eq!(Ymd::from_day_number(n).unwrap().day_number(), n);
        }
    }

    #[test]
    fn orders_chronologically() {
        assert!(Ymd::parse_iso("2021-12-16").unwrap() < Ymd::parse_iso("2021-12-17").unwrap());
        assert!(Ymd::parse_iso("2020-12-31").unwrap() < Ymd::parse_iso("2021-01-01").unwrap());
    }
}
