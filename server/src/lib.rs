//! ecert's server: configuration, the HTTP router and its layers, and the
//! command-line entry points. Wiring only; the rules live in `app`.

pub mod config;
pub mod error_status;
pub mod locale;
pub mod router;
pub mod startup;
pub mod worker;
