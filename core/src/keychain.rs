//! Where the API key lives: the OS keychain (macOS Keychain, Windows Credential
//! Manager, the Secret Service on Linux) through `keyring`, behind a small trait so tests
//! and a "this session only" mode can use memory instead.
//!
//! Owns storing, reading and deleting the key. Never writes it to a file, a log or an
//! error message; errors describe the keychain, not the key.

use crate::secret::ApiKey;
use std::sync::{mpsc, Mutex};
use std::time::Duration;

/// How long a keychain call may take before the caller is told the keychain is not
/// answering. A locked Secret Service collection opens an unlock prompt and the call
/// blocks until someone answers it; no window, command or script may wait for that.
pub const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Serialises calls into the OS keychain across every `SystemKeychain`: while one call
/// waits on an unlock prompt, later ones queue behind it (and time out) instead of
/// opening a second prompt.
static KEYCHAIN_CALLS: Mutex<()> = Mutex::new(());

/// Keychain service name. Debug and release builds use different entries so a
/// developer's test key never replaces a creator's real one.
pub fn service_name() -> &'static str {
    if cfg!(debug_assertions) {
        "com.seedance-studio.app.dev"
    } else {
        "com.seedance-studio.app"
    }
}

/// The account name under the service; one key per OS user.
pub const ACCOUNT: &str = "api-key";

/// Environment variable the CLI reads before the keychain (scripts, CI).
pub const KEY_ENV: &str = "SEEDANCE_API_KEY";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeychainError {
    /// No keychain service answered (on Linux: no Secret Service, e.g. no
    /// gnome-keyring or KWallet running).
    #[error("No system keychain is available on this computer ({0}). You can keep the key in memory for this session only, or start a keychain service (on Linux: gnome-keyring or KWallet) and try again.")]
    Unavailable(String),
    /// The keychain exists but is locked and nothing could unlock it.
    #[error("The system keychain is locked. Unlock it (log in again or open your keychain app) and try again.")]
    Locked,
    /// The keychain did not answer in time, most often because it is locked and waits
    /// for the creator to answer an unlock prompt.
    #[error("The system keychain did not answer within {0} s. It may be waiting for you to unlock it: look for an unlock prompt, then try again. You can also keep the key in memory for this session only.")]
    NotAnswering(u64),
    /// The stored entry is not a usable key (edited or corrupted outside the app).
    #[error("The key stored in the keychain is not usable: {0} Save the key again.")]
    Corrupt(String),
    #[error("The system keychain refused the request: {0}")]
    Other(String),
}

/// A place that can hold one API key.
pub trait KeyStore: Send + Sync {
    /// `Ok(None)` when no key is stored.
    fn load(&self) -> Result<Option<ApiKey>, KeychainError>;
    fn store(&self, key: &ApiKey) -> Result<(), KeychainError>;
    /// Deleting a key that is not there is not an error.
    fn delete(&self) -> Result<(), KeychainError>;
    /// A short name for messages: "system keychain", "this session only".
    fn describe(&self) -> &'static str;
}

/// The OS keychain. Every call returns within its timeout ([`KEYCHAIN_TIMEOUT`] unless
/// set): the platform call runs on its own thread, which is left to finish (or to wait
/// on a prompt) in the background when the caller stops waiting.
pub struct SystemKeychain {
    service: String,
    account: String,
    timeout: Duration,
}

impl SystemKeychain {
    pub fn new() -> SystemKeychain {
        SystemKeychain::with_names(service_name(), ACCOUNT)
    }

    /// Separate names, for tests that must not touch the real entry.
    pub fn with_names(service: &str, account: &str) -> SystemKeychain {
        SystemKeychain {
            service: service.to_owned(),
            account: account.to_owned(),
            timeout: KEYCHAIN_TIMEOUT,
        }
    }

    /// The same keychain with another bound on each call (tests).
    pub fn with_timeout(mut self, timeout: Duration) -> SystemKeychain {
        self.timeout = timeout;
        self
    }

