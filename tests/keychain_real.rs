//! The key really goes through the OS keychain (the Secret Service on Linux), not the
//! keyring crate's silent in-memory fallback: stored by one `SystemKeychain`, read back
//! by a fresh one, deleted, gone.
//!
//! Needs a keychain service. `scripts/with-keychain.sh` provides a private one and the
//! test script sets `SEEDANCE_KEYCHAIN_TEST=required`, which turns "no keychain here" into
//! a failure instead of a skip.

use seedance_core::keychain::{KeyStore, KeychainError, SystemKeychain};
use seedance_core::secret::ApiKey;

fn required() -> bool {
    std::env::var("SEEDANCE_KEYCHAIN_TEST").as_deref() == Ok("required")
}

#[test]
fn stores_reads_and_deletes_through_the_os_keychain() {
    let account = format!("test-{}", std::process::id());
    let writer = SystemKeychain::with_names("com.seedance-studio.tests", &account);
    let key = ApiKey::new("sk-CANARY-keychain-round-trip-0001").expect("valid key");

    match writer.store(&key) {
        Ok(()) => {}
        Err(KeychainError::Unavailable(why)) if !required() => {
            eprintln!("no keychain service here ({why}); run through scripts/with-keychain.sh");
            return;
        }
        Err(other) => panic!("storing in the keychain failed: {other}"),
    }

    // A second handle shares nothing in memory with the first: only the OS store.
    let reader = SystemKeychain::with_names("com.seedance-studio.tests", &account);
    let loaded = reader.load().expect("read back");
    assert_eq!(
        loaded.as_ref().map(ApiKey::last_four),
        Some("0001".to_owned())
    );
    assert_eq!(loaded, Some(key));

    reader.delete().expect("delete");
    assert_eq!(writer.load().expect("read after delete"), None);
    reader
        .delete()
        .expect("deleting an absent key is not an error");
}
