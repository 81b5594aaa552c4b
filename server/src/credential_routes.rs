//! What a verifier needs to check an 电子凭证 without us: each seal's DID
//! document (`did:web`, its published keys) and our JSON-LD context. Public,
//! cacheable, and readable from any origin (a browser wallet fetches them).

use app::credential::did;
use app::state::AppState;
use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/seals/{code}/did.json", get(did_document)).route(did::CONTEXT_PATH, get(context))
}

fn public_json(content_type: &'static str, body: &serde_json::Value) -> Response {
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::CACHE_CONTROL, "public, max-age=300"),
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
    ];
    (headers, body.to_string()).into_response()
}

/// `GET /seals/<code>/did.json`: the seal's DID document, every key it has
/// signed with; 404 for a code that is no seal of ours.
async fn did_document(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    let keys = match did::published_methods(&state.settings.keys_dir, &code) {
        Ok(Some(keys)) => keys,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(%e, code, "published keys");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let id = did::seal_did(&state.settings.public_base_url, &code);
    public_json("application/did+ld+json", &did::did_document(&id, &keys))
}

/// `GET /ns/credentials/v1`: the JSON-LD context of our credential's terms.
async fn context(State(state): State<AppState>) -> Response {
    public_json("application/ld+json", &did::context(&state.settings.public_base_url))
}
