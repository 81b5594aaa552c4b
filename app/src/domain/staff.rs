//! Staff of issuing bodies: administrators (everything) and issuers (bound
//! to one issuing body, i.e. one seal, and only its qualifications). Not
//! holders: created on the command line, never by registration.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Issuer,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Issuer => "issuer",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        match code {
            "admin" => Some(Role::Admin),
            "issuer" => Some(Role::Issuer),
            _ => None,
        }
    }
}

/// The signed-in staff member, as pages and server functions see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// An issuer's seal (issuing body); `None` for an administrator.
    pub seal_id: Option<i64>,
    /// The issuing body's name, or empty for an administrator.
    pub authority: String,
}

impl StaffMember {
    /// Whether this person may act on certificates under `seal_id`.
    pub fn may_act_for(&self, seal_id: i64) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Issuer => self.seal_id == Some(seal_id),
        }
    }
}

/// 撤销 or 恢复 of a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    Revoke,
    Reinstate,
}

impl Revocation {
    /// The portal form's `action`: "revoke" or "reinstate".
    pub fn from_action(action: &str) -> Option<Revocation> {
        match action {
            "revoke" => Some(Revocation::Revoke),
            "reinstate" => Some(Revocation::Reinstate),
            _ => None,
        }
    }
}

/// A certificate as the portal shows it to the staff who may act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedCertificate {
    pub record: crate::domain::verification::CertificateRecord,
    pub revocation_reason: Option<String>,
    /// Endorsed copies made of it.
    pub endorsements: i64,
}

/// A seal (issuing body) in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealEntry {
    pub code: String,
    /// The text around the seal's ring.
    pub name: String,
    /// The issuing body printed on certificates.
    pub authority: String,
}

/// A qualification in the catalog and the seal it is issued under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualificationEntry {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub seal_code: String,
    /// The specialties its certificates may name; empty: any.
    pub specialties: Vec<String>,
}

/// Catalog codes: letters, digits, `-` and `_`, 1–32 (seal codes name key files).
pub fn valid_code(code: &str) -> bool {
    !code.is_empty() && code.len() <= 32 && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A seal's signing key as the portal lists it: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealKeyInfo {
    pub seal_code: String,
    /// "P-256" (the PDFs' signature) or "SM2" (the OFD copies' electronic seal).
    pub algorithm: String,
    /// SHA-256 of the seal certificate, hex.
    pub fingerprint: String,
    /// Common names of the certificate's subject and issuer.
    pub subject: String,
    pub issuer: String,
    /// `YYYY-MM-DD`.
    pub not_before: String,
    pub not_after: String,
    /// The key new copies are signed with; retired keys only back old copies.
    pub active: bool,
}

/// Kinds of audit events, for the log's filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    Issue,
    Endorse,
    Download,
    Verify,
    Revoke,
    Login,
    Account,
}

impl AuditKind {
    pub const ALL: [AuditKind; 7] = [
        AuditKind::Issue,
        AuditKind::Endorse,
        AuditKind::Download,
        AuditKind::Verify,
        AuditKind::Revoke,
        AuditKind::Login,
        AuditKind::Account,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AuditKind::Issue => "issue",
            AuditKind::Endorse => "endorse",
            AuditKind::Download => "download",
            AuditKind::Verify => "verify",
            AuditKind::Revoke => "revoke",
            AuditKind::Login => "login",
            AuditKind::Account => "account",
        }
    }

    pub fn from_code(code: &str) -> Option<AuditKind> {
        AuditKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The stored event codes of this kind.
    pub fn events(self) -> &'static [&'static str] {
        match self {
            AuditKind::Issue => &["certificates_imported", "accounts_imported"],
            AuditKind::Endorse => &[
                "endorsement_applied",
                "endorsement_refused",
                "endorsement_retried",
                "endorsement_ready",
                "endorsement_failed",
            ],
            AuditKind::Download => {
                &["endorsement_viewed", "endorsement_downloaded", "certificate_downloaded", "file_refused"]
            }
            AuditKind::Verify => &["verification"],
            AuditKind::Revoke => &["certificate_revoked", "certificate_reinstated"],
            AuditKind::Login => &[
                "login_succeeded",
                "login_failed",
                "logout",
                "staff_login_succeeded",
                "staff_login_failed",
                "cross_site_refused",
                "throttled",
                "password_changed",
                "sessions_ended",
                "access_refused",
                "password_upgraded",
                "platform_login_refused",
                "platform_linked",
            ],
            AuditKind::Account => {
                &["register", "terms_accepted", "staff_created", "seal_key_changed", "catalog_changed"]
            }
        }
    }
}

/// The audit log's filter; empty (or absent) fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    /// `YYYY-MM-DD`, Asia/Shanghai, inclusive.
    pub from: String,
    pub to: String,
    /// A holder's or a staff member's username.
    pub actor: String,
    /// A certificate number (also finds the events of its endorsements), an
    /// endorsement number or any other subject.
    pub subject: String,
    /// An [`AuditKind`] code.
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: crate::domain::instant::Instant,
    pub event: String,
    /// `holder:<username>`, `staff:<username>` or empty.
    pub actor: String,
    pub subject: String,
    pub client_addr: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_act_only_for_their_body() {
        let issuer = StaffMember {
            id: 1,
            username: "cba".into(),
            display_name: "银行业协会".into(),
            role: Role::Issuer,
            seal_id: Some(2),
            authority: "中国银行业协会".into(),
        };
        assert!(issuer.may_act_for(2));
        assert!(!issuer.may_act_for(1));
        let admin = StaffMember { role: Role::Admin, seal_id: None, ..issuer };
        assert!(admin.may_act_for(1) && admin.may_act_for(2));
        assert_eq!(Role::from_code("issuer"), Some(Role::Issuer));
        assert_eq!(Role::from_code("holder"), None);
    }

    #[test]
    fn catalog_codes_are_file_name_safe() {
        assert!(valid_code("0301") && valid_code("cba") && valid_code("seal_2-b"));
        assert!(!valid_code("") && !valid_code("../x") && !valid_code("章") && !valid_code(&"a".repeat(33)));
    }

    #[test]
    fn every_kind_has_events_and_a_code() {
        for kind in AuditKind::ALL {
            assert_eq!(AuditKind::from_code(kind.code()), Some(kind));
            assert!(!kind.events().is_empty());
        }
    }
}
