//! 证书查验, public (no account): by certificate number + holder name, by
//! endorsement number (the QR code's `/v/<number>`), by uploaded PDF, and
//! by pasted or uploaded 电子凭证 (credential JSON).
//! The checks themselves are the service `crate::service::verification`,
//! shared with the upload form, the JSON API and `server verify`.

use leptos::prelude::*;

use crate::domain::verification::Verdict;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::service::verification as check;

/// Name of the form whose no-JavaScript errors travel in the session.
pub const CERTIFICATE_FORM: &str = "verify_certificate";

/// The result page of a logged check (verdicts are kept for a day).
pub fn result_path(token: &str) -> String {
    format!("/verify/result/{token}")
}

/// 按证书编号查验: number and name must both match; a wrong pair gets the
/// same "no match" whichever part was wrong. Without JavaScript the browser
/// is sent to the result page.
#[server(endpoint = "verify_certificate")]
pub async fn verify_certificate(certificate_number: String, holder_name: String) -> Result<Verdict, AppError> {
    use crate::auth::session::{client_addr, fail_form, is_plain_form_post, state};

    let addr = client_addr();
    match check::by_certificate(&state(), &certificate_number, &holder_name, addr.as_deref()).await {
        Ok(checked) => {
            if is_plain_form_post() {
                leptos_axum::redirect(&result_path(&checked.token));
            }
            Ok(checked.verdict)
        }
        Err(err) => {
            let values = vec![("certificate_number", certificate_number), ("holder_name", holder_name)];
            Err(fail_form("/verify", CERTIFICATE_FORM, err, values).await)
        }
    }
}

/// 按加注编号查验, and the page the QR code opens.
#[server(endpoint = "verify_endorsement")]
pub async fn verify_endorsement(number: String) -> Result<Verdict, AppError> {
    use crate::auth::session::{client_addr, state};

    let addr = client_addr();
    Ok(check::by_endorsement(&state(), &number, addr.as_deref()).await?.verdict)
}

/// A logged check's verdict, while it is kept; otherwise "not found".
#[server(endpoint = "verification_result")]
pub async fn verification_result(token: String) -> Result<Verdict, AppError> {
    use crate::error::internal;

    let stored = crate::auth::session::state()
        .store
        .verification_verdict(&token)
        .await
        .map_err(internal("verification result"))?
        .ok_or(AppError::NotFound)?;
    serde_json::from_str(&stored).map_err(internal("stored verdict"))
}
