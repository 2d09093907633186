//! The webview's security configuration, read from `src-tauri/tauri.conf.json` and
//! `src-tauri/capabilities/*.json` (checklist 33, 34, 37; design "Security
//! configuration"; Tauri 2 security guidance on CSP, capabilities and the asset scope).
//!
//! Fails on: no CSP, a CSP without `default-src 'self'`, `unsafe-eval`/`unsafe-inline` in
//! `script-src`, a remote origin in `connect-src`, `withGlobalTauri: true`, any `fs:`,
//! `shell:`, `http:`, `opener:` permission or any `…-all` / `allow-*-all` grant, a
//! `$HOME/**` path, a static asset-protocol scope (it is set at run time to the library
//! folder only), a `remote` block or a remote URL in a capability — and on any permission
//! not in the approved list below, so a new one fails until it is reviewed here. The
//! capability must grant exactly the commands of the shell's one list
//! (`src/commands/list.rs`), so a command added there fails here until it is granted and
//! reviewed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use seedance_studio_lib::commands::COMMAND_NAMES;
use serde_json::Value;

/// Reviewed permissions of the app's windows. Adding one means: read what it grants,
/// check it cannot reach files, processes or the network, then add it here. Kept by hand
/// on purpose: it is a record of review, checked against the command list below.
const APPROVED: &[&str] = &[
    "core:event:allow-listen",
    "core:event:allow-unlisten",
    "allow-key-status",
    "allow-key-set",
    "allow-key-set-session-only",
    "allow-key-clear",
    "allow-key-test",
    "allow-key-use-demo",
    "allow-settings-get",
    "allow-settings-set",
    "allow-settings-pick-library-dir",
    "allow-catalog",
    "allow-compose-check",
    "allow-tasks-submit",
    "allow-tasks-in-flight",
    "allow-engine-status",
    "allow-task-get",
    "allow-tasks-retry",
    "allow-tasks-cancel",
    "allow-tasks-download-again",
    "allow-tasks-resolve-unknown",
    "allow-tasks-retarget",
    "allow-tasks-dismiss",
    "allow-tasks-check-again",
    "allow-references-add-paths",
    "allow-references-pick",
    "allow-gallery-list",
    "allow-gallery-reveal",
    "allow-gallery-save-as",
    "allow-gallery-open-url",
    "allow-gallery-delete",
    "allow-gallery-remix",
    "allow-gallery-continue",
    // The prompt library and spend history: the ledger's own tables, files only through
    // the native dialogs.
    "allow-prompts-list",
    "allow-prompts-save",
    "allow-prompts-delete",
    "allow-prompts-past",
    "allow-prompts-export",
    "allow-prompts-import",
    "allow-spend-history",
    "allow-spend-export-csv",
    "allow-app-close",
    "allow-app-keep-open",
    // Sequences: the ledger's own tables, generation through the engine (cap checked
    // there), films into the library, exports only into a folder the native dialog gave.
    "allow-sequences-list",
    "allow-sequence-get",
    "allow-sequences-create",
    "allow-sequences-rename",
    "allow-sequences-delete",
    "allow-sequences-add-shot",
    "allow-sequences-edit-shot",
    "allow-sequences-remove-shot",
    "allow-sequences-move-shot",
    "allow-sequences-choose-take",
    "allow-sequences-quote",
    "allow-sequences-generate",
    "allow-sequences-generate-stop",
    "allow-sequences-stitch",
    "allow-sequences-stitch-cancel",
    "allow-sequences-export",
    "allow-support-packet",
    "allow-tasks-submit-takes",
    "allow-task-set-verdict",
    "allow-task-takes",
    "allow-task-request",
    "allow-support-packet-save",
    // Extend and Edit: sent through the engine (cap checked there) only up to the price
    // the creator confirmed; the joined clip goes into the library; the system player
    // opens only a task's own library files.
    "allow-extend-quote",
    "allow-extend-submit",
    "allow-extend-join",
    "allow-open-in-player",
    "allow-account-add-credits",
    "allow-demo-switch",
    "allow-demo-balance",
    "allow-extend-made-from",
];

fn tauri_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn config() -> Value {
    read_json(&tauri_dir().join("tauri.conf.json"))
}

