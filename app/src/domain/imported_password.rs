//! The password hashes an account import may carry (docs/accounts.md): the
//! formats exam-registration platforms really store, each with a floor below
//! which a hash is too cheap to keep until its first sign-in, and a ceiling
//! above which verifying it would cost the server more than a sign-in may
//! (a hostile file must not make every login burn seconds or a gigabyte).
//! Plain parsing; `auth::password` verifies.

use serde::{Deserialize, Serialize};

/// Cheapest bcrypt cost kept (2^10 rounds: ~60 ms); PHP's default is 10.
pub const BCRYPT_MIN_COST: u32 = 10;
/// 2^14 rounds take about a second on one core.
pub const BCRYPT_MAX_COST: u32 = 14;
/// OWASP's 2017 floor; Django has stored at least this since 2.0.
pub const PBKDF2_MIN_ITERATIONS: u32 = 100_000;
/// Django 6.0 writes 1,200,000; twice that still verifies in under a second.
pub const PBKDF2_MAX_ITERATIONS: u32 = 2_400_000;
/// OWASP's weakest Argon2 setting, m = 7 MiB with t = 5: memory and passes
/// are kept at or above its product.
pub const ARGON2_MIN_MEMORY_KIB: u32 = 7 * 1024;
pub const ARGON2_MIN_MEMORY_TIMES_PASSES: u64 = 7 * 1024 * 5;
/// One sign-in may hold at most 64 MiB, ten passes, eight lanes.
pub const ARGON2_MAX_MEMORY_KIB: u32 = 64 * 1024;
pub const ARGON2_MAX_PASSES: u32 = 10;
pub const ARGON2_MAX_LANES: u32 = 8;
/// Longer than any format above ever is.
const MAX_LEN: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// `$2a$`, `$2b$`, `$2y$` + cost + 22 salt and 31 hash characters.
    Bcrypt,
    /// PHC as RustCrypto writes it: `$pbkdf2-sha256$i=…,l=32$salt$hash`.
    Pbkdf2Phc,
    /// Passlib's `$pbkdf2-sha256$<rounds>$<salt>$<hash>` (its own base64).
    Pbkdf2Passlib,
    /// Django's `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`.
    Pbkdf2Django,
    /// `$argon2id$v=19$m=…,t=…,p=…$salt$hash` (also argon2i / argon2d, and
    /// Django's `argon2$argon2id$…`).
    Argon2,
}

