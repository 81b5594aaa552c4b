//! 加注 (endorsement): who may apply, for how long, how many, and the states
//! an endorsed copy goes through. Plain rules on dates in Asia/Shanghai; the
//! server supplies "today" and the dates of earlier applications.

use serde::{Deserialize, Serialize};

use crate::domain::calendar::Ymd;
use crate::domain::certificate::{requires_endorsement, Bilingual, CertificateStatus};

/// 加注有效期: whole days, 1 to 90; 90 is suggested and the default.
pub const MIN_DAYS: i64 = 1;
pub const MAX_DAYS: i64 = 90;
pub const DEFAULT_DAYS: i64 = 90;

/// At most this many endorsements that did not fail…
pub const QUOTA: usize = 3;
/// …counting back this many days from the day of application, that day included.
pub const QUOTA_WINDOW_DAYS: i64 = 90;
/// A valid copy whose last day is at most this many days away (today
/// counting as the first) is marked as ending soon, with 再次申请 beside it.
pub const ENDING_SOON_DAYS: i64 = 7;

/// The stored state of an endorsement (expiry is derived from the date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndorsementStatus {
    /// 证书生成中…: accepted, the file is being made.
    Generating,
    /// The signed copy exists (until purged after expiry).
    Ready,
    /// Generation kept failing; does not count toward the quota.
    Failed,
    /// 撤回加注: the holder withdrew a ready copy; it stops verifying, its
    /// file is deleted, and it still counts toward the quota (the quota
    /// counts applications). Stored as `ready` with a cancellation time.
    Cancelled,
}

impl EndorsementStatus {
    pub fn code(self) -> &'static str {
        match self {
            EndorsementStatus::Generating => "generating",
            EndorsementStatus::Ready => "ready",
            EndorsementStatus::Failed => "failed",
            EndorsementStatus::Cancelled => "cancelled",
        }
    }

    /// The status of a stored row: its `status` column and whether it was cancelled.
    pub fn of_row(code: &str, cancelled: bool) -> Option<EndorsementStatus> {
        match (EndorsementStatus::from_code(code)?, cancelled) {
            (EndorsementStatus::Ready, true) => Some(EndorsementStatus::Cancelled),
            (status, false) => Some(status),
            (_, true) => None,
        }
    }

    pub fn from_code(code: &str) -> Option<EndorsementStatus> {
        match code {
            "generating" => Some(EndorsementStatus::Generating),
            "ready" => Some(EndorsementStatus::Ready),
            "failed" => Some(EndorsementStatus::Failed),
            "cancelled" => Some(EndorsementStatus::Cancelled),
            _ => None,
        }
    }
}

/// What the holder sees of one endorsement on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Generating,
    /// 查看 / 下载 are offered.
    Valid,
    /// 加注件已过期: no view or download; apply again.
    Expired,
    /// Can be retried.
    Failed,
    /// 已撤回: withdrawn by the holder; no view or download.
    Cancelled,
}

impl Phase {
    pub fn of(status: EndorsementStatus, valid_until: Ymd, today: Ymd) -> Phase {
        match status {
            EndorsementStatus::Failed => Phase::Failed,
            EndorsementStatus::Cancelled => Phase::Cancelled,
            _ if today > valid_until => Phase::Expired,
            EndorsementStatus::Generating => Phase::Generating,
            EndorsementStatus::Ready => Phase::Valid,
        }
    }
}

/// The last day of validity: valid from the application to the end of the
/// `days`-th day, the day of application being the first.
pub fn valid_until(applied_on: Ymd, days: i64) -> Ymd {
    applied_on.plus_days(days - 1)
}

/// A valid copy in its last [`ENDING_SOON_DAYS`] days.
pub fn ends_soon(phase: Phase, valid_until: Ymd, today: Ymd) -> bool {
    phase == Phase::Valid && valid_until <= today.plus_days(ENDING_SOON_DAYS - 1)
}

