//! Identity documents (证件类型 / 证件号码): the types a holder may register
//! with and the format rules of each. A mainland resident ID is checked with
//! the GB 11643-1999 check digit, its region and its birth date.

use serde::{Deserialize, Serialize};

use crate::domain::calendar::Ymd;
use crate::domain::problem::Problem;

/// The ID types accepted at registration and in certificate records.
/// The string codes are stored in the database and sent by forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    /// 居民身份证
    ResidentId,
    /// 护照
    Passport,
    /// 港澳居民来往内地通行证
    HkMacauPermit,
    /// 台湾居民来往大陆通行证
    TaiwanPermit,
    /// 外国人永久居留身份证
    ForeignPermanentResident,
}

impl IdType {
    pub const ALL: [IdType; 5] = [
        IdType::ResidentId,
        IdType::Passport,
        IdType::HkMacauPermit,
        IdType::TaiwanPermit,
        IdType::ForeignPermanentResident,
    ];

    pub fn code(self) -> &'static str {
        match self {
            IdType::ResidentId => "resident_id",
            IdType::Passport => "passport",
            IdType::HkMacauPermit => "hk_macau_permit",
            IdType::TaiwanPermit => "taiwan_permit",
            IdType::ForeignPermanentResident => "foreign_permanent_resident",
        }
    }

    pub fn from_code(code: &str) -> Option<IdType> {
        IdType::ALL.into_iter().find(|t| t.code() == code)
    }
}

/// Normalises an ID number as typed (spaces dropped, letters upper-cased) and
/// checks it against the rules of its type. `today` rejects future birth dates.
pub fn normalize_id_number(id_type: IdType, raw: &str, today: Ymd) -> Result<String, Problem> {
    let number: String = raw.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
    if number.is_empty() {
        return Err(Problem::Required);
    }
    // Every kind is ASCII letters and digits; checking that first also keeps
    // the byte slicing below on character boundaries (the fuzz test found
    // "香港…" as a permit number panicking here).
    if !number.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Problem::IdNumberFormat);
    }
    match id_type {
        IdType::ResidentId => check_resident_id(&number, today)?,
        IdType::Passport => {
            if !(5..=20).contains(&number.len()) {
                return Err(Problem::IdNumberFormat);
            }
        }
        IdType::HkMacauPermit => {
            // H/M followed by 8 digits (current) or 10 digits (cards issued before 2013).
            let (head, digits) = number.split_at(1);
            let ok = matches!(head, "H" | "M") && matches!(digits.len(), 8 | 10) && all_digits(digits);
            if !ok {
                return Err(Problem::IdNumberFormat);
            }
        }
        IdType::TaiwanPermit => {
            // 8 digits since 2015; 10-digit numbers are still in circulation.
            if !(matches!(number.len(), 8 | 10) && all_digits(&number)) {
                return Err(Problem::IdNumberFormat);
            }
        }
        IdType::ForeignPermanentResident => {
            // 2023 format: 18 characters starting with 9, GB 11643 check digit;
            // 2017 format: 3 letters (nationality) + 12 digits.
            if number.len() == 18 && number.starts_with('9') {
                check_structure_and_digit(&number)?;
            } else {
                let (letters, digits) = number.split_at(number.len().min(3));
                let ok = number.len() == 15 && letters.chars().all(|c| c.is_ascii_uppercase()) && all_digits(digits);
                if !ok {
                    return Err(Problem::IdNumberFormat);
                }
            }
        }
    }
    Ok(number)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// GB 11643: 17 digits, then a check character from ISO 7064 MOD 11-2.
pub fn check_digit(first17: &[u8]) -> u8 {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK[(sum % 11) as usize]
}

fn check_structure_and_digit(number: &str) -> Result<(), Problem> {
    let bytes = number.as_bytes();
    if bytes.len() != 18 || !all_digits(&number[..17]) || !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
        return Err(Problem::IdNumberFormat);
    }
    if check_digit(&bytes[..17]) != bytes[17] {
        return Err(Problem::IdNumberChecksum);
    }
    Ok(())
}

/// Province-level codes (the first two digits) in use in resident ID numbers.
const PROVINCES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82,
];

fn check_resident_id(number: &str, today: Ymd) -> Result<(), Problem> {
    check_structure_and_digit(number)?;
    let province: u8 = number[..2].parse().map_err(|_| Problem::IdNumberFormat)?;
    if !PROVINCES.contains(&province) {
        return Err(Problem::IdNumberRegion);
    }
    let birth = Ymd::parse_compact(&number[6..14]).ok_or(Problem::IdNumberBirthDate)?;
    if birth.year < 1900 || birth > today {
        return Err(Problem::IdNumberBirthDate);
    }
    Ok(())
}

