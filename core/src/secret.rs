//! The API key as a value that cannot leak by accident: no `Display`, no `Serialize`,
//! a `Debug` that prints `<redacted>`, and one door out, used where the
//! `Authorization` header is built.

use std::fmt;

/// The creator's Seedance API key. Construct it from the keychain or the environment;
/// it is never written anywhere else.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

/// Why a string is not accepted as a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidKey {
    #[error("The API key is empty. Paste the key from your Seedance account page.")]
    Empty,
    #[error("The API key contains spaces or line breaks inside it. Copy it again from your account page.")]
    Whitespace,
    #[error("The API key is longer than {max} characters, which no Seedance key is. Check that only the key was pasted.")]
    TooLong { max: usize },
}

impl ApiKey {
    /// Keys longer than this are rejected: the Windows credential store caps secrets
    /// near 1280 characters and no real key comes close.
    pub const MAX_LEN: usize = 1024;

    /// Trims surrounding whitespace (a pasted key often carries a newline) and rejects
    /// what cannot be a key.
    pub fn new(raw: &str) -> Result<ApiKey, InvalidKey> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(InvalidKey::Empty);
        }
        if trimmed.chars().any(char::is_whitespace) {
            return Err(InvalidKey::Whitespace);
        }
        if trimmed.len() > Self::MAX_LEN {
            return Err(InvalidKey::TooLong { max: Self::MAX_LEN });
        }
        Ok(ApiKey(trimmed.to_owned()))
    }

    /// The `Authorization` header value. The only way to read the key.
    pub fn bearer_header_value(&self) -> String {
        format!("Bearer {}", self.0)
    }

    /// The last four characters, which the UI may show so a creator can tell keys apart.
    pub fn last_four(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    }

    /// For storing in the OS keychain, nowhere else.
    pub(crate) fn expose_for_keychain(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let key = ApiKey::new("sk-CANARY-1234567890").expect("valid");
        assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
        assert_eq!(format!("{:?}", Some(&key)), "Some(ApiKey(<redacted>))");
        assert_eq!(key.last_four(), "7890");
    }

    #[test]
    fn pasted_key_is_trimmed_and_bad_keys_are_refused() {
        assert_eq!(
            ApiKey::new("  abc\n").expect("valid").bearer_header_value(),
            "Bearer abc"
        );
        assert_eq!(ApiKey::new(" \n"), Err(InvalidKey::Empty));
        assert_eq!(ApiKey::new("ab c"), Err(InvalidKey::Whitespace));
        assert!(matches!(
            ApiKey::new(&"x".repeat(2000)),
            Err(InvalidKey::TooLong { .. })
        ));
    }
}
