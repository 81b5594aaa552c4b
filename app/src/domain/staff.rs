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
}
