//! The demo data that the quick start loads on first start (README lists
//! the demo accounts). Only in a build with the `demo` feature.

use crate::domain::calendar::Ymd;
use crate::domain::certificate::CertificateStatus;
use crate::domain::id_document::IdType;

use super::endorsements::Past;
use super::{NewCertificate, NewHolder, Result, Store};

/// Password of every demo account.
pub const DEMO_PASSWORD: &str = "Ecert@2026";

struct DemoPerson {
    username: Option<&'static str>,
    name: &'static str,
    id_type: IdType,
    id_number: &'static str,
}

/// 张三, 李四 and 王五 have accounts; 赵六 and 钱七 have certificates but no
/// account yet (they register in the end-to-end journeys).
const PEOPLE: [DemoPerson; 10] = [
    DemoPerson {
        username: Some("zhangsan"),
        name: "张三",
        id_type: IdType::ResidentId,
        id_number: "110105198503150019",
    },
    DemoPerson { username: Some("lisi"), name: "李四", id_type: IdType::ResidentId, id_number: "310104199005120023" },
    DemoPerson { username: Some("wangwu"), name: "王五", id_type: IdType::Passport, id_number: "E98765432" },
    DemoPerson { username: None, name: "赵六", id_type: IdType::ResidentId, id_number: "420106198802140020" },
    DemoPerson { username: None, name: "钱七", id_type: IdType::ResidentId, id_number: "510107199506230040" },
    DemoPerson {
        username: Some("sunba"), name: "孙八", id_type: IdType::ResidentId, id_number: "320102198707090038"
    },
    // Exam-registration platform accounts, imported with their platform
    // hashes from docs/examples/platform-accounts.csv (server::startup).
    DemoPerson { username: None, name: "周九", id_type: IdType::ResidentId, id_number: "11010119900307002X" },
    DemoPerson { username: None, name: "吴十", id_type: IdType::ResidentId, id_number: "440106199208150048" },
    DemoPerson { username: None, name: "郑一", id_type: IdType::ResidentId, id_number: "330106198811220039" },
    DemoPerson { username: None, name: "陈二", id_type: IdType::ResidentId, id_number: "500103199506010059" },
];

/// (person index, qualification, specialty, certificate no., management no., issued, revoked on)
type DemoCertificate =
    (usize, &'static str, Option<&'static str>, &'static str, &'static str, &'static str, Option<&'static str>);

const CERTIFICATES: [DemoCertificate; 16] = [
    (0, "0301", Some("化工安全"), "0301202203150001", "2022030111000101", "2022-03-15", None),
    (0, "0501", Some("中级 · 人力资源管理"), "0501201911200017", "2019110511000217", "2019-11-20", None),
    (0, "0601", Some("土木建筑工程"), "0601202306300042", "2023063011000342", "2023-06-30", Some("2024-02-01")),
    (1, "0401", Some("药学"), "0401202401100008", "2024011031000408", "2024-01-10", None),
    (1, "1101", Some("中级 · 风险管理"), "1101202208080025", "2022080831001125", "2022-08-08", None),
    (2, "0701", None, "0701202106180003", "2021061811000703", "2021-06-18", None),
    (3, "0301", Some("建筑施工安全"), "0301202405200031", "2024052042000131", "2024-05-20", None),
    (3, "0501", Some("初级 · 工商管理"), "0501202011210044", "2020112142000544", "2020-11-21", None),
    (4, "0401", Some("中药学"), "0401202312090012", "2023120951000412", "2023-12-09", None),
    (4, "0601", Some("安装工程"), "0601202209170007", "2022091751000607", "2022-09-17", None),
    (5, "0601", Some("交通运输工程"), "0601202404160051", "2024041661000651", "2024-04-16", None),
    (5, "0401", Some("药学"), "0401202502180063", "2025021861000463", "2025-02-18", None),
    (6, "0301", Some("道路运输安全"), "0301202306100071", "2023061071000171", "2023-06-10", None),
    (7, "0401", Some("药学"), "0401202110230084", "2021102381000484", "2021-10-23", None),
    (8, "0501", Some("中级 · 金融"), "0501202111060091", "2021110691000591", "2021-11-06", None),
    (9, "0701", None, "0701202309090102", "2023090910200702", "2023-09-09", None),
];

