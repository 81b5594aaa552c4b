//! The service terms (服务须知) texts, by version. A new version is a new
//! pair of files in app/terms/ and a new `terms_version` in the config.

/// The version a fresh configuration uses.
pub const CURRENT: &str = "2026-11";

const VERSIONS: [(&str, &str, &str); 1] =
    [("2026-11", include_str!("../terms/2026-11.zh-CN.md"), include_str!("../terms/2026-11.en.md"))];

/// (Chinese, English) text of a version.
pub fn text(version: &str) -> Option<(&'static str, &'static str)> {
    VERSIONS.iter().find(|(v, _, _)| *v == version).map(|(_, zh, en)| (*zh, *en))
}
