//! 证书下载 (the holder's list) and 证书信息 (one record).

use leptos::prelude::*;

use crate::domain::certificate::{CertificateDetail, CertificateSummary};
use crate::error::AppError;

#[server(endpoint = "certificates")]
pub async fn my_certificates() -> Result<Vec<CertificateSummary>, AppError> {
    use crate::auth::session::{require_holder, state};
    let holder = require_holder().await?;
    crate::service::certificates::list(&state(), holder).await
}

/// One of the caller's certificates; anyone else's is `NotFound`, exactly
/// like an id that does not exist.
#[server(endpoint = "certificate")]
pub async fn certificate_info(id: i64) -> Result<CertificateDetail, AppError> {
    use crate::auth::session::{require_holder, state};
    let holder = require_holder().await?;
    crate::service::certificates::detail(&state(), holder, id).await
}
