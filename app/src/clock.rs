//! Today's date and instants as holders read them: Asia/Shanghai.

use chrono::{TimeZone, Utc};
use chrono_tz::Asia::Shanghai;

use crate::domain::calendar::Ymd;

/// Seconds since the Unix epoch: how instants are stored.
pub fn now_unix() -> i64 {
    Utc::now().timestamp()
}

pub fn today_shanghai() -> Ymd {
    day_shanghai(Utc::now().timestamp())
}

fn ymd(d: chrono::NaiveDate) -> Ymd {
    use chrono::Datelike;
    Ymd::new(d.year() as u16, d.month() as u8, d.day() as u8).expect("chrono dates are valid")
}

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC), as Data Integrity proofs date themselves.
pub fn format_utc(unix: i64) -> String {
    match Utc.timestamp_opt(unix, 0).single() {
        Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => String::new(),
    }
}

/// The Asia/Shanghai day of a stored Unix time.
pub fn day_shanghai(unix: i64) -> Ymd {
    let t = Utc.timestamp_opt(unix, 0).single().unwrap_or_default();
    ymd(t.with_timezone(&Shanghai).date_naive())
}

/// The Unix time at which `day` begins in Asia/Shanghai.
pub fn start_of_day_shanghai(day: Ymd) -> i64 {
    use chrono::NaiveDate;
    NaiveDate::from_ymd_opt(day.year.into(), day.month.into(), day.day.into())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.and_local_timezone(Shanghai).single())
        .map_or(0, |t| t.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::instant::Instant;

    /// The pages' arithmetic (`Instant`) against the time zone database,
    /// every 7 hours and 13 seconds from 1992 to 2100.
    #[test]
    fn instants_read_as_the_time_zone_database_says() {
        let (from, to) = (694_224_000, 4_102_444_800);
        for unix in (from..to).step_by(7 * 3600 + 13) {
            let zoned = Utc.timestamp_opt(unix, 0).unwrap().with_timezone(&Shanghai);
            assert_eq!(Instant(unix).seconds(), zoned.format("%Y-%m-%d %H:%M:%S").to_string(), "at {unix}");
            assert_eq!(Instant(unix).day(), day_shanghai(unix), "at {unix}");
        }
    }

    #[test]
    fn shanghai_is_utc_plus_8() {
        // 2021-12-16 16:30 UTC is already the 17th in Beijing.
        assert_eq!(Instant(1_639_672_200).minutes(), "2021-12-17 00:30");
        assert_eq!(Instant(1_639_672_201).seconds(), "2021-12-17 00:30:01");
        // Midnight in Beijing is 16:00 UTC the day before.
        assert_eq!(day_shanghai(1_639_670_399).to_string(), "2021-12-16");
        assert_eq!(day_shanghai(1_639_670_400).to_string(), "2021-12-17");
        assert_eq!(start_of_day_shanghai(Ymd::parse_iso("2021-12-17").unwrap()), 1_639_670_400);
    }
}
