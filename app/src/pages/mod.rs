//! One file per page: the holder's journey, public verification, and the
//! issuers' portal (admin/).
pub mod account;
pub mod admin;
pub mod certificate_info;
pub mod certificates;
pub mod download;
pub mod endorsement;
pub mod help;
pub mod login;
pub mod not_found;
pub mod platform_link;
pub mod refused;
pub mod register;
pub mod terms;
pub mod verify;
