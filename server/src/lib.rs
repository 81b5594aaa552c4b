//! ecert's server: configuration, the HTTP router and its layers, and the
//! command-line entry points. Wiring only; the rules live in `app`.

pub mod access_log;
pub mod admin_cli;
pub mod admin_routes;
pub mod config;
pub mod credential_routes;
pub mod error_status;
pub mod health;
pub mod limits;
pub mod listener;
pub mod locale;
pub mod metrics;
pub mod rate_limit;
pub mod refusal;
pub mod router;
pub mod security;
pub mod startup;
pub mod verify_cli;
pub mod verify_routes;
pub mod wire;
pub mod worker;
