//! Bearer secrets (station tokens, employee links, organisation viewer
//! passwords, pairing codes): generated from the operating system's random
//! source, shown once, and stored only as SHA-256 hashes.

use std::fmt;

use sha2::{Digest, Sha256};

/// Length of a generated token, in random bytes (written as twice as many hex digits).
pub const TOKEN_BYTES: usize = 32;

/// Alphabet of pairing codes: upper-case letters and digits without the easily
/// confused I, O, 0 and 1. Its 32 symbols make each character carry 5 bits.
const PAIRING_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Number of symbols in a pairing code (40 bits).
pub const PAIRING_CODE_LEN: usize = 8;

/// A secret value whose `Debug` output is redacted, so it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Returns the secret itself, for showing it once to its holder.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Returns the hex SHA-256 hash under which the secret is stored.
    pub fn hash(&self) -> String {
        hash_hex(self.0.as_bytes())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Failure of the operating system's random source.
#[derive(Debug, thiserror::Error)]
#[error("the operating system random source failed: {0}")]
pub struct RandomError(#[from] getrandom::Error);

/// Generates a token of [`TOKEN_BYTES`] random bytes as lower-case hex.
pub fn generate_token() -> Result<Secret, RandomError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(Secret(to_hex(&bytes)))
}

/// Generates a pairing code of [`PAIRING_CODE_LEN`] symbols from the pairing alphabet.
pub fn generate_pairing_code() -> Result<Secret, RandomError> {
    let mut bytes = [0u8; PAIRING_CODE_LEN];
    getrandom::fill(&mut bytes)?;
    let code = bytes
        .iter()
        .map(|byte| PAIRING_ALPHABET[usize::from(byte & 0x1f)] as char)
        .collect();
    Ok(Secret(code))
}

/// Normalises a pairing code typed by a person: drops spaces and hyphens and
/// upper-cases it. Returns `None` unless the result is a well-formed code.
pub fn normalize_pairing_code(typed: &str) -> Option<Secret> {
    let code: String = typed
        .chars()
        .filter(|character| !matches!(character, ' ' | '-'))
        .map(|character| character.to_ascii_uppercase())
        .collect();
    let well_formed =
        code.len() == PAIRING_CODE_LEN && code.bytes().all(|byte| PAIRING_ALPHABET.contains(&byte));
    well_formed.then_some(Secret(code))
}

/// Returns a pairing code grouped for reading aloud, such as `ABCD-EFGH`.
pub fn display_pairing_code(code: &Secret) -> String {
    let (first, second) = code.0.split_at(code.0.len() / 2);
    format!("{first}-{second}")
}

/// Returns the lower-case hex SHA-256 digest of `bytes`.
pub fn hash_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

fn to_hex(bytes: &[u8]) -> String {
    use fmt::Write;

    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let secret = Secret::new("correct horse");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
    }

    #[test]
    fn token_is_64_hex_digits_and_unique() {
        let first = generate_token().unwrap();
        let second = generate_token().unwrap();

        assert_eq!(first.expose().len(), 64);
        assert!(first.expose().bytes().all(|byte| byte.is_ascii_hexdigit()));
        assert_ne!(first, second);
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            hash_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn pairing_code_survives_typing_variations() {
        let code = generate_pairing_code().unwrap();
        let typed = display_pairing_code(&code).to_lowercase();

        assert_eq!(normalize_pairing_code(&typed), Some(code));
        assert_eq!(normalize_pairing_code("ABCD-EFG0"), None);
        assert_eq!(normalize_pairing_code("ABCD"), None);
    }
}
