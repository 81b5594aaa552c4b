//! 证书下载 (the holder's list) and 证书信息 (one record).

use leptos::prelude::*;

use crate::domain::certificate::{CertificateDetail, CertificateSummary};
use crate::error::AppError;

#[server(endpoint = "certificates")]
pub async fn my_certificates() -> Result<Vec<CertificateSummary>, AppError> {
    use crate::auth::session::{require_holder, state};
    use crate::error::internal;

    let holder = require_holder().await?;
    state()
        .store
        .certificates_of_holder(holder, crate::clock::today_shanghai())
        .await
        .map_err(internal("list certificates"))
}

/// One of the caller's certificates; anyone else's is `NotFound`, exactly
/// like an id that does not exist.
#[server(endpoint = "certificate")]
pub async fn certificate_info(id: i64) -> Result<CertificateDetail, AppError> {
    use crate::auth::session::{require_holder, state};
    use crate::error::internal;

    let holder = require_holder().await?;
    state()
        .store
        .certificate_of_holder(holder, id, crate::clock::today_shanghai())
        .await
        .map_err(internal("certificate"))?
        .ok_or(AppError::NotFound)
}
