//! Seals and the qualifications issued under them.

use crate::domain::staff::{QualificationEntry, SealEntry};

use super::{Result, Store};

pub struct NewSeal<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub authority: &'a str,
}

pub struct NewQualification<'a> {
    pub code: &'a str,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub seal_code: &'a str,
    /// The specialties its certificates may name; empty: any.
    pub specialties: &'a [String],
}

impl Store {
    /// (code, name) of every seal: the keys the signing key ring must hold.
    pub async fn seal_names(&self) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as("SELECT code, name FROM seals ORDER BY id").fetch_all(&self.pool).await?)
    }

    /// Inserts or updates a seal by its code; returns its id.
    pub async fn upsert_seal(&self, seal: &NewSeal<'_>) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO seals (code, name, authority) VALUES ($1, $2, $3)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, authority = excluded.authority
             RETURNING id",
        )
        .bind(seal.code)
        .bind(seal.name)
        .bind(seal.authority)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Inserts or updates a qualification by its code; returns its id.
    pub async fn upsert_qualification(&self, q: &NewQualification<'_>) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO qualifications (code, name_zh, name_en, seal_id, specialties)
             VALUES ($1, $2, $3, (SELECT id FROM seals WHERE code = $4), $5)
             ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en,
                 seal_id = excluded.seal_id, specialties = excluded.specialties
             RETURNING id",
        )
        .bind(q.code)
        .bind(q.name_zh)
        .bind(q.name_en)
        .bind(q.seal_code)
        .bind(q.specialties.join("\n"))
        .fetch_one(&self.pool)
        .await?)
    }

    /// Every seal and qualification, by code.
    pub async fn catalog(&self) -> Result<(Vec<SealEntry>, Vec<QualificationEntry>)> {
        let seals: Vec<(String, String, String)> =
            sqlx::query_as("SELECT code, name, authority FROM seals ORDER BY code").fetch_all(&self.pool).await?;
        let qualifications: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT q.code, q.name_zh, q.name_en, s.code, q.specialties FROM qualifications q
             JOIN seals s ON s.id = q.seal_id ORDER BY q.code",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok((
            seals.into_iter().map(|(code, name, authority)| SealEntry { code, name, authority }).collect(),
            qualifications
                .into_iter()
                .map(|(code, name_zh, name_en, seal_code, specialties)| QualificationEntry {
                    code,
                    name_zh,
                    name_en,
                    seal_code,
                    specialties: specialties.lines().map(str::to_string).collect(),
                })
                .collect(),
        ))
    }
}
