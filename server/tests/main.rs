//! The router tests, one test binary: each file below is a module, so the
//! whole server is compiled and linked once for all of them (one binary per
//! file made ten copies of ~800 MB each; CI ran out of disk).

mod support;

mod access;
mod access_log;
mod accounts;
mod admin;
mod certificates;
mod endorsements;
mod first_visit;
mod navigation;
mod platform_accounts;
mod platform_login;
mod fuzz;
mod health;
mod limits;
mod security;
mod sessions;
mod verification;