impl Scheme {
    /// How reports and docs name it.
    pub fn label(self) -> &'static str {
        match self {
            Scheme::Bcrypt => "bcrypt",
            Scheme::Pbkdf2Phc => "PBKDF2-SHA256 (PHC)",
            Scheme::Pbkdf2Passlib => "PBKDF2-SHA256 (passlib)",
            Scheme::Pbkdf2Django => "PBKDF2-SHA256 (Django)",
            Scheme::Argon2 => "Argon2 (PHC)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HashProblem {
    /// Not one of [`Scheme`]'s formats, or malformed (plaintext included).
    UnknownFormat,
    /// A known format whose cost is below its floor.
    TooWeak,
    /// A known format whose cost is above what a sign-in may spend.
    TooCostly,
}

/// Which format `hash` is in, and whether its cost is within bounds.
pub fn classify(hash: &str) -> Result<Scheme, HashProblem> {
    if hash.len() > MAX_LEN || !hash.is_ascii() {
        return Err(HashProblem::UnknownFormat);
    }
    let bounded = |cost: u64, floor: u64, ceiling: u64| match cost {
        c if c < floor => Err(HashProblem::TooWeak),
        c if c > ceiling => Err(HashProblem::TooCostly),
        _ => Ok(()),
    };
    if let Some(rest) = hash.strip_prefix("$2a$").or(hash.strip_prefix("$2b$")).or(hash.strip_prefix("$2y$")) {
        let (cost, body) = rest.split_once('$').ok_or(HashProblem::UnknownFormat)?;
        let cost = two_digits(cost).ok_or(HashProblem::UnknownFormat)?;
        if body.len() != 53 || !body.bytes().all(is_bcrypt_base64) {
            return Err(HashProblem::UnknownFormat);
        }
        bounded(cost.into(), BCRYPT_MIN_COST.into(), BCRYPT_MAX_COST.into())?;
        return Ok(Scheme::Bcrypt);
    }
    if let Some(rest) = hash.strip_prefix("$pbkdf2-sha256$") {
        let fields: Vec<&str> = rest.split('$').collect();
        let [params, salt, digest] = fields[..] else { return Err(HashProblem::UnknownFormat) };
        // A 32-byte key (43 base64 characters): a longer one would cost
        // one more derivation per 32 bytes.
        if salt.is_empty() || digest.len() != 43 {
            return Err(HashProblem::UnknownFormat);
        }
        let (scheme, iterations) = if params.bytes().all(|b| b.is_ascii_digit()) {
            (Scheme::Pbkdf2Passlib, params.parse::<u32>().ok())
        } else {
            // Exactly `i=N` or `i=N,l=32`: with a repeated `i=` the crate
            // would use another count than the one bounded here.
            let iterations = match params.split(',').collect::<Vec<_>>()[..] {
                [i] | [i, "l=32"] => i.strip_prefix("i=").and_then(|i| i.parse::<u32>().ok()),
                _ => None,
            };
            (Scheme::Pbkdf2Phc, iterations)
        };
        let iterations = iterations.ok_or(HashProblem::UnknownFormat)?;
        bounded(iterations.into(), PBKDF2_MIN_ITERATIONS.into(), PBKDF2_MAX_ITERATIONS.into())?;
        return Ok(scheme);
    }
    if let Some(rest) = hash.strip_prefix("pbkdf2_sha256$") {
        let fields: Vec<&str> = rest.split('$').collect();
        let [iterations, salt, digest] = fields[..] else { return Err(HashProblem::UnknownFormat) };
        let iterations: u32 = iterations.parse().map_err(|_| HashProblem::UnknownFormat)?;
        if salt.is_empty() || digest.len() != 44 {
            return Err(HashProblem::UnknownFormat);
        }
        bounded(iterations.into(), PBKDF2_MIN_ITERATIONS.into(), PBKDF2_MAX_ITERATIONS.into())?;
        return Ok(Scheme::Pbkdf2Django);
    }
    let argon2 = hash.strip_prefix("argon2").filter(|r| r.starts_with("$argon2")).unwrap_or(hash);
    if let Some(rest) =
        argon2.strip_prefix("$argon2id$").or(argon2.strip_prefix("$argon2i$")).or(argon2.strip_prefix("$argon2d$"))
    {
        let fields: Vec<&str> = rest.split('$').collect();
        let [version, params, salt, digest] = fields[..] else { return Err(HashProblem::UnknownFormat) };
        if !matches!(version, "v=19" | "v=16") || salt.is_empty() || digest.is_empty() {
            return Err(HashProblem::UnknownFormat);
        }
        let mut values = [None; 3];
        for param in params.split(',') {
            let (key, value) = param.split_once('=').ok_or(HashProblem::UnknownFormat)?;
            let slot = ["m", "t", "p"].iter().position(|k| *k == key).ok_or(HashProblem::UnknownFormat)?;
            values[slot] = Some(value.parse::<u32>().map_err(|_| HashProblem::UnknownFormat)?);
        }
        let [Some(m), Some(t), Some(p)] = values else { return Err(HashProblem::UnknownFormat) };
        if m < ARGON2_MIN_MEMORY_KIB || u64::from(m) * u64::from(t) < ARGON2_MIN_MEMORY_TIMES_PASSES {
            return Err(HashProblem::TooWeak);
        }
        if m > ARGON2_MAX_MEMORY_KIB || t > ARGON2_MAX_PASSES || p > ARGON2_MAX_LANES || p == 0 {
            return Err(HashProblem::TooCostly);
        }
        return Ok(Scheme::Argon2);
    }
    Err(HashProblem::UnknownFormat)
}

fn two_digits(s: &str) -> Option<u32> {
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

fn is_bcrypt_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'/'
}

/// Hashes of "Ecert@2026" made by the tools platforms use, not by us:
/// Python's bcrypt 4, passlib 1.7, Django 5.2 and argon2-cffi 23 (the PHC
/// PBKDF2 with hashlib), for the tests here and in `auth::password`. The
/// PBKDF2 ones at the floor, 100,000 iterations: debug tests run the
/// derivation unoptimised (the demo's are at 600,000 and 1,000,000).
#[cfg(test)]
pub mod vectors {
    pub const PASSWORD: &str = "Ecert@2026";
    pub const BCRYPT: &str = "$2b$10$hoCYjyPxMSR2Y1EGP/toDOmPzGpfECcq9C4wTlaOe1Gdb1uGBkMMG";
    pub const PBKDF2_PASSLIB: &str =
        "$pbkdf2-sha256$100000$DAHgfE9prTVGqDXm3Pvfew$i5yXf/R64IccSOs77IPp.Afhkud6GF2sGbuRELQbuME";
    pub const PBKDF2_DJANGO: &str =
        "pbkdf2_sha256$100000$rQVLZOTovYJwtrytjd1Jl4$vQqx8a8uhYsPmW0KxTm5xhLOAv0URyMxQBCe18N3Cwc=";
    pub const PBKDF2_PHC: &str =
        "$pbkdf2-sha256$i=100000,l=32$Di395+jc79jwgpM7wufNGw$isJomox9s4zb5H95xSwqBNrIFc1/+VlRE6+AMzmGaao";
    pub const ARGON2: &str = "$argon2id$v=19$m=65536,t=3,p=4$5z6/xtJxXluz9cliBo+ReA$29jf+53ynWLJhcVv7BD631w6jdDFzzfDesqiVUeb4DA";
}

#[cfg(test)]
mod tests {
    use super::*;

