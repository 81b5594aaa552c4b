//! Password hashing with Argon2id (RustCrypto `argon2`), at the crate's
//! defaults: m = 19 MiB, t = 2, p = 1 — the OWASP minimum for Argon2id.
//! Hashing takes tens of milliseconds and 19 MiB, so the server runs it off
//! the async threads through [`hash_off_thread`] / [`verify_off_thread`], at
//! most one per core at a time: a flood of logins queues instead of taking
//! the machine's memory (see also the allocator setting in `server::main`).

use crate::domain::imported_password::{classify, Scheme};
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

/// True when `password` matches a hash an account import carried, in any
/// format [`classify`] accepts; a hash it refuses never matches.
pub fn verify_imported(password: &str, stored: &str) -> bool {
    use base64::{engine::general_purpose::STANDARD, engine::general_purpose::STANDARD_NO_PAD, Engine};
    use pbkdf2::password_hash::Output;

    let Ok(scheme) = classify(stored) else { return false };
    // The derived key, compared in constant time (password-hash's Output).
    let pbkdf2_matches = |salt: &[u8], iterations: u32, expected: &[u8]| {
        let mut derived = vec![0u8; expected.len()];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), salt, iterations, &mut derived);
        matches!((Output::new(&derived), Output::new(expected)), (Ok(a), Ok(b)) if a == b)
    };
    match scheme {
        Scheme::Bcrypt => bcrypt::verify(password, stored).unwrap_or(false),
        Scheme::Pbkdf2Phc => PasswordHash::new(stored)
            .map(|parsed| pbkdf2::Pbkdf2.verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false),
        Scheme::Pbkdf2Passlib => {
            // Passlib's base64: the standard alphabet with '.' for '+', unpadded.
            let mut fields = stored.trim_start_matches("$pbkdf2-sha256$").split('$');
            let (Some(rounds), Some(salt), Some(digest)) = (fields.next(), fields.next(), fields.next()) else {
                return false;
            };
            let ab64 = |s: &str| STANDARD_NO_PAD.decode(s.replace('.', "+"));
            match (rounds.parse(), ab64(salt), ab64(digest)) {
                (Ok(rounds), Ok(salt), Ok(digest)) => pbkdf2_matches(&salt, rounds, &digest),
                _ => false,
            }
        }
        Scheme::Pbkdf2Django => {
            // The salt is used as text; the key is standard base64.
            let mut fields = stored.trim_start_matches("pbkdf2_sha256$").split('$');
            let (Some(iterations), Some(salt), Some(digest)) = (fields.next(), fields.next(), fields.next()) else {
                return false;
            };
            match (iterations.parse(), STANDARD.decode(digest)) {
                (Ok(iterations), Ok(digest)) => pbkdf2_matches(salt.as_bytes(), iterations, &digest),
                _ => false,
            }
        }
        // The crate verifies with the hash's own variant and parameters.
        Scheme::Argon2 => verify(password, stored.strip_prefix("argon2").unwrap_or(stored)),
    }
}

/// Checks `password` against a holder's stored hash: ecert's own, or one an
/// account import carried (`imported`). A wrong password for an imported
/// hash cheaper than ours is not answered sooner than for ecert's own: the
/// answer waits until an Argon2 verification would have ended. (One costlier
/// than ours, such as a million PBKDF2 iterations, takes its own time:
/// docs/accounts.md.) An account made by a platform sign-in has no password
/// (an empty hash): the decoy is verified instead, for the same time.
pub async fn verify_holder_off_thread(
    password: String,
    stored: String,
    imported: bool,
) -> Result<bool, tokio::task::JoinError> {
    if stored.is_empty() {
        verify_off_thread(password, decoy_hash().to_string()).await?;
        return Ok(false);
    }
    if !imported {
        return verify_off_thread(password, stored).await;
    }
    let started = std::time::Instant::now();
    let matches = off_thread(move || verify_imported(&password, &stored)).await?;
    if !matches {
        tokio::time::sleep(own_verify_time().saturating_sub(started.elapsed())).await;
    }
    Ok(matches)
}

/// Makes the decoy and measures [`own_verify_time`] before the first
/// sign-in, off the async threads, so no request pays for either and the
/// measurement does not include making the decoy.
pub async fn warm_up() -> Result<(), tokio::task::JoinError> {
    off_thread(|| {
        decoy_hash();
        own_verify_time();
    })
    .await
}

/// How long verifying one of ecert's own hashes takes on this machine,
/// measured once (on the decoy).
fn own_verify_time() -> std::time::Duration {
    static TIME: std::sync::OnceLock<std::time::Duration> = std::sync::OnceLock::new();
    *TIME.get_or_init(|| {
        let started = std::time::Instant::now();
        verify("not the decoy's password", decoy_hash());
        started.elapsed()
    })
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

    #[test]
    fn hashes_from_other_platforms_verify() {
        use crate::domain::imported_password::vectors::*;
        for hash in [BCRYPT, PBKDF2_PASSLIB, PBKDF2_DJANGO, PBKDF2_PHC, ARGON2] {
            assert!(verify_imported(PASSWORD, hash), "{hash}");
            assert!(!verify_imported("Ecert@2027", hash), "{hash}");
            assert!(!verify_imported("", hash), "{hash}");
        }
        let bcrypt_2y = BCRYPT.replacen("$2b$", "$2y$", 1);
        assert!(verify_imported(PASSWORD, &bcrypt_2y), "PHP's $2y$ is the same algorithm");
        let django_argon2 = format!("argon2{ARGON2}");
        assert!(verify_imported(PASSWORD, &django_argon2));
        // A flipped character of the key or salt never matches.
        let flipped = PBKDF2_DJANGO.replacen("vQqx", "vQqy", 1);
        assert!(!verify_imported(PASSWORD, &flipped));
        // Below the floor: refused even when the password is right
        // (bcrypt's own test vector, cost 5).
        assert!(!verify_imported("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
    }
}
