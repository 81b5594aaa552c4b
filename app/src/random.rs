//! Unguessable tokens: form keys, request ids, and the tokens in result and
//! preview addresses.

/// 128 random bits as hex (not guessable from each other).
pub fn token() -> String {
    format!("{:032x}", rand::random::<u128>())
}
