//! How results reach the terminal: plain sentences for people, or with `--json` one JSON
//! object per result for scripts. Nothing printed here may contain the key.

use seedance_core::guidance::Guidance;
use seedance_core::ledger::TaskEntry;
use serde_json::{json, Value};

pub struct Printer {
    pub json: bool,
}

impl Printer {
    pub fn value(&self, value: &Value, text: impl FnOnce() -> String) {
        if self.json {
            println!("{value}");
        } else {
            println!("{}", text());
        }
    }

    /// A failure that is not a task's: a refused request, a key problem, a network error.
    pub fn problem(&self, category: &str, title: &str, explanation: &str, extra: Value) {
        if self.json {
            let mut object = json!({ "ok": false, "category": category, "title": title, "explanation": explanation });
            if let (Some(map), Value::Object(more)) = (object.as_object_mut(), extra) {
                map.extend(more);
            }
            println!("{object}");
        } else {
            eprintln!("{title}\n{explanation}");
            if let Value::Object(more) = &extra {
                if let Some(Value::Array(problems)) = more.get("problems") {
                    for problem in problems {
                        if let Some(message) = problem.get("message").and_then(Value::as_str) {
                            eprintln!("  - {message}");
                        }
                    }
                }
            }
        }
    }

    pub fn task(&self, entry: &TaskEntry) {
        let guidance: Option<Guidance> = entry
            .failure
            .as_ref()
            .and_then(|value| serde_json::from_value(value.clone()).ok());
        if self.json {
            println!("{}", task_json(entry, guidance.as_ref()));
            return;
        }
        let mut line = format!("task {} · {}", entry.id, entry.state);
        if let Some(remote) = &entry.remote_task_id {
            line.push_str(&format!(" · {remote}"));
        }
        println!("{line}");
        if let Some(path) = &entry.video_path {
            println!("  video: {}", path.display());
        } else if let Some(output) = &entry.output {
            println!("  video: {}", output.url);
        }
        if let Some(credits) = credits_line(entry) {
            println!("  credits: {credits}");
        }
        if let Some(mismatch) = entry.output_check.as_ref().and_then(|c| c.summary()) {
            println!("  result check: {mismatch}");
        }
        if let Some(path) = &entry.last_frame_path {
            println!("  last frame: {}", path.display());
        }
        if let Some(source) = entry.source_task {
            println!("  made from task {source}");
        }
        if let Some(path) = &entry.joined_path {
            println!("  joined clip: {}", path.display());
        }
        if let Some(guidance) = guidance {
            println!("  {}: {}", guidance.title, guidance.explanation);
            if let Some(detail) = guidance.detail {
                println!("  the service said: {detail}");
            }
        }
    }
}

pub fn task_json(entry: &TaskEntry, guidance: Option<&Guidance>) -> Value {
    json!({
        "ok": !matches!(entry.state.as_str(), "failed" | "submission_unknown" | "not_found" | "cancelled"),
        "id": entry.id,
        "task_id": entry.remote_task_id,
        "state": entry.state,
        "retry_of": entry.retry_of,
        "model": entry.request.model.wire_id(),
        "estimate_credits": entry.estimate_credits,
        "service_credits": entry.service_credits,
        "reserved_credits": entry.reserved_credits(),
        "settled_credits": entry.settled_credits,
        "settlement_pending": entry.settlement_pending(),
        "output_check": entry.output_check,
        "output_mismatch": entry.output_check.as_ref().and_then(|c| c.summary()),
        "last_frame_path": entry.last_frame_path,
        "source_task": entry.source_task,
        "joined_path": entry.joined_path,
        "video_url": entry.output.as_ref().map(|o| o.url.clone()),
        "video_path": entry.video_path,
        "poster_path": entry.poster_path,
        "category": guidance.map(|g| g.category.as_str()),
        "guidance": guidance,
    })
}

/// "reserved 175, settled 525", "reserved 175, settles after success (not read yet)",
/// or the reservation alone when it is final.
fn credits_line(entry: &TaskEntry) -> Option<String> {
    let reserved = entry.reserved_credits()?;
    let reserved = format!("reserved {}", number(reserved));
    Some(match entry.settled_credits {
        Some(settled) => format!("{reserved}, settled {}", number(settled)),
        None if entry.settlement_pending() => {
            format!("{reserved}, settles after success (not read yet)")
        }
        None => reserved,
    })
}

fn number(credits: f64) -> String {
    let text = format!("{credits:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}
