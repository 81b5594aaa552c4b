//! Calendar dates without a time zone, usable on the client too (no chrono in
//! the WASM). The server converts instants to Asia/Shanghai dates before
//! calling the domain rules.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
    fn orders_chronologically() {
        assert!(Ymd::parse_iso("2021-12-16").unwrap() < Ymd::parse_iso("2021-12-17").unwrap());
        assert!(Ymd::parse_iso("2020-12-31").unwrap() < Ymd::parse_iso("2021-01-01").unwrap());
    }
}
