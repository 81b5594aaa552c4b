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

/// Surnames and given-name characters for made-up holders: 30 × 50 × 50
/// names of three characters ([`holder_name`]). Benchmarks need distinct
/// names: krilla memoizes a font subset, and copies of one name share it.
pub const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹";
pub const GIVEN_NAMES: &str =
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彬鹏飞宇浩然轩梓涵欣怡晨阳思远雨泽文";

/// The `i`-th made-up name; the same as the synthetic holders' names
/// (`store::synthetic`) for the same `i`.
pub fn holder_name(i: usize) -> String {
    let pick = |set: &str, n: usize| set.chars().nth(n % set.chars().count()).unwrap_or('甲');
    let (surnames, given) = (SURNAMES.chars().count(), GIVEN_NAMES.chars().count());
    [pick(SURNAMES, i), pick(GIVEN_NAMES, i / surnames), pick(GIVEN_NAMES, i / surnames / given)].iter().collect()
}

/// The QR code's address for [`endorsement`].
pub const VERIFY_URL: &str = "https://ecert.example.cn/v/JZ20261125000000000012";