/// 撤回加注 is offered for a valid copy only: one being made has nothing
/// to withdraw yet, and an expired, failed or withdrawn one no longer verifies.
pub fn check_cancellation(phase: Phase) -> Result<(), Refusal> {
    match phase {
        Phase::Valid => Ok(()),
        Phase::Cancelled => Err(Refusal::Cancelled),
        _ => Err(Refusal::NotCancellable),
    }
}

/// 重新生成 is offered for a failed copy of a valid certificate; the copy
/// counts toward the quota again, so the quota is checked as for a new
/// application (`counted`: the certificate's other counted days).
pub fn check_retry(
    certificate_status: CertificateStatus,
    status: EndorsementStatus,
    today: Ymd,
    counted: &[Ymd],
) -> Result<(), Refusal> {
    if certificate_status != CertificateStatus::Valid {
        return Err(Refusal::CertificateRevoked);
    }
    if status != EndorsementStatus::Failed {
        return Err(Refusal::NotRetryable);
    }
    match next_free_slot(today, counted) {
        Some(next_slot) => Err(Refusal::QuotaReached { next_slot }),
        None => Ok(()),
    }
}

/// The first day of the quota window for an application made on `today`.
pub fn quota_window_start(today: Ymd) -> Ymd {
    today.plus_days(-(QUOTA_WINDOW_DAYS - 1))
}

/// Why an application (or a view/download) is refused. Codes the UI localises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Refusal {
    /// Only a 有效 certificate can be endorsed or downloaded.
    CertificateRevoked,
    /// Issued before 2021-12-17: downloads directly, no endorsement.
    EndorsementNotRequired,
    /// Issued on or after 2021-12-17: only an endorsed copy can be downloaded.
    EndorsementRequired,
    /// The quota is used up; a slot frees on `next_slot`.
    QuotaReached { next_slot: Ymd },
    /// The copy is still being generated.
    NotReady,
    /// 加注件已过期.
    Expired,
    /// Generation failed; retry instead.
    Failed,
    /// Only a failed endorsement can be retried.
    NotRetryable,
    /// 已撤回: the holder withdrew this copy.
    Cancelled,
    /// Only a valid copy can be withdrawn.
    NotCancellable,
}

impl Refusal {
    /// Why a copy in `phase` of a certificate in `certificate_status` may
    /// not be viewed or downloaded; `None`: it may.
    pub fn for_copy(certificate_status: CertificateStatus, phase: Phase) -> Option<Refusal> {
        if certificate_status != CertificateStatus::Valid {
            return Some(Refusal::CertificateRevoked);
        }
        match phase {
            Phase::Generating => Some(Refusal::NotReady),
            Phase::Expired => Some(Refusal::Expired),
            Phase::Failed => Some(Refusal::Failed),
            Phase::Cancelled => Some(Refusal::Cancelled),
            Phase::Valid => None,
        }
    }

    /// Why a certificate itself (not an endorsed copy) may not be
    /// downloaded: revoked, or issued when endorsement was already required.
    /// An unreadable issue date counts as the latter.
    pub fn for_certificate_download(certificate_status: CertificateStatus, issued_on: Option<Ymd>) -> Option<Refusal> {
        if certificate_status != CertificateStatus::Valid {
            Some(Refusal::CertificateRevoked)
        } else if issued_on.is_none_or(requires_endorsement) {
            Some(Refusal::EndorsementRequired)
        } else {
            None
        }
    }
}

/// An application's facts as the store found them, inside the transaction
/// that will record it.
#[derive(Debug, Clone)]
pub struct Application<'a> {
    pub certificate_status: CertificateStatus,
    pub issued_on: Ymd,
    pub days: i64,
    pub scenario_enabled: bool,
    pub today: Ymd,
    /// Application days of this certificate's endorsements that count
    /// (not failed) and fall in the quota window.
    pub counted: &'a [Ymd],
}

/// A problem with the form's values, reported next to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormProblem {
    DaysOutOfRange,
    ScenarioUnavailable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    Form(FormProblem),
    Refused(Refusal),
}

