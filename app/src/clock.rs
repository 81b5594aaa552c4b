//! Today's date and instants as holders read them: Asia/Shanghai.

use chrono::{TimeZone, Utc};
use chrono_tz::Asia::Shanghai;

use crate::domain::calendar::Ymd;

pub fn today_shanghai() -> Ymd {
    let now = Utc::now().with_timezone(&Shanghai).date_naive();
    ymd(now)
}

fn ymd(d: chrono::NaiveDate) -> Ymd {
    use chrono::Datelike;
    Ymd::new(d.year() as u16, d.month() as u8, d.day() as u8).expect("chrono dates are valid")
}

/// `YYYY-MM-DD HH:MM` in Asia/Shanghai for a stored Unix time.
pub fn format_shanghai(unix: i64) -> String {
    match Utc.timestamp_opt(unix, 0).single() {
        Some(t) => t.with_timezone(&Shanghai).format("%Y-%m-%d %H:%M").to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shanghai_is_utc_plus_8() {
        // 2021-12-16 16:30 UTC is already the 17th in Beijing.
        assert_eq!(format_shanghai(1_639_672_200), "2021-12-17 00:30");
    }
}
