//! What every server function and page can reach: `expect_context::<AppState>()`.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::{config::Settings, service::generation::Generator, store::Store};

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub settings: Arc<Settings>,
    /// The font and seal keys, loaded once; used by the workers and downloads.
    pub generator: Arc<Generator>,
    /// Wakes the generation workers when a job is queued.
    pub jobs: Arc<tokio::sync::Notify>,
    /// Login and registration limits.
    pub throttle: Arc<crate::auth::throttle::Throttle>,
    /// The exam-registration platform's OpenID Provider, when configured.
    pub platform: Option<Arc<crate::auth::platform::Platform>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
