//! Promise 1 under the most verbose logging (checklist 25, 27, 29, 30): a canary key
//! `sk-CANARY-<random>` goes through the real `seedance` CLI with `SEEDANCE_LOG=trace` —
//! a generation with an uploaded reference, a failing generation, a 401, a 500 burst, a
//! reset after createTask, `status`, `list` and `resume` — and must appear nowhere: not
//! in any process's stdout or stderr, not in the ledger's bytes, not in any file under
//! the data or library folders, not in anything the service sent back.
//!
//! The API traffic passes through a recording proxy on loopback, so the test sees the
//! bytes on the wire: every occurrence of the key is inside an `Authorization: Bearer`
//! header of a request to the API base, none in a URL or a body. Storage requests (the
//! signed PUT, result files) go straight to the fake, which counts any `Authorization`
//! header on them (`auth_header_leaks`, must be 0).
//!
//! The keychain half runs a child process with no reachable Secret Service: every call
//! returns `KeychainError::Unavailable` within 5 s and nothing is written to disk.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use seedance_fake::{Endpoint, FakeConfig, FakeService, Fault};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn canary() -> String {
    let n: u128 = rand::random();
    format!("sk-CANARY-{:032x}", n)
}

/// Bytes seen on the wire through the proxy, per direction.
#[derive(Default)]
struct Wire {
    to_service: Vec<u8>,
    from_service: Vec<u8>,
}

/// A loopback TCP proxy in front of the fake's API: records both directions.
async fn recording_proxy(target: std::net::SocketAddr) -> (u16, Arc<Mutex<Wire>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let wire = Arc::new(Mutex::new(Wire::default()));
    let recorded = wire.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let wire = recorded.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(target).await else {
                    return;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let up_wire = wire.clone();
                let up = async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = client_read.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        up_wire
                            .lock()
                            .unwrap()
                            .to_service
                            .extend_from_slice(&buf[..n]);
                        if server_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = server_write.shutdown().await;
                };
                let down = async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = server_read.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        wire.lock()
                            .unwrap()
                            .from_service
                            .extend_from_slice(&buf[..n]);
                        if client_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = client_write.shutdown().await;
                };
                tokio::join!(up, down);
            });
        }
    });
    (port, wire)
}

