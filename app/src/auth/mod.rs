//! Who is calling: passwords, the session, and the client's address.
pub mod client_addr;
pub mod password;
pub mod platform;
pub mod session;
pub mod throttle;
