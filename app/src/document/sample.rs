//! One made-up certificate and endorsement, the same for the unit tests, the
//! PDF checks with independent tools (app/tests) and the benchmark, so that
//! what is measured is what is tested.

use super::{CertificateFace, EndorsementBlock};

/// The ministry's seal, as in the catalog.
pub const SEAL_NAME: &str = "中华人民共和国人力资源和社会保障部专业技术人员职业资格证书专用章";

pub fn face() -> CertificateFace<'static> {
    CertificateFace {
        holder_name: "欧阳明月",
        id_type: "居民身份证",
        id_number: "11010119900307123X",
        qualification: "注册安全工程师",
        specialty: Some("化工安全"),
        certificate_number: "0012345678",
        management_number: "AQ2023110100123",
        issued_on: "2023年05月20日",
        authority: "中华人民共和国人力资源和社会保障部",
        seal_name: SEAL_NAME,
    }
}

pub fn endorsement() -> EndorsementBlock<'static> {
    EndorsementBlock {
        made_at: "2026-11-25 14:03:09",
        made_by: "专业技术人员职业资格电子证书服务平台",
        purpose: "本人调用",
        valid_from: "2026-11-25",
        valid_until: "2027-02-22",
        endorsement_number: "JZ20261125000000000012",
    }
}

/// The QR code's address for [`endorsement`].
pub const VERIFY_URL: &str = "https://ecert.example.cn/v/JZ20261125000000000012";