/// The rules of 申请证书加注. Returns the last day of validity.
pub fn check_application(a: &Application) -> Result<Ymd, Rejection> {
    if a.certificate_status != CertificateStatus::Valid {
        return Err(Rejection::Refused(Refusal::CertificateRevoked));
    }
    if !requires_endorsement(a.issued_on) {
        return Err(Rejection::Refused(Refusal::EndorsementNotRequired));
    }
    if !(MIN_DAYS..=MAX_DAYS).contains(&a.days) {
        return Err(Rejection::Form(FormProblem::DaysOutOfRange));
    }
    if !a.scenario_enabled {
        return Err(Rejection::Form(FormProblem::ScenarioUnavailable));
    }
    if let Some(next_slot) = next_free_slot(a.today, a.counted) {
        return Err(Rejection::Refused(Refusal::QuotaReached { next_slot }));
    }
    Ok(valid_until(a.today, a.days))
}

/// `None` when an application made `today` fits the quota; otherwise the
/// first day on which one would. `counted` may hold dates outside the window.
pub fn next_free_slot(today: Ymd, counted: &[Ymd]) -> Option<Ymd> {
    let start = quota_window_start(today);
    let mut inside: Vec<Ymd> = counted.iter().copied().filter(|d| *d >= start && *d <= today).collect();
    if inside.len() < QUOTA {
        return None;
    }
    inside.sort();
    // A slot frees when enough of the oldest leave the window: the day after
    // the (len - QUOTA)-th oldest's window ends.
    Some(inside[inside.len() - QUOTA].plus_days(QUOTA_WINDOW_DAYS))
}

/// 加注编号: `JZ`, the day of application, then 12 characters of Crockford
/// base32 from `random` (60 bits, so numbers cannot be guessed from each other).
pub fn endorsement_number(applied_on: Ymd, random: u64) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let tail: String = (0..12).map(|i| ALPHABET[((random >> (i * 5)) & 31) as usize] as char).collect();
    format!("JZ{:04}{:02}{:02}{tail}", applied_on.year, applied_on.month, applied_on.day)
}

/// A usage scenario (使用场景). Data, so more can be enabled later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    pub code: String,
    pub name: Bilingual,
}

/// One endorsement as its holder sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndorsementView {
    pub id: i64,
    pub number: String,
    pub scenario: Bilingual,
    pub days: i64,
    pub applied_at: crate::domain::instant::Instant,
    pub valid_from: Ymd,
    pub valid_until: Ymd,
    pub phase: Phase,
    /// The scenario's code, for 再次申请 with the same scenario.
    pub scenario_code: String,
    /// Valid, and its last day is near ([`ends_soon`]).
    pub ends_soon: bool,
    /// When the holder withdrew it.
    pub cancelled_at: Option<crate::domain::instant::Instant>,
    /// How many verifications were made of this copy (查验记录).
    pub checks: u32,
}

/// 加注件详情: one copy and its 查验记录 (newest first, at most [`CHECKS_SHOWN`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndorsementDetail {
    pub endorsement: EndorsementView,
    pub checks: Vec<crate::domain::check_log::CheckEntry>,
}

/// The most checks a detail page lists (the count on the list is complete).
pub const CHECKS_SHOWN: i64 = 200;

