//! 服务须知: shown on first login and whenever its version changes.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsView {
    pub version: String,
    pub body_zh: String,
    pub body_en: String,
    pub accepted: bool,
}

/// The current terms, for a logged-in holder (accepted or not).
#[server(endpoint = "terms")]
pub async fn current_terms() -> Result<TermsView, AppError> {
    use crate::auth::session::{holder_and_terms, state};

    let (_, accepted) = holder_and_terms().await?;
    let version = state().settings.terms_version.clone();
    let (zh, en) = crate::terms::text(&version).ok_or(AppError::Internal)?;
    Ok(TermsView { version, body_zh: zh.to_string(), body_en: en.to_string(), accepted })
}

/// 同意: records acceptance of `version`, which must be the current one (a
/// holder who read an older text while the version changed reads again).
#[server(endpoint = "accept_terms")]
pub async fn accept_terms(version: String) -> Result<(), AppError> {
    use crate::auth::session::{client_addr, holder_id, state};

    let id = holder_id().await?;
    let addr = client_addr();
    if !crate::service::terms::accept(&state(), id, &version, addr.as_deref()).await? {
        leptos_axum::redirect("/terms");
        return Ok(());
    }
    crate::auth::session::forget_sign_in_check().await;
    leptos_axum::redirect("/certificates");
    Ok(())
}
