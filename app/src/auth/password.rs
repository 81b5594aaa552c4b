//! Password hashing with Argon2id (RustCrypto `argon2`), at the crate's
//! defaults: m = 19 MiB, t = 2, p = 1 — the OWASP minimum for Argon2id.
//! Hashing takes tens of milliseconds and 19 MiB, so the server runs it off
//! the async threads through [`hash_off_thread`] / [`verify_off_thread`], at
//! most one per core at a time: a flood of logins queues instead of taking
//! the machine's memory (see also the allocator setting in `server::main`).

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};

pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters cannot fail on a password")
        .to_string()
}

/// True when `password` matches the stored PHC string. A malformed stored
/// hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// At most one hash per core at a time, whatever the number of requests.
fn permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get())))
}

async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, tokio::task::JoinError> {
    let permit = permits().acquire().await.expect("the semaphore is never closed");
    // The permit goes with the work: a request dropped mid-hash (a client
    // hanging up) does not free its slot before the hash is done.
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
}

pub async fn hash_off_thread(password: String) -> Result<String, tokio::task::JoinError> {
    off_thread(move || hash(&password)).await
}

pub async fn verify_off_thread(password: String, stored: String) -> Result<bool, tokio::task::JoinError> {
    off_thread(move || verify(&password, &stored)).await
}

/// A real hash to verify against when the username does not exist, so that
/// a wrong username takes as long as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password, never valid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash("Ecert@2026");
        let b = hash("Ecert@2026");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify("Ecert@2026", &a));
        assert!(!verify("ecert@2026", &a));
        assert!(!verify("Ecert@2026", "not a hash"));
        assert!(!verify("decoy password, never valid ", decoy_hash()));
    }
}
