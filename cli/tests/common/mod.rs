//! The harness the CLI process tests share: the project's fake service on 127.0.0.1,
//! a data folder and a library folder of their own, and the `seedance` binary run
//! against them. Each test file adds what only it needs (its key, stdin, how it reads
//! the output).
#![allow(dead_code)]

use seedance_fake::{FakeConfig, FakeService};
use serde_json::Value;
use std::process::Command;

pub struct Env {
    _runtime: tokio::runtime::Runtime,
    pub fake: FakeService,
    pub data: tempfile::TempDir,
    pub library: tempfile::TempDir,
}

/// A fake service running `time_scale` times its documented timings, and empty folders.
pub fn env(time_scale: f64) -> Env {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = runtime
        .block_on(FakeService::start(FakeConfig {
            time_scale,
            ..FakeConfig::default()
        }))
        .unwrap();
    Env {
        _runtime: runtime,
        fake,
        data: tempfile::tempdir().unwrap(),
        library: tempfile::tempdir().unwrap(),
    }
}

impl Env {
    /// `seedance ARGS` against this fake service and these folders, with `key` as the
    /// API key and never one from the environment the tests run in.
    pub fn seedance(&self, key: Option<&str>, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_seedance"));
        command
            .args(args)
            .env("SEEDANCE_API_BASE", self.fake.base_url())
            .env("SEEDANCE_DATA_DIR", self.data.path())
            .env("SEEDANCE_LIBRARY_DIR", self.library.path())
            .env_remove("SEEDANCE_API_KEY");
        if let Some(key) = key {
            command.env("SEEDANCE_API_KEY", key);
        }
        command
    }
}

/// Each line of `text` as JSON; a line that is not fails the test, naming it.
pub fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}
