//! ecert: the Leptos application shared by the server (feature `ssr`) and
//! the WASM client (feature `hydrate`). See docs/architecture.md.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
mod components;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod labels;
mod pages;

#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod credential;
#[cfg(feature = "ssr")]
pub mod document;
#[cfg(feature = "ssr")]
pub mod random;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod signing;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod terms;
#[cfg(feature = "ssr")]
pub mod ofd_signature;
#[cfg(feature = "ssr")]
pub mod pdf_signature;

#[cfg(feature = "ssr")]
pub use app::has_session_cookie;
pub use app::{has_islands, in_holder_area, loads_client, shell, App, SESSION_COOKIE};
pub use pages::refused::CROSS_SITE_REFUSED;
