//! Instants as stored (Unix seconds) and as holders read them: the wall
//! clock of Asia/Shanghai. The pages format them, on the server and in the
//! browser alike, so this is plain arithmetic and not chrono-tz (whose time
//! zone database would add to every phone's download). Shanghai is UTC+8
//! with no daylight saving since 1991, and ecert stores no earlier instant;
//! a test holds it to chrono-tz over the years ecert serves.

use serde::{Deserialize, Serialize};

use crate::domain::calendar::Ymd;

/// Seconds since 1970-01-01 00:00 UTC; travels as that number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Instant(pub i64);

/// Asia/Shanghai's offset from UTC.
const SHANGHAI_OFFSET_SECONDS: i64 = 8 * 3600;

impl Instant {
    /// `YYYY-MM-DD HH:MM`, Asia/Shanghai.
    pub fn minutes(self) -> String {
        let (day, h, m, _) = self.shanghai();
        format!("{day} {h:02}:{m:02}")
    }

    /// `YYYY-MM-DD HH:MM:SS`, Asia/Shanghai.
    pub fn seconds(self) -> String {
        let (day, h, m, s) = self.shanghai();
        format!("{day} {h:02}:{m:02}:{s:02}")
    }

    /// The Asia/Shanghai day.
    pub fn day(self) -> Ymd {
        self.shanghai().0
    }

    /// The Asia/Shanghai day, hour, minute and second. An instant outside
    /// years 0–65535 (none is stored) reads as 1970-01-01.
    fn shanghai(self) -> (Ymd, i64, i64, i64) {
        let local = self.0.saturating_add(SHANGHAI_OFFSET_SECONDS);
        let (days, second) = (local.div_euclid(86_400), local.rem_euclid(86_400));
        let day = Ymd::from_day_number(days).unwrap_or(Ymd { year: 1970, month: 1, day: 1 });
        (day, second / 3600, second % 3600 / 60, second % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_the_shanghai_wall_clock() {
        assert_eq!(Instant(0).seconds(), "1970-01-01 08:00:00");
        // 2025-11-30 23:59:59 UTC is the next morning in Shanghai.
        assert_eq!(Instant(1_764_547_199).seconds(), "2025-12-01 07:59:59");
        assert_eq!(Instant(1_764_547_199).minutes(), "2025-12-01 07:59");
        assert_eq!(Instant(1_764_547_199).day(), Ymd::new(2025, 12, 1).unwrap());
        assert_eq!(Instant(i64::MAX).day(), Ymd::new(1970, 1, 1).unwrap(), "out of range, no panic");
    }

    #[test]
    fn travels_as_its_number() {
        assert_eq!(serde_json::to_string(&Instant(1_700_000_000)).unwrap(), "1700000000");
    }
}