struct Run {
    label: String,
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

struct Cli {
    base: String,
    data: PathBuf,
    library: PathBuf,
    key: String,
}

impl Cli {
    async fn run(&self, label: &str, args: &[&str]) -> Run {
        let output = tokio::time::timeout(
            Duration::from_secs(60),
            tokio::process::Command::new(env!("CARGO_BIN_EXE_seedance"))
                .env("SEEDANCE_API_BASE", &self.base)
                .env("SEEDANCE_DATA_DIR", &self.data)
                .env("SEEDANCE_LIBRARY_DIR", &self.library)
                .env("SEEDANCE_API_KEY", &self.key)
                .env("SEEDANCE_LOG", "trace")
                .env("RUST_BACKTRACE", "1")
                .args(args)
                .stdin(Stdio::null())
                .kill_on_drop(true)
                .output(),
        )
        .await
        .unwrap_or_else(|_| panic!("`seedance {label}` did not finish in 60 s"))
        .unwrap();
        Run {
            label: label.to_owned(),
            code: output.status.code(),
            stdout: output.stdout,
            stderr: output.stderr,
        }
    }
}

fn occurrences(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_canary_key_appears_only_in_authorization_headers_to_the_api() {
    let key = canary();
    let fake = FakeService::start(FakeConfig {
        time_scale: 0.003,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let (port, wire) = recording_proxy(fake.addr()).await;
    let dir = tempfile::tempdir().unwrap();
    let cli = Cli {
        base: format!("http://127.0.0.1:{port}/api/v1"),
        data: dir.path().join("data"),
        library: dir.path().join("library"),
        key: key.clone(),
    };
    let image =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/media/image.png");
    let image = image.to_str().unwrap();
    let follow = ["--wait", "--json", "--poll-every", "0.05"];
    let mut runs = Vec::new();

    let mut args = vec![
        "generate",
        "-p",
        "canary: a success with an upload",
        "--image",
        image,
    ];
    args.extend(follow);
    let success = cli.run("generate (success)", &args).await;
    assert_eq!(
        success.code,
        Some(0),
        "{}",
        String::from_utf8_lossy(&success.stderr)
    );
    runs.push(success);

    let mut args = vec!["generate", "-p", "canary: fails [fake:fail=transient]"];
    args.extend(follow);
    let failed = cli.run("generate (task fails)", &args).await;
    assert_eq!(
        failed.code,
        Some(1),
        "{}",
        String::from_utf8_lossy(&failed.stderr)
    );
    runs.push(failed);

    fake.push_fault(Endpoint::CreateTask, Fault::internal_error(), 3);
    let mut args = vec!["generate", "-p", "canary: three 500s"];
    args.extend(follow);
    let server_error = cli.run("generate (500 ×3)", &args).await;
    assert_eq!(
        server_error.code,
        Some(3),
        "{}",
        String::from_utf8_lossy(&server_error.stderr)
    );
    runs.push(server_error);

    fake.push_fault(Endpoint::CreateTask, Fault::ResetAfterAct, 1);
    let mut args = vec!["generate", "-p", "canary: reset after createTask"];
    args.extend(follow);
    let reset = cli.run("generate (reset)", &args).await;
    assert_eq!(
        reset.code,
        Some(4),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    runs.push(reset);

    fake.push_fault(Endpoint::RecordInfo, Fault::internal_error(), 2);
    runs.push(cli.run("status 1", &["status", "1", "--json"]).await);
    runs.push(cli.run("list", &["list", "--json"]).await);
    runs.push(
        cli.run("resume", &["resume", "--json", "--poll-every", "0.05"])
            .await,
    );

    // The account's key changes on the service: the canary is now refused (401).
    fake.set_config(|c| c.required_key = Some("sk-another-key-0000".into()));
    let mut args = vec!["generate", "-p", "canary: rejected key"];
    args.extend(follow);
    let unauthorized = cli.run("generate (401)", &args).await;
    assert_eq!(
        unauthorized.code,
        Some(5),
        "{}",
        String::from_utf8_lossy(&unauthorized.stderr)
    );
    runs.push(unauthorized);

    // Trace logging really was on (so silence about the key means something).
    let all_stderr: usize = runs.iter().map(|r| r.stderr.len()).sum();
    assert!(
        runs.iter()
            .any(|r| String::from_utf8_lossy(&r.stderr).contains("TRACE")),
        "no TRACE lines in {all_stderr} bytes of stderr"
    );

    // 1. No process printed it.
    for run in &runs {
        for (stream, bytes) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            assert!(
                occurrences(bytes, key.as_bytes()).is_empty(),
                "`seedance {}` printed the key on {stream}",
                run.label
            );
        }
    }
    // 2. No file holds it: the ledger (and its WAL), the library, anything else.
    let files: Vec<PathBuf> = files_under(&cli.data)
        .into_iter()
        .chain(files_under(&cli.library))
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("ledger.sqlite3")),
        "{files:?}"
    );
    assert!(
        files
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == "mp4")),
        "{files:?}"
    );
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        assert!(
            occurrences(&bytes, key.as_bytes()).is_empty(),
            "{} holds the key",
            file.display()
        );
    }
    // 3. Storage hosts never got it.
    let stats = fake.stats();
    assert_eq!(
        stats.auth_header_leaks, 0,
        "{:?}",
        stats.auth_header_leak_paths
    );
    assert!(
        stats.puts >= 1 && stats.static_gets >= 1,
        "upload and download happened"
    );
    // 4. On the wire: only ever as `Authorization: Bearer <key>`, and never echoed back.
    let wire = wire.lock().unwrap();
    let sent = occurrences(&wire.to_service, key.as_bytes());
    assert!(
        !sent.is_empty(),
        "the key never reached the API (proxy not in the path?)"
    );
    for at in &sent {
        let line_start = wire.to_service[..*at]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1);
        let prefix =
            String::from_utf8_lossy(&wire.to_service[line_start..*at]).to_ascii_lowercase();
        assert_eq!(
            prefix, "authorization: bearer ",
            "the key sent outside the header"
        );
        let end = at + key.len();
        assert_eq!(
            &wire.to_service[end..end + 2],
            b"\r\n",
            "the header holds more than the key"
        );
    }
    let requests = occurrences(&wire.to_service, b" HTTP/1.1\r\n").len();
    assert_eq!(
        sent.len(),
        requests,
        "an API request went out without the key, or with it twice"
    );
    assert!(occurrences(&wire.from_service, key.as_bytes()).is_empty());
}

/// The keychain side (checklist 29/30): with no Secret Service reachable, every call
/// answers `Unavailable` quickly and nothing is written anywhere.
#[test]
fn without_a_secret_service_the_keychain_says_unavailable_fast_and_writes_nothing() {
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let key = canary();
    let started = Instant::now();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "keychain_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SEEDANCE_CANARY_KEY", &key)
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/seedance-no-bus",
        )
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .current_dir(&home)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Poll the child (no sleep-to-pass: this only bounds a hang).
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().ok();
            panic!("the keychain child hung for 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 passed"),
        "the child test did not run:\n{stdout}"
    );
    assert!(!stdout.contains(&key) && !stderr.contains(&key));
    let written = files_under(scratch.path());
    assert!(written.is_empty(), "the keychain wrote {written:?}");
}

#[test]
#[ignore = "run by without_a_secret_service_… in a child process with no D-Bus"]
fn keychain_child() {
    use seedance_core::keychain::{KeyStore, KeychainError, SystemKeychain};
    use seedance_core::secret::ApiKey;
    let key = std::env::var("SEEDANCE_CANARY_KEY").expect("run by the parent test");
    let store = SystemKeychain::with_names("seedance-studio-canary-test", "canary");
    let started = Instant::now();
    let stored = store.store(&ApiKey::new(&key).unwrap());
    assert!(
        matches!(stored, Err(KeychainError::Unavailable(_))),
        "{stored:?}"
    );
    let loaded = store.load();
    assert!(
        matches!(loaded, Err(KeychainError::Unavailable(_))),
        "{loaded:?}"
    );
    let deleted = store.delete();
    assert!(
        matches!(deleted, Err(KeychainError::Unavailable(_))),
        "{deleted:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let message = stored.unwrap_err().to_string();
    assert!(message.contains("session only"), "{message}");
    assert!(!message.contains(&key));
}