fn capabilities() -> Vec<(PathBuf, Value)> {
    let dir = tauri_dir().join("capabilities");
    let mut out: Vec<(PathBuf, Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let v = read_json(&p);
            (p, v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!out.is_empty(), "no capability files in {}", dir.display());
    out
}

/// The CSP as directive → sources, from either form Tauri accepts (a string or a map).
fn csp_directives(csp: &Value) -> Vec<(String, Vec<String>)> {
    match csp {
        Value::String(text) => text
            .split(';')
            .filter_map(|d| {
                let mut words = d.split_whitespace();
                let name = words.next()?.to_ascii_lowercase();
                Some((name, words.map(str::to_owned).collect()))
            })
            .collect(),
        Value::Object(map) => map
            .iter()
            .map(|(name, sources)| {
                let sources = match sources {
                    Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
                    Value::Array(items) => items
                        .iter()
                        .filter_map(Value::as_str)
                        .flat_map(str::split_whitespace)
                        .map(str::to_owned)
                        .collect(),
                    other => panic!("CSP directive {name} is {other}"),
                };
                (name.to_ascii_lowercase(), sources)
            })
            .collect(),
        other => panic!("the CSP must be set (a string or a map), found {other}"),
    }
}

#[test]
fn the_csp_allows_only_the_app_itself() {
    let config = config();
    let csp = &config["app"]["security"]["csp"];
    let directives = csp_directives(csp);
    let get = |name: &str| {
        directives
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
    };

    let default = get("default-src").expect("no default-src");
    assert_eq!(
        default,
        vec!["'self'".to_owned()],
        "default-src must be 'self' alone"
    );
    // script-src falls back to default-src when absent; either way no eval or inline.
    let script = get("script-src").unwrap_or(default);
    for bad in [
        "'unsafe-eval'",
        "'unsafe-inline'",
        "'wasm-unsafe-eval'",
        "*",
        "data:",
        "blob:",
    ] {
        assert!(
            !script.iter().any(|s| s.eq_ignore_ascii_case(bad)),
            "script-src allows {bad}"
        );
    }
    assert!(
        !script.iter().any(|s| s.starts_with("http")),
        "script-src allows a remote origin"
    );
    // The webview never calls the service itself (Rust does): IPC, plus the scoped asset
    // protocol (local library files, e.g. for blob thumbnails); no network origin.
    let connect = get("connect-src").expect("no connect-src (it would fall back to default-src)");
    for source in &connect {
        let local = matches!(
            source.as_str(),
            "ipc:" | "http://ipc.localhost" | "'self'" | "asset:" | "http://asset.localhost"
        );
        assert!(local, "connect-src allows {source}");
    }
    // Images: the app, the library (asset protocol), the gallery's thumbnails by task id
    // (thumb: scheme, src-tauri/src/thumbnails.rs) and inline data; nothing remote.
    let img = get("img-src").expect("no img-src (it would fall back to default-src)");
    for source in &img {
        let local = matches!(
            source.as_str(),
            "'self'"
                | "asset:"
                | "http://asset.localhost"
                | "thumb:"
                | "http://thumb.localhost"
                | "data:"
        );
        assert!(local, "img-src allows {source}");
    }
    assert_eq!(get("object-src"), Some(vec!["'none'".to_owned()]));
    for (name, sources) in &directives {
        for source in sources.iter().filter(|s| s.starts_with("http://")) {
            // Windows serves custom schemes as http://<scheme>.localhost; nothing else.
            assert!(
                source.ends_with(".localhost") && !source[7..].contains(['/', ':', '*']),
                "{name} allows the plain-http origin {source}"
            );
        }
        for source in sources {
            assert!(
                !source.starts_with("https://")
                    && source != "*"
                    && source != "http:"
                    && source != "https:",
                "{name} allows the remote source {source}"
            );
        }
    }
    // A dev server must not be the production frontend.
    let dist = config["build"]["frontendDist"].as_str().unwrap_or_default();
    assert!(!dist.starts_with("http"), "frontendDist is remote: {dist}");
}

#[test]
fn no_global_tauri_and_no_static_asset_scope() {
    let config = config();
    let app = &config["app"];
    assert_ne!(
        app["withGlobalTauri"],
        Value::Bool(true),
        "withGlobalTauri exposes IPC to any script"
    );
    let asset = &app["security"]["assetProtocol"];
    if asset["enable"] == Value::Bool(true) {
        let scope = &asset["scope"];
        let empty = match scope {
            Value::Null => true,
            Value::Array(items) => items.is_empty(),
            Value::Object(map) => map
                .get("allow")
                .is_none_or(|a| a.as_array().is_some_and(Vec::is_empty)),
            _ => false,
        };
        assert!(
            empty,
            "the asset scope must be granted at run time (library folder only), not {scope}"
        );
    }
    assert!(
        app["security"]
            .get("dangerousDisableAssetCspModification")
            .is_none_or(|v| v == &Value::Bool(false)),
        "the asset CSP modification is disabled"
    );
    // The capabilities named in the config exist as files.
    let files: BTreeSet<String> = capabilities()
        .iter()
        .map(|(_, c)| c["identifier"].as_str().unwrap().to_owned())
        .collect();
    for name in app["security"]["capabilities"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let name = name.as_str().expect("capability references are names");
        assert!(files.contains(name), "capability {name} has no file");
    }
}

/// Every permission string granted anywhere, including scoped `{ "identifier": … }`
/// entries.
fn granted() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, capability) in capabilities() {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for permission in capability["permissions"]
            .as_array()
            .expect("permissions list")
        {
            let id = match permission {
                Value::String(s) => s.clone(),
                Value::Object(o) => o["identifier"]
                    .as_str()
                    .expect("scoped identifier")
                    .to_owned(),
                other => panic!("{file}: permission {other}"),
            };
            out.push((file.clone(), id));
        }
    }
    out
}

