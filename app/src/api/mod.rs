//! Server functions, one file per area. Each is thin: who is calling, the
//! domain rule, the store, and a client-safe `AppError`.

pub mod account_security;
pub mod accounts;
pub mod admin;
pub mod certificates;
pub mod endorsements;
pub mod platform;
pub mod terms;
pub mod verification;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What a form page shows after a failed submission made without
/// JavaScript (the WASM client gets the error directly instead).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FormFlash {
    pub error: AppError,
    /// Entered values to put back (never passwords).
    pub values: Vec<(String, String)>,
}

impl FormFlash {
    pub fn value(&self, name: &str) -> Option<String> {
        self.values.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }
}
