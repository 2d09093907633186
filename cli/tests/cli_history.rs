//! `seedance prompts …` and `seedance spend` as a script uses them: the prompt library
//! round trip through a file, the search over past prompts, and the spend history of a
//! task really generated against the fake service.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{json_lines, Env};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn env() -> Env {
    common::env(0.002)
}

impl Env {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = self.seedance(Some("sk-cli-history"), args);
        command.env("TZ", "UTC");
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).stdin(Stdio::null()).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

#[test]
fn prompts_are_saved_listed_exported_and_imported_elsewhere() {
    let a = env();
    a.ok(&[
        "prompts",
        "save",
        "Noir",
        "--snippet",
        "--text",
        "black and white, hard light",
    ]);
    // The text can come from standard input (a long prompt from a file).
    let mut child = a
        .command(&["prompts", "save", "Harbour"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"A fishing harbour at dawn, mist\n")
        .unwrap();
    assert!(child.wait_with_output().unwrap().status.success());

    let listed = json_lines(&a.ok(&["--json", "prompts", "list"]));
    let names: Vec<&str> = listed.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Harbour", "Noir"]);
    assert_eq!(listed[0]["text"], "A fishing harbour at dawn, mist");
    assert_eq!(listed[1]["kind"], "snippet");
    let found = json_lines(&a.ok(&["--json", "prompts", "list", "HARD"]));
    assert_eq!(found.len(), 1);

    // Saving over a name is refused with exit 2 and the way out.
    let again = a.run(&["prompts", "save", "noir", "--text", "colour"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("or replace it"));

    let file = a.data.path().join("prompts export.json");
    let file = file.to_str().unwrap();
    a.ok(&["prompts", "export", file]);
    let b = env();
    b.ok(&["prompts", "save", "Noir", "--text", "my own noir"]);
    let imported = json_lines(&b.ok(&["--json", "prompts", "import", file]));
    assert_eq!(imported[0]["added"], 1);
    assert_eq!(imported[0]["kept_existing"][0], "Noir");
    let noir = json_lines(&b.ok(&["--json", "prompts", "list", "noir"]));
    assert_eq!(noir[0]["text"], "my own noir");

    let removed = b.run(&["prompts", "remove", "nothing here"]);
    assert_eq!(removed.status.code(), Some(2));
    b.ok(&["prompts", "remove", "NOIR"]);
}

#[test]
fn spend_shows_what_a_generation_reserved_and_settled() {
    let env = env();
    env.ok(&[
        "generate",
        "-p",
        "a red kite over the dunes",
        "--wait",
        "--poll-every",
        "0.1",
    ]);
    let report: Value = serde_json::from_str(env.ok(&["--json", "spend"]).trim()).unwrap();
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{report}");
    assert_eq!(rows[0]["tasks"], 1);
    let reserved = rows[0]["reserved"].as_f64().unwrap();
    assert!(reserved > 0.0, "{report}");
    assert_eq!(rows[0]["settled"].as_f64().unwrap(), reserved);
    assert_eq!(rows[0]["refunded"].as_f64().unwrap(), 0.0);

    let csv = env.ok(&["spend", "--csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "day,model,tasks,reserved,settled,refunded,held");
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].contains(",seedance-20,1,"), "{csv}");

    // A date in the future: nothing; a date that is not one: exit 2, nothing read.
    assert!(env
        .ok(&["spend", "--since", "2999-01-01"])
        .contains("Nothing was spent"));
    let bad = env.run(&["spend", "--since", "yesterday"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("YYYY-MM-DD"));

    // The past prompt is found by its words.
    let past = json_lines(&env.ok(&["--json", "prompts", "past", "kite"]));
    assert_eq!(past.len(), 1);
    assert_eq!(past[0]["prompt"], "a red kite over the dunes");
}