    /// Runs `op` on the entry on a worker thread and waits at most `self.timeout`.
    fn call<T: Send + 'static>(
        &self,
        op: impl FnOnce(keyring::Entry) -> Result<T, KeychainError> + Send + 'static,
    ) -> Result<T, KeychainError> {
        let (service, account) = (self.service.clone(), self.account.clone());
        let (done, result) = mpsc::sync_channel(1);
        let spawned = std::thread::Builder::new()
            .name("keychain".into())
            .spawn(move || {
                let _one_at_a_time = KEYCHAIN_CALLS.lock().unwrap_or_else(|p| p.into_inner());
                let outcome = keyring::Entry::new(&service, &account)
                    .map_err(map_keyring_error)
                    .and_then(op);
                // The caller may have stopped waiting; then the result is dropped here.
                let _ = done.send(outcome);
            });
        if let Err(error) = spawned {
            return Err(KeychainError::Other(format!(
                "no thread could be started for the keychain ({error})."
            )));
        }
        match result.recv_timeout(self.timeout) {
            Ok(outcome) => outcome,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                Err(KeychainError::NotAnswering(self.timeout.as_secs().max(1)))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(KeychainError::Other(
                "the keychain call stopped without an answer.".to_owned(),
            )),
        }
    }
}

impl Default for SystemKeychain {
    fn default() -> Self {
        SystemKeychain::new()
    }
}

impl KeyStore for SystemKeychain {
    fn load(&self) -> Result<Option<ApiKey>, KeychainError> {
        self.call(|entry| match entry.get_password() {
            Ok(stored) => ApiKey::new(&stored)
                .map(Some)
                .map_err(|e| KeychainError::Corrupt(e.to_string())),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring_error(e)),
        })
    }

    fn store(&self, key: &ApiKey) -> Result<(), KeychainError> {
        let key = key.clone();
        self.call(move |entry| {
            entry
                .set_password(key.expose_for_keychain())
                .map_err(map_keyring_error)
        })
    }

    fn delete(&self) -> Result<(), KeychainError> {
        self.call(|entry| match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring_error(e)),
        })
    }

    fn describe(&self) -> &'static str {
        "system keychain"
    }
}

/// keyring's errors can carry platform text; none of it includes the secret, but we
/// keep only the variant's meaning to be sure nothing unexpected reaches the UI.
fn map_keyring_error(error: keyring::Error) -> KeychainError {
    match error {
        keyring::Error::NoStorageAccess(inner) => {
            let text = inner.to_string();
            if text.to_ascii_lowercase().contains("lock") {
                KeychainError::Locked
            } else {
                KeychainError::Unavailable(first_line(&text))
            }
        }
        keyring::Error::PlatformFailure(inner) => {
            KeychainError::Unavailable(first_line(&inner.to_string()))
        }
        keyring::Error::BadEncoding(_) => {
            KeychainError::Corrupt("it is not valid text.".to_owned())
        }
        keyring::Error::TooLong(what, max) => KeychainError::Other(format!(
            "the {what} is longer than the keychain allows ({max})."
        )),
        keyring::Error::Invalid(what, why) => KeychainError::Other(format!("{what}: {why}")),
        keyring::Error::Ambiguous(_) => KeychainError::Other(
            "more than one matching entry exists; remove the extra ones in your keychain app."
                .to_owned(),
        ),
        keyring::Error::NoEntry => KeychainError::Other("no entry".to_owned()),
        other => KeychainError::Other(first_line(&other.to_string())),
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect()
}

/// A key kept in memory only: for "this session only" when no keychain exists, and for
/// tests. Forgotten when the process ends.
#[derive(Default)]
pub struct SessionKeyStore {
    key: Mutex<Option<ApiKey>>,
}

impl SessionKeyStore {
    pub fn new() -> SessionKeyStore {
        SessionKeyStore::default()
    }
}

impl KeyStore for SessionKeyStore {
    fn load(&self) -> Result<Option<ApiKey>, KeychainError> {
        Ok(self.key.lock().map_err(|_| poisoned())?.clone())
    }

    fn store(&self, key: &ApiKey) -> Result<(), KeychainError> {
        *self.key.lock().map_err(|_| poisoned())? = Some(key.clone());
        Ok(())
    }

    fn delete(&self) -> Result<(), KeychainError> {
        *self.key.lock().map_err(|_| poisoned())? = None;
        Ok(())
    }

    fn describe(&self) -> &'static str {
        "this session only"
    }
}

fn poisoned() -> KeychainError {
    KeychainError::Other("the in-memory key store was poisoned by a crash in another thread".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_store_round_trips_and_deletes() {
        let store = SessionKeyStore::new();
        assert_eq!(store.load(), Ok(None));
        let key = ApiKey::new("sk-test-1234").expect("valid");
        store.store(&key).expect("store");
        assert_eq!(store.load(), Ok(Some(key)));
        store.delete().expect("delete");
        store.delete().expect("deleting twice is fine");
        assert_eq!(store.load(), Ok(None));
    }

    #[test]
    fn debug_and_release_use_different_entries() {
        assert!(service_name().starts_with("com.seedance-studio.app"));
    }
}
