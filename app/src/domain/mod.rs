//! Plain-Rust rules of domain.md: no I/O, compiled for the client as well.
pub mod account;
pub mod account_import;
pub mod calendar;
pub mod certificate;
pub mod check_log;
pub mod endorsement;
pub mod id_document;
pub mod import;
pub mod imported_password;
pub mod instant;
pub mod problem;
pub mod staff;
pub mod verification;