/// The application form: usable scenarios, the quota left today, and a
/// fresh idempotency key (a resubmission of this form returns the first result).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationForm {
    pub scenarios: Vec<Scenario>,
    /// Applications still possible today (0..=QUOTA).
    pub remaining: usize,
    /// When none remain: the day a slot frees.
    pub next_slot: Option<Ymd>,
    pub form_key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Ymd {
        Ymd::parse_iso(s).unwrap()
    }

    fn application(days: i64, counted: &[Ymd]) -> Application<'_> {
        Application {
            certificate_status: CertificateStatus::Valid,
            issued_on: d("2023-05-20"),
            days,
            scenario_enabled: true,
            today: d("2026-11-25"),
            counted,
        }
    }

    #[test]
    fn validity_is_1_to_90_whole_days_counting_today() {
        assert_eq!(check_application(&application(1, &[])), Ok(d("2026-11-25")));
        assert_eq!(check_application(&application(90, &[])), Ok(d("2027-02-22")));
        for days in [0, 91, -1, i64::MAX] {
            assert_eq!(check_application(&application(days, &[])), Err(Rejection::Form(FormProblem::DaysOutOfRange)));
        }
    }

    #[test]
    fn only_valid_certificates_issued_since_2021_12_17() {
        let mut a = application(90, &[]);
        a.certificate_status = CertificateStatus::Revoked;
        assert_eq!(check_application(&a), Err(Rejection::Refused(Refusal::CertificateRevoked)));
        let mut a = application(90, &[]);
        a.issued_on = d("2021-12-16");
        assert_eq!(check_application(&a), Err(Rejection::Refused(Refusal::EndorsementNotRequired)));
        a.issued_on = d("2021-12-17");
        assert!(check_application(&a).is_ok());
        a.scenario_enabled = false;
        assert_eq!(check_application(&a), Err(Rejection::Form(FormProblem::ScenarioUnavailable)));
    }

    #[test]
    fn quota_is_three_in_the_90_days_ending_today() {
        let today = d("2026-11-25");
        let first_day = d("2026-08-28"); // 89 days back: still inside
        assert_eq!(quota_window_start(today), first_day);
        assert_eq!(next_free_slot(today, &[first_day, today]), None);
        // Three inside: the next slot frees the day the oldest leaves.
        let three = [first_day, d("2026-10-01"), today];
        assert_eq!(next_free_slot(today, &three), Some(d("2026-11-26")));
        assert_eq!(
            check_application(&application(30, &three)),
            Err(Rejection::Refused(Refusal::QuotaReached { next_slot: d("2026-11-26") }))
        );
        // One just outside the window does not count.
        let outside = [d("2026-08-27"), d("2026-10-01"), today];
        assert_eq!(next_free_slot(today, &outside), None);
        // All on one day: free again 90 days later.
        assert_eq!(next_free_slot(today, &[today; 3]), Some(d("2027-02-23")));
        assert_eq!(next_free_slot(d("2027-02-23"), &[today; 3]), None);
        assert_eq!(next_free_slot(d("2027-02-22"), &[today; 3]), Some(d("2027-02-23")));
    }

    #[test]
    fn phases_follow_status_and_the_last_day() {
        let until = d("2026-11-30");
        assert_eq!(Phase::of(EndorsementStatus::Ready, until, d("2026-11-30")), Phase::Valid);
        assert_eq!(Phase::of(EndorsementStatus::Ready, until, d("2026-12-01")), Phase::Expired);
        assert_eq!(Phase::of(EndorsementStatus::Generating, until, d("2026-11-25")), Phase::Generating);
        assert_eq!(Phase::of(EndorsementStatus::Failed, until, d("2026-11-25")), Phase::Failed);
        assert_eq!(Phase::of(EndorsementStatus::Cancelled, until, d("2026-11-25")), Phase::Cancelled);
        assert_eq!(
            Phase::of(EndorsementStatus::Cancelled, until, d("2026-12-01")),
            Phase::Cancelled,
            "still withdrawn"
        );
        for s in [
            EndorsementStatus::Generating,
            EndorsementStatus::Ready,
            EndorsementStatus::Failed,
            EndorsementStatus::Cancelled,
        ] {
            assert_eq!(EndorsementStatus::from_code(s.code()), Some(s));
        }
    }

    #[test]
    fn a_cancelled_row_is_a_ready_one_withdrawn() {
        assert_eq!(EndorsementStatus::of_row("ready", true), Some(EndorsementStatus::Cancelled));
        assert_eq!(EndorsementStatus::of_row("ready", false), Some(EndorsementStatus::Ready));
        assert_eq!(EndorsementStatus::of_row("failed", false), Some(EndorsementStatus::Failed));
        // Only a ready copy can have been withdrawn: anything else is a corrupt row.
        assert_eq!(EndorsementStatus::of_row("generating", true), None);
        assert_eq!(EndorsementStatus::of_row("done", false), None);
    }

    #[test]
    fn only_a_valid_copy_can_be_withdrawn() {
        assert_eq!(check_cancellation(Phase::Valid), Ok(()));
        assert_eq!(check_cancellation(Phase::Cancelled), Err(Refusal::Cancelled));
        for phase in [Phase::Generating, Phase::Expired, Phase::Failed] {
            assert_eq!(check_cancellation(phase), Err(Refusal::NotCancellable));
        }
    }

    #[test]
    fn the_last_seven_days_are_marked() {
        let today = d("2026-11-25");
        assert!(ends_soon(Phase::Valid, today, today), "ends today");
        assert!(ends_soon(Phase::Valid, d("2026-12-01"), today), "7th day counting today");
        assert!(!ends_soon(Phase::Valid, d("2026-12-02"), today));
        assert!(!ends_soon(Phase::Generating, today, today));
        assert!(!ends_soon(Phase::Cancelled, today, today));
        assert!(!ends_soon(Phase::Expired, d("2026-11-24"), today));
    }

    #[test]
    fn numbers_carry_the_date_and_60_random_bits() {
        let n = endorsement_number(d("2026-11-25"), 0);
        assert_eq!(n, "JZ20261125000000000000");
        let n = endorsement_number(d("2026-11-25"), u64::MAX);
        assert_eq!(n, "JZ20261125ZZZZZZZZZZZZ");
        assert_ne!(endorsement_number(d("2026-11-25"), 1), endorsement_number(d("2026-11-25"), 2));
    }

    #[test]
    fn which_files_a_holder_may_have() {
        use CertificateStatus::{Revoked, Valid};
        assert_eq!(Refusal::for_copy(Valid, Phase::Valid), None);
        assert_eq!(Refusal::for_copy(Revoked, Phase::Valid), Some(Refusal::CertificateRevoked));
        assert_eq!(Refusal::for_copy(Valid, Phase::Generating), Some(Refusal::NotReady));
        assert_eq!(Refusal::for_copy(Valid, Phase::Expired), Some(Refusal::Expired));
        assert_eq!(Refusal::for_copy(Valid, Phase::Failed), Some(Refusal::Failed));
        assert_eq!(Refusal::for_copy(Valid, Phase::Cancelled), Some(Refusal::Cancelled));
        let before = Ymd::parse_iso("2021-12-16");
        let after = Ymd::parse_iso("2021-12-17");
        assert_eq!(Refusal::for_certificate_download(Valid, before), None);
        assert_eq!(Refusal::for_certificate_download(Valid, after), Some(Refusal::EndorsementRequired));
        assert_eq!(Refusal::for_certificate_download(Valid, None), Some(Refusal::EndorsementRequired));
        assert_eq!(Refusal::for_certificate_download(Revoked, before), Some(Refusal::CertificateRevoked));
    }

    #[test]
    fn a_failed_copy_of_a_valid_certificate_is_retried_within_the_quota() {
        use CertificateStatus::{Revoked, Valid};
        let today = Ymd::parse_iso("2027-03-01").unwrap();
        assert_eq!(check_retry(Valid, EndorsementStatus::Failed, today, &[]), Ok(()));
        assert_eq!(check_retry(Revoked, EndorsementStatus::Failed, today, &[]), Err(Refusal::CertificateRevoked));
        assert_eq!(check_retry(Valid, EndorsementStatus::Ready, today, &[]), Err(Refusal::NotRetryable));
        let full = vec![today; QUOTA];
        assert!(matches!(check_retry(Valid, EndorsementStatus::Failed, today, &full), Err(Refusal::QuotaReached { .. })));
    }
}