/// Loads the demo holders and certificates once (after `catalog`): does
/// nothing when any certificate exists already.
pub async fn demo(store: &Store, hash_password: impl Fn(&str) -> String) -> Result<bool> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificates").fetch_one(&store.pool).await?;
    if existing > 0 {
        return Ok(false);
    }
    for p in PEOPLE.iter() {
        if let Some(username) = p.username {
            let hash = hash_password(DEMO_PASSWORD);
            store
                .create_holder(&NewHolder {
                    username,
                    password_hash: &hash,
                    real_name: p.name,
                    id_type: p.id_type,
                    id_number: p.id_number,
                    phone: None,
                    email: None,
                })
                .await?;
        }
    }
    for (person, qualification, specialty, number, management, issued, revoked) in CERTIFICATES {
        let p = &PEOPLE[person];
        let date = |s: &str| Ymd::parse_iso(s).expect("demo dates are valid");
        store
            .insert_certificate(&NewCertificate {
                certificate_number: number,
                management_number: management,
                holder_name: p.name,
                id_type: p.id_type,
                id_number: p.id_number,
                qualification_code: qualification,
                specialty,
                issued_on: date(issued),
                status: if revoked.is_some() { CertificateStatus::Revoked } else { CertificateStatus::Valid },
                revoked_on: revoked.map(date),
            })
            .await?;
    }
    // 李四's pharmacist certificate has a copy that expired long ago (its
    // file purged), outside the quota window: the "加注件已过期" case.
    let today = crate::clock::today_shanghai();
    store.insert_past_endorsement("0401202401100008", today.plus_days(-120), 30, rand::random(), Past::Expired).await?;
    // 孙八's 一级造价工程师 has a 90-day copy in its last 3 days (the workers
    // make its file at start): the "即将到期 / 再次申请" case.
    store
        .insert_past_endorsement("0601202404160051", today.plus_days(-87), 90, rand::random(), Past::Generating)
        .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::certificate::EndorsementState;
    use crate::domain::id_document::normalize_id_number;
    use crate::store::testing::temp_store;

    #[test]
    fn demo_identities_pass_the_registration_rules() {
        let today = Ymd::new(2026, 11, 25).unwrap();
        for p in &PEOPLE {
            assert_eq!(normalize_id_number(p.id_type, p.id_number, today).as_deref(), Ok(p.id_number));
        }
    }

    #[tokio::test]
    async fn demo_seeds_once() {
        let (store, _dir) = temp_store().await;
        assert!(store.seed_catalog().await.unwrap());
        assert!(!store.seed_catalog().await.unwrap(), "an existing catalog is left alone");
        assert!(demo(&store, |_| "hash".into()).await.unwrap());
        assert!(!demo(&store, |_| "hash".into()).await.unwrap());
        let zhangsan = store.holder_login("zhangsan").await.unwrap().unwrap().id;
        let today = crate::clock::today_shanghai();
        let certs = store.certificates_of_holder(zhangsan, today).await.unwrap();
        assert_eq!(certs.len(), 3);
        assert!(certs.iter().any(|c| c.status == CertificateStatus::Revoked));
        assert!(certs.iter().any(|c| !crate::domain::certificate::requires_endorsement(c.issued_on)));
        let lisi = store.holder_login("lisi").await.unwrap().unwrap().id;
        let certs = store.certificates_of_holder(lisi, today).await.unwrap();
        assert!(certs.iter().any(|c| matches!(c.endorsement, EndorsementState::Expired { .. })));
        let sunba = store.holder_login("sunba").await.unwrap().unwrap().id;
        let certs = store.certificates_of_holder(sunba, today).await.unwrap();
        assert!(certs.iter().any(|c| c.endorsement == EndorsementState::Generating), "made at start");
        let ending = certs.iter().find(|c| c.certificate_number == "0601202404160051").unwrap();
        let list = store.endorsements_of_certificate(sunba, ending.id, today).await.unwrap().unwrap();
        assert_eq!(list[0].valid_until, today.plus_days(2));
    }
}