/// The ID number as shown to anyone but the server: the first and last few
/// characters kept, the rest starred (e.g. 1101**********0019).
pub fn mask_id_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let keep = match chars.len() {
        0..=4 => 0,
        5..=9 => 2,
        _ => 4,
    };
    chars.iter().enumerate().map(|(i, c)| if i < keep || i + keep >= chars.len() { *c } else { '*' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Ymd = Ymd { year: 2026, month: 11, day: 25 };

    fn resident(n: &str) -> Result<String, Problem> {
        normalize_id_number(IdType::ResidentId, n, TODAY)
    }

    #[test]
    fn accepts_valid_resident_ids() {
        // Check digits computed by hand from the GB 11643 weights.
        assert_eq!(resident("11010519491231002X"), Ok("11010519491231002X".into()));
        assert_eq!(resident("110105194912310021").unwrap_err(), Problem::IdNumberChecksum);
        assert_eq!(resident("440524188001010014"), Err(Problem::IdNumberBirthDate));
        assert_eq!(resident(" 11010519491231002x "), Ok("11010519491231002X".into()));
    }

    #[test]
    fn check_digit_matches_known_numbers() {
        assert_eq!(check_digit(b"11010519491231002"), b'X');
        assert_eq!(check_digit(b"44052418800101001"), b'4');
        assert_eq!(check_digit(b"32010219900307123"), b'9');
    }

    #[test]
    fn rejects_bad_check_digits() {
        for last in ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] {
            let n = format!("11010519491231002{last}");
            assert_eq!(resident(&n), Err(Problem::IdNumberChecksum), "{n}");
        }
    }

    #[test]
    fn rejects_wrong_lengths_and_characters() {
        assert_eq!(resident(""), Err(Problem::Required));
        assert_eq!(resident("   "), Err(Problem::Required));
        assert_eq!(resident("1101051949123100"), Err(Problem::IdNumberFormat));
        assert_eq!(resident("11010519491231002X1"), Err(Problem::IdNumberFormat));
        assert_eq!(resident("11010519491231A02X"), Err(Problem::IdNumberFormat));
        assert_eq!(resident("X10105194912310021"), Err(Problem::IdNumberFormat));
        // 15-digit first-generation numbers are no longer accepted.
        assert_eq!(resident("110105491231002"), Err(Problem::IdNumberFormat));
        // Found by the fuzz test: non-ASCII first characters panicked the permit checks.
        for id_type in IdType::ALL {
            assert_eq!(normalize_id_number(id_type, "香港12345678", TODAY), Err(Problem::IdNumberFormat));
            assert_eq!(normalize_id_number(id_type, "é", TODAY), Err(Problem::IdNumberFormat));
        }
    }

    fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_digit(first17.as_bytes()) as char)
    }

    #[test]
    fn rejects_bad_birth_dates() {
        // Valid check digits, impossible dates.
        for date in ["19900230", "19901301", "19900001", "20230229", "18991231", "20261126"] {
            let n = with_check(&format!("110105{date}001"));
            assert_eq!(resident(&n), Err(Problem::IdNumberBirthDate), "{n}");
        }
        // Leap day and today itself are fine.
        assert!(resident(&with_check("11010520000229001")).is_ok());
        assert!(resident(&with_check("11010520261125001")).is_ok());
    }

    #[test]
    fn rejects_unknown_regions() {
        let n = with_check("99010519900101001");
        assert_eq!(resident(&n), Err(Problem::IdNumberRegion));
    }

    #[test]
    fn other_document_formats() {
        fn ok(t: IdType, n: &str) -> Result<String, Problem> {
            normalize_id_number(t, n, TODAY)
        }
        assert_eq!(ok(IdType::Passport, "e12345678"), Ok("E12345678".into()));
        assert_eq!(ok(IdType::Passport, "E1234-5678"), Err(Problem::IdNumberFormat));
        assert_eq!(ok(IdType::HkMacauPermit, "H12345678"), Ok("H12345678".into()));
        assert_eq!(ok(IdType::HkMacauPermit, "M1234567890"), Ok("M1234567890".into()));
        assert_eq!(ok(IdType::HkMacauPermit, "A12345678"), Err(Problem::IdNumberFormat));
        assert_eq!(ok(IdType::TaiwanPermit, "12345678"), Ok("12345678".into()));
        assert_eq!(ok(IdType::TaiwanPermit, "1234567"), Err(Problem::IdNumberFormat));
        assert_eq!(ok(IdType::ForeignPermanentResident, "USA123456789012"), Ok("USA123456789012".into()));
        let new_format = with_check("93310019900101001");
        assert_eq!(ok(IdType::ForeignPermanentResident, &new_format), Ok(new_format.clone()));
        let mut broken = new_format.into_bytes();
        broken[17] = if broken[17] == b'0' { b'1' } else { b'0' };
        let broken = String::from_utf8(broken).unwrap();
        assert_eq!(ok(IdType::ForeignPermanentResident, &broken), Err(Problem::IdNumberChecksum));
    }

    #[test]
    fn id_type_codes_round_trip() {
        for t in IdType::ALL {
            assert_eq!(IdType::from_code(t.code()), Some(t));
        }
        assert_eq!(IdType::from_code("driver_licence"), None);
    }

    #[test]
    fn masks_all_but_the_ends() {
        assert_eq!(mask_id_number("11010519491231002X"), "1101**********002X");
        assert_eq!(mask_id_number("E12345678"), "E1*****78");
        assert_eq!(mask_id_number("1234"), "****");
    }
}