#[test]
fn capabilities_grant_nothing_dangerous_and_nothing_remote() {
    for (path, capability) in capabilities() {
        let file = path.display();
        assert!(
            capability.get("remote").is_none(),
            "{file}: a remote origin may invoke commands"
        );
        let text = capability.to_string();
        for bad in ["http://", "https://", "$HOME", "**"] {
            assert!(!text.contains(bad), "{file} mentions {bad}");
        }
        let windows = capability["windows"].as_array().expect("windows list");
        assert!(
            windows.iter().all(|w| w.as_str() != Some("*")),
            "{file} applies to every window"
        );
    }
    for (file, id) in granted() {
        for prefix in ["fs:", "shell:", "http:", "opener:", "process:", "updater:"] {
            assert!(!id.starts_with(prefix), "{file}: {id}");
        }
        assert!(
            !id.ends_with("-all") && !id.contains(":allow-all"),
            "{file}: {id} grants everything"
        );
        assert!(
            !id.contains("default") || id.starts_with("core:event"),
            "{file}: {id} grants a plugin's whole default set"
        );
    }
}

#[test]
fn the_granted_permissions_are_exactly_the_approved_list() {
    let granted: BTreeSet<String> = granted().into_iter().map(|(_, id)| id).collect();
    let approved: BTreeSet<String> = APPROVED.iter().map(|s| (*s).to_owned()).collect();
    let added: Vec<_> = granted.difference(&approved).collect();
    let removed: Vec<_> = approved.difference(&granted).collect();
    assert!(
        added.is_empty() && removed.is_empty(),
        "permissions changed; review and update APPROVED.\n new: {added:?}\n gone: {removed:?}"
    );
}

/// The permission Tauri generates for an app command (`build.rs`).
fn permission_of(command: &str) -> String {
    format!("allow-{}", command.replace('_', "-"))
}

#[test]
fn the_window_is_granted_exactly_the_listed_commands_each_reviewed() {
    let commands: BTreeSet<String> = COMMAND_NAMES.iter().map(|c| permission_of(c)).collect();
    assert_eq!(
        commands.len(),
        COMMAND_NAMES.len(),
        "a command is listed twice"
    );
    // Plugin and core permissions carry a `:`; the app's own commands do not.
    let app_grants: BTreeSet<String> = granted()
        .into_iter()
        .map(|(_, id)| id)
        .filter(|id| !id.contains(':'))
        .collect();
    let ungranted: Vec<_> = commands.difference(&app_grants).collect();
    let unlisted: Vec<_> = app_grants.difference(&commands).collect();
    assert!(
        ungranted.is_empty() && unlisted.is_empty(),
        "capabilities/main-window.json must grant exactly the commands of src/commands/list.rs\n \
         listed but not granted: {ungranted:?}\n granted but not listed: {unlisted:?}"
    );
    let unreviewed: Vec<_> = commands
        .iter()
        .filter(|p| !APPROVED.contains(&p.as_str()))
        .collect();
    assert!(
        unreviewed.is_empty(),
        "commands not reviewed yet: {unreviewed:?}; read what each can reach, then add it to APPROVED"
    );
}

/// Checklist 26: the key is write-only from the webview; no command can read it back.
#[test]
fn no_command_returns_the_key() {
    let dir = tauri_dir().join("permissions/autogenerated");
    let mut commands = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines().filter(|l| l.starts_with("commands.allow")) {
            commands.push(line.to_owned());
        }
    }
    assert!(
        !commands.is_empty(),
        "no command permissions under {}",
        dir.display()
    );
    for command in &commands {
        let lower = command.to_ascii_lowercase();
        assert!(
            !(lower.contains("get_api_key")
                || lower.contains("key_get")
                || lower.contains("reveal_key")
                || lower.contains("key_read")),
            "a command that may return the key: {command}"
        );
    }
    for name in COMMAND_NAMES {
        assert!(
            !(name.contains("get_api_key") || name.contains("key_get")),
            "src-tauri registers {name}"
        );
    }
}
