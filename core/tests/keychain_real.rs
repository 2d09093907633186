//! The key really goes through the OS keychain (the Secret Service on Linux), not the
//! keyring crate's silent in-memory fallback: stored by one `SystemKeychain`, read back
//! by a fresh one, deleted, gone.
//!
//! Needs a keychain service. `scripts/with-keychain.sh` provides a private one and the
//! test script sets `SEEDANCE_KEYCHAIN_TEST=required`, which turns "no keychain here" into
//! a failure instead of a skip.

#![allow(clippy::unwrap_used, clippy::expect_used)]

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

/// Set in the child process of the locked-keychain test.
const LOCKED_CHILD: &str = "SEEDANCE_LOCKED_KEYCHAIN_CHILD";

/// A locked collection on a desktop opens an unlock prompt, and the keychain call blocks
/// until someone answers it. Every call must still return within its timeout, saying the
/// keychain is not answering, and a second call must not open a second prompt.
///
/// Runs itself again as a child inside its own Xvfb display and private keyring session
/// (the prompt needs a display; locking the shared test keyring would break the other
/// tests), with the D-Bus activation environment given the display so the prompter opens.
#[test]
fn a_locked_keychain_with_an_unanswered_prompt_answers_within_the_timeout() {
    if std::env::var_os(LOCKED_CHILD).is_some() {
        locked_keychain_child();
        return;
    }
    let tools = [
        "xvfb-run",
        "dbus-run-session",
        "gnome-keyring-daemon",
        "gdbus",
    ];
    if let Some(missing) = tools.iter().find(|t| !on_path(t)) {
        assert!(
            !required(),
            "{missing} is needed for the locked-keychain test"
        );
        eprintln!("{missing} not found; skipping the locked-keychain test");
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/with-keychain.sh");
    let mut child = std::process::Command::new("xvfb-run")
        .args(["-a", "bash", script])
        .arg(std::env::current_exe().expect("test binary path"))
        .args([
            "--exact",
            "a_locked_keychain_with_an_unanswered_prompt_answers_within_the_timeout",
            "--nocapture",
        ])
        .env(LOCKED_CHILD, "1")
        // A fresh bus and keyring, not the session this test may already run in.
        .env_remove("SEEDANCE_IN_KEYCHAIN_SESSION")
        .spawn()
        .expect("start the child under xvfb-run");
    // Without the timeout the child blocks forever on the prompt: fail, do not hang.
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(90) {
            let _ = child.kill();
            panic!("a keychain call on a locked collection was still blocked after 90 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(
        status.success(),
        "the locked-keychain child failed: {status}"
    );
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false)
}

fn gdbus(args: &[&str]) -> String {
    let output = std::process::Command::new("gdbus")
        .args(["call", "--session", "--dest", "org.freedesktop.secrets"])
        .args(args)
        .output()
        .expect("run gdbus");
    assert!(
        output.status.success(),
        "gdbus {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn locked_keychain_child() {
    let updated = std::process::Command::new("dbus-update-activation-environment")
        .args(["DISPLAY", "XAUTHORITY"])
        .status()
        .expect("run dbus-update-activation-environment");
    assert!(updated.success());

    let timeout = std::time::Duration::from_secs(1);
    let keychain =
        SystemKeychain::with_names("com.seedance-studio.tests", "locked").with_timeout(timeout);
    let key = ApiKey::new("sk-CANARY-locked-keychain-0002").expect("valid key");
    keychain.store(&key).expect("store while unlocked");

    let alias = gdbus(&[
        "--object-path",
        "/org/freedesktop/secrets",
        "--method",
        "org.freedesktop.Secret.Service.ReadAlias",
        "default",
    ]);
    let collection = alias
        .split('\'')
        .find(|part| part.starts_with("/org/freedesktop/secrets/collection/"))
        .unwrap_or_else(|| panic!("no default collection in {alias}"))
        .to_owned();
    gdbus(&[
        "--object-path",
        "/org/freedesktop/secrets",
        "--method",
        "org.freedesktop.Secret.Service.Lock",
        &format!("['{collection}']"),
    ]);
    let locked = gdbus(&[
        "--object-path",
        &collection,
        "--method",
        "org.freedesktop.DBus.Properties.Get",
        "org.freedesktop.Secret.Collection",
        "Locked",
    ]);
    assert!(
        locked.contains("true"),
        "the collection did not lock: {locked}"
    );

    // The first read opens the unlock prompt and waits on it; the second queues behind it.
    for call in ["load", "load again", "store"] {
        let started = std::time::Instant::now();
        let result = match call {
            "store" => keychain.store(&key).map(|()| None),
            _ => keychain.load(),
        };
        let took = started.elapsed();
        assert!(
            matches!(result, Err(KeychainError::NotAnswering(1))),
            "{call}: wanted NotAnswering, got {result:?}"
        );
        assert!(
            took < timeout * 3,
            "{call}: returned after {took:?}, the timeout is {timeout:?}"
        );
        let message = result.unwrap_err().to_string();
        assert!(message.contains("unlock prompt"), "{message}");
    }
}
