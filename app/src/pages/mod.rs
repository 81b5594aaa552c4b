//! One file per page of the holder's journey.
pub mod certificate_info;
pub mod certificates;
pub mod download;
pub mod help;
pub mod login;
pub mod not_found;
pub mod register;
pub mod terms;
