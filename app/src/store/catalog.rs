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

/// The seals and qualifications every installation starts with.
const SEALS: [NewSeal<'static>; 2] = [
    NewSeal {
        code: "mohrss",
        name: "中华人民共和国人力资源和社会保障部专业技术人员职业资格证书专用章",
        authority: "中华人民共和国人力资源和社会保障部",
    },
    NewSeal {
        code: "cba", name: "中国银行业协会银行业专业人员职业资格证书专用章", authority: "中国银行业协会"
    },
];

const QUALIFICATIONS: [NewQualification<'static>; 6] = [
    NewQualification {
        code: "0301",
        name_zh: "注册安全工程师",
        name_en: "Certified Safety Engineer",
        seal_code: "mohrss",
        specialties: &[],
    },
    NewQualification {
        code: "0401",
        name_zh: "执业药师",
        name_en: "Licensed Pharmacist",
        seal_code: "mohrss",
        specialties: &[],
    },
    NewQualification {
        code: "0501",
        name_zh: "经济专业技术资格",
        name_en: "Economics Professional Qualification",
        seal_code: "mohrss",
        specialties: &[],
    },
    NewQualification {
        code: "0601",
        name_zh: "一级造价工程师",
        name_en: "Class 1 Cost Engineer",
        seal_code: "mohrss",
        specialties: &[],
    },
    NewQualification {
        code: "0701",
        name_zh: "注册测绘师",
        name_en: "Registered Surveyor",
        seal_code: "mohrss",
        specialties: &[],
    },
    NewQualification {
        code: "1101",
        name_zh: "银行业专业人员职业资格",
        name_en: "Banking Professional Qualification",
        seal_code: "cba",
        specialties: &[],
    },
];

impl Store {
    /// Seals and qualifications for a new installation: written only into an
    /// empty catalog, so later edits by administrators survive restarts.
    pub async fn seed_catalog(&self) -> Result<bool> {
        let seals: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM seals").fetch_one(&self.pool).await?;
        if seals > 0 {
            return Ok(false);
        }
        for seal in &SEALS {
            self.upsert_seal(seal).await?;
        }
        for q in &QUALIFICATIONS {
            self.upsert_qualification(q).await?;
        }
        Ok(true)
    }
}