    const BCRYPT: &str = crate::domain::imported_password::vectors::BCRYPT;
    /// Any 32-byte key in PHC base64.
    const KEY: &str = "ElUk6b4GcYQv8EuoV9LZu0hjRXNMblSV6Ik7qDNk8ms";

    #[test]
    fn each_format_is_recognised() {
        assert_eq!(classify(BCRYPT), Ok(Scheme::Bcrypt));
        assert_eq!(classify(&BCRYPT.replacen("$2b$", "$2y$", 1)), Ok(Scheme::Bcrypt));
        assert_eq!(classify(&format!("$pbkdf2-sha256$i=600000,l=32$c2FsdHNhbHQ${KEY}")), Ok(Scheme::Pbkdf2Phc));
        assert_eq!(classify(&format!("$pbkdf2-sha256$i=600000$c2FsdHNhbHQ${KEY}")), Ok(Scheme::Pbkdf2Phc));
        assert_eq!(classify(&format!("$pbkdf2-sha256$600000$c2FsdA${KEY}")), Ok(Scheme::Pbkdf2Passlib));
        assert_eq!(
            classify("pbkdf2_sha256$870000$saltsaltsalt$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            Ok(Scheme::Pbkdf2Django)
        );
        assert_eq!(classify(vectors::PBKDF2_PASSLIB), Ok(Scheme::Pbkdf2Passlib));
        assert_eq!(classify(vectors::PBKDF2_DJANGO), Ok(Scheme::Pbkdf2Django));
        assert_eq!(classify(vectors::PBKDF2_PHC), Ok(Scheme::Pbkdf2Phc));
        assert_eq!(classify(vectors::ARGON2), Ok(Scheme::Argon2));
        assert_eq!(classify("argon2$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA"), Ok(Scheme::Argon2));
    }

    #[test]
    fn floors_and_ceilings() {
        assert_eq!(classify(&BCRYPT.replacen("$10$", "$09$", 1)), Err(HashProblem::TooWeak));
        assert_eq!(classify(&BCRYPT.replacen("$10$", "$15$", 1)), Err(HashProblem::TooCostly));
        assert_eq!(classify(&format!("$pbkdf2-sha256$i=99999,l=32$c2FsdA${KEY}")), Err(HashProblem::TooWeak));
        assert_eq!(classify(&format!("$pbkdf2-sha256$29000$c2FsdA${KEY}")), Err(HashProblem::TooWeak));
        assert_eq!(
            classify("pbkdf2_sha256$2400001$salt$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            Err(HashProblem::TooCostly)
        );
        assert_eq!(classify("$argon2id$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA"), Err(HashProblem::TooWeak));
        assert_eq!(classify("$argon2id$v=19$m=7168,t=4,p=1$c2FsdA$aGFzaA"), Err(HashProblem::TooWeak));
        assert_eq!(classify("$argon2id$v=19$m=7168,t=5,p=1$c2FsdA$aGFzaA"), Ok(Scheme::Argon2));
        assert_eq!(classify("$argon2id$v=19$m=1048576,t=3,p=1$c2FsdA$aGFzaA"), Err(HashProblem::TooCostly));
    }

    #[test]
    fn anything_else_is_unknown() {
        for bad in [
            "",
            "Ecert@2026",
            "5f4dcc3b5aa765d61d8327deb882cf99",
            "$1$saltsalt$hashhashhashhashhashha",
            "sha1$salt$hash",
            "$2b$1$hoCYjyPxMSR2Y1EGP/toDOmPzGpfECcq9C4wTlaOe1Gdb1uGBkMMG",
            "$2b$10$short",
            "$pbkdf2-sha256$i=600000,l=64$c2FsdA$aGFzaA",
            "$pbkdf2-sha512$i=600000$c2FsdA$aGFzaA",
            // A second `i=` (the crate would use it), a longer key (more work).
            "$pbkdf2-sha256$i=100000,i=4294967295,l=32$c2FsdA$ElUk6b4GcYQv8EuoV9LZu0hjRXNMblSV6Ik7qDNk8ms",
            "$pbkdf2-sha256$100000$c2FsdA$ElUk6b4GcYQv8EuoV9LZu0hjRXNMblSV6Ik7qDNk8msElUk6b4GcYQv8EuoV9LZu0hjRXNMblSV6Ik7qDNk8ms",
            "pbkdf2_sha256$abc$salt$AAAA",
            "$argon2id$v=19$m=65536,t=3$c2FsdA$aGFzaA",
            "$argon2id$v=18$m=65536,t=3,p=1$c2FsdA$aGFzaA",
            "$argon2id$v=19$m=65536,t=3,p=1,x=1$c2FsdA$aGFzaA",
            "bcrypt_sha256$$2b$12$hoCYjyPxMSR2Y1EGP/toDOmPzGpfECcq9C4wTlaOe1Gdb1uGBkMMG",
        ] {
            assert_eq!(classify(bad), Err(HashProblem::UnknownFormat), "{bad}");
        }
        assert_eq!(classify(&"$2b$10$".repeat(100)), Err(HashProblem::UnknownFormat));
    }
}
