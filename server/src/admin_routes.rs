//! The two portal routes that are not server functions: the import file
//! upload (multipart, kept for its preview page) and the audit log as CSV.
//! Anyone but staff gets 404, as for the portal's pages.

use app::auth::session::staff_of;
use app::domain::staff::{AuditFilter, Role};
use app::service::portal::{audit_export, keep_upload, UploadKind};
use app::state::AppState;
use axum::{
    extract::{DefaultBodyLimit, Multipart, Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use tower_sessions::Session;

/// A file of 200,000 rows is about 21 MB.
const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;
/// Rows in one CSV export.
const MAX_EXPORT_ROWS: i64 = 100_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/upload", post(upload).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES + 64 * 1024)))
        .route("/admin/audit.csv", get(audit_csv))
}

/// Text anyone can put in the log (a username tried at login) must not
/// become a spreadsheet formula: such cells start with a quote.
fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The import page of a kind of upload.
fn page(kind: UploadKind) -> &'static str {
    match kind {
        UploadKind::Accounts => "/admin/accounts/import",
        UploadKind::Certificates => "/admin/import",
    }
}

fn not_found() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

async fn upload(State(state): State<AppState>, session: Session, mut form: Multipart) -> Response {
    let Ok(Some(member)) = staff_of(&session, &state).await else { return not_found() };
    // The form names its kind before its file: 证书导入 (any staff) or 账户导入 (administrators).
    let mut kind = UploadKind::Certificates;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("kind") {
            kind = match field.text().await.as_deref() {
                Ok("accounts") => UploadKind::Accounts,
                _ => UploadKind::Certificates,
            };
            continue;
        }
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_string();
        match field.bytes().await {
            Ok(bytes) if !bytes.is_empty() => file = Some((name, bytes.to_vec())),
            Ok(_) => {}
            Err(_) => {
                return Redirect::to(&format!("{}?file=too_large", page(kind))).into_response();
            }
        }
    }
    if kind == UploadKind::Accounts && member.role != Role::Admin {
        return not_found();
    }
    let Some((name, content)) = file else { return Redirect::to(&format!("{}?file=missing", page(kind))).into_response() };
    match keep_upload(&state, &member, kind, &name, &content).await {
        Ok(token) => Redirect::to(&format!("{}/{token}", page(kind))).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn audit_csv(State(state): State<AppState>, session: Session, Query(filter): Query<AuditFilter>) -> Response {
    let Ok(Some(member)) = staff_of(&session, &state).await else { return not_found() };
    if member.role != Role::Admin {
        return not_found();
    }
    let Ok(rows) = audit_export(&state, &filter, MAX_EXPORT_ROWS).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record(["id", "at", "event", "actor", "subject", "client_addr", "detail"]);
    for r in rows {
        let (id, at) = (r.id.to_string(), r.at.seconds());
        let cells = [&id, &at, &r.event, &r.actor, &r.subject, &r.client_addr, &r.detail].map(|c| inert(c));
        let _ = out.write_record(&cells);
    }
    let body = out.into_inner().unwrap_or_default();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"audit-log.csv\""),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        // A BOM so that spreadsheet programs read the Chinese text as UTF-8.
        [b"\xEF\xBB\xBF".as_slice(), &body].concat(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn logged_text_cannot_become_a_formula() {
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("+1"), "'+1");
        assert_eq!(inert("@cmd"), "'@cmd");
        assert_eq!(inert("zhangsan"), "zhangsan");
        assert_eq!(inert("2026-11-25 10:00:00"), "2026-11-25 10:00:00");
    }
}
