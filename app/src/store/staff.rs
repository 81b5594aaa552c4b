//! Staff accounts of issuing bodies (see `domain::staff`).

use crate::domain::staff::{Role, StaffMember};

use super::{corrupt, is_unique_violation, AuditEntry, AuditEvent, Result, Store, StoreError};

#[derive(sqlx::FromRow)]
struct StaffRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    seal_id: Option<i64>,
    authority: Option<String>,
}

impl StaffRow {
    fn into_member(self) -> Result<StaffMember> {
        Ok(StaffMember {
            role: Role::from_code(&self.role).ok_or_else(|| corrupt("staff", "role", &self.role))?,
            id: self.id,
            username: self.username,
            display_name: self.display_name,
            seal_id: self.seal_id,
            authority: self.authority.unwrap_or_default(),
        })
    }
}

const SELECT_STAFF: &str = "SELECT st.id, st.username, st.display_name, st.role, st.seal_id, se.authority
    FROM staff st LEFT JOIN seals se ON se.id = st.seal_id";

impl Store {
    /// Creates a staff account; an issuer names its issuing body by seal code.
    pub async fn create_staff(
        &self,
        username: &str,
        password_hash: &str,
        display_name: &str,
        role: Role,
        seal_code: Option<&str>,
    ) -> Result<i64> {
        let seal_id: Option<i64> = match seal_code {
            Some(code) => Some(
                sqlx::query_scalar("SELECT id FROM seals WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| StoreError::Conflict(format!("no seal with code {code:?}")))?,
            ),
            None => None,
        };
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO staff (username, password_hash, display_name, role, seal_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(username)
        .bind(password_hash)
        .bind(display_name)
        .bind(role.code())
        .bind(seal_id)
        .bind(crate::clock::now_unix())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match is_unique_violation(&e) {
            Some(_) => StoreError::Conflict(format!("username {username:?} is taken")),
            None => e.into(),
        })?;
        let detail = format!("{} {}", role.code(), seal_code.unwrap_or(""));
        let entry =
            AuditEntry { staff_id: Some(id), subject: Some(username), detail: Some(&detail), ..Default::default() };
        super::audit::insert(&mut *tx, AuditEvent::StaffCreated, &entry, crate::clock::now_unix()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// (id, password hash, session epoch) of a staff username (see `HolderLogin`).
    pub async fn staff_login(&self, username: &str) -> Result<Option<(i64, String, i64)>> {
        Ok(sqlx::query_as("SELECT id, password_hash, session_epoch FROM staff WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn staff_member(&self, id: i64) -> Result<Option<StaffMember>> {
        let row: Option<StaffRow> =
            sqlx::query_as(&format!("{SELECT_STAFF} WHERE st.id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.map(StaffRow::into_member).transpose()
    }

    /// The seal id of a seal code.
    pub async fn seal_id(&self, code: &str) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM seals WHERE code = $1").bind(code).fetch_optional(&self.pool).await?)
    }
}
