//! Certificates as a holder sees them: status, whether a copy must be
//! endorsed (加注) before download, and the records sent to the pages.

use serde::{Deserialize, Serialize};

use crate::domain::calendar::Ymd;
use crate::domain::endorsement::{EndorsementStatus, Phase};
use crate::domain::id_document::IdType;

/// E-certificates issued on or after this day must be endorsed before they
/// can be viewed or downloaded; older ones download directly.
pub const ENDORSEMENT_REQUIRED_FROM: Ymd = Ymd { year: 2021, month: 12, day: 17 };

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    /// 有效
    Valid,
    /// 已撤销
    Revoked,
}

impl CertificateStatus {
    pub fn code(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "valid",
            CertificateStatus::Revoked => "revoked",
        }
    }

    pub fn from_code(code: &str) -> Option<CertificateStatus> {
        match code {
            "valid" => Some(CertificateStatus::Valid),
            "revoked" => Some(CertificateStatus::Revoked),
            _ => None,
        }
    }
}

pub fn requires_endorsement(issued_on: Ymd) -> bool {
    issued_on >= ENDORSEMENT_REQUIRED_FROM
}

/// The endorsement column of the certificate list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum EndorsementState {
    /// Issued before 2021-12-17: downloads directly.
    NotRequired,
    /// No endorsement yet.
    None,
    /// 证书生成中…
    Generating,
    /// A copy is valid until the end of `until`.
    Valid { until: Ymd },
    /// The latest copy expired: apply again.
    Expired { until: Ymd },
    /// The latest application failed: retry.
    Failed,
}

impl EndorsementState {
    /// Sums up a certificate's endorsements, given oldest first as
    /// (status, last valid day): one being made or valid wins over the
    /// outcome of the latest one.
    pub fn summarise(issued_on: Ymd, endorsements: &[(EndorsementStatus, Ymd)], today: Ymd) -> EndorsementState {
        if !requires_endorsement(issued_on) {
            return EndorsementState::NotRequired;
        }
        let phases = || endorsements.iter().map(|&(status, until)| (Phase::of(status, until, today), until));
        if phases().any(|(phase, _)| phase == Phase::Generating) {
            return EndorsementState::Generating;
        }
        if let Some(until) = phases().filter(|(phase, _)| *phase == Phase::Valid).map(|(_, until)| until).max() {
            return EndorsementState::Valid { until };
        }
        // A withdrawn copy is no state of the certificate's: the one before it is.
        match phases().rfind(|(phase, _)| *phase != Phase::Cancelled) {
            None => EndorsementState::None,
            Some((Phase::Failed, _)) => EndorsementState::Failed,
            Some((_, until)) => EndorsementState::Expired { until },
        }
    }
}

/// A qualification name in both UI languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bilingual {
    pub zh: String,
    pub en: String,
}

/// One row of 证书下载.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSummary {
    pub id: i64,
    pub qualification: Bilingual,
    pub specialty: Option<String>,
    pub certificate_number: String,
    pub issued_on: Ymd,
    pub seal_name: String,
    pub status: CertificateStatus,
    pub endorsement: EndorsementState,
}

/// 证书信息: the full record, with the ID number masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateDetail {
    pub summary: CertificateSummary,
    pub holder_name: String,
    pub id_type: IdType,
    pub id_number_masked: String,
    pub management_number: String,
    pub issuing_authority: String,
    pub revoked_on: Option<Ymd>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endorsement_is_required_from_2021_12_17() {
        let day = |s| Ymd::parse_iso(s).unwrap();
        assert!(!requires_endorsement(day("2021-12-16")));
        assert!(requires_endorsement(day("2021-12-17")));
        assert!(requires_endorsement(day("2024-05-20")));
    }

    #[test]
    fn the_list_sums_up_endorsements() {
        use EndorsementStatus::*;
        let day = |s: &str| Ymd::parse_iso(s).unwrap();
        let today = day("2026-11-25");
        let sum = |issued: &str, list: &[(EndorsementStatus, &str)]| {
            let list: Vec<_> = list.iter().map(|&(s, d)| (s, day(d))).collect();
            EndorsementState::summarise(day(issued), &list, today)
        };
        assert_eq!(sum("2019-06-01", &[]), EndorsementState::NotRequired);
        assert_eq!(sum("2022-01-01", &[]), EndorsementState::None);
        assert_eq!(
            sum("2022-01-01", &[(Ready, "2026-12-01"), (Generating, "2027-01-01")]),
            EndorsementState::Generating
        );
        assert_eq!(
            sum("2022-01-01", &[(Ready, "2026-12-01"), (Ready, "2026-11-25"), (Failed, "2027-01-01")]),
            EndorsementState::Valid { until: day("2026-12-01") }
        );
        assert_eq!(sum("2022-01-01", &[(Ready, "2026-11-24"), (Failed, "2027-01-01")]), EndorsementState::Failed);
        // A withdrawn copy is passed over: the one before it, or none.
        assert_eq!(sum("2022-01-01", &[(Cancelled, "2027-01-01")]), EndorsementState::None);
        assert_eq!(
            sum("2022-01-01", &[(Ready, "2026-11-24"), (Cancelled, "2027-01-01")]),
            EndorsementState::Expired { until: day("2026-11-24") }
        );
        assert_eq!(
            sum("2022-01-01", &[(Failed, "2027-01-01"), (Ready, "2026-11-24")]),
            EndorsementState::Expired { until: day("2026-11-24") }
        );
    }

    #[test]
    fn status_codes_round_trip() {
        for s in [CertificateStatus::Valid, CertificateStatus::Revoked] {
            assert_eq!(CertificateStatus::from_code(s.code()), Some(s));
        }
        assert_eq!(CertificateStatus::from_code("suspended"), None);
    }
}
