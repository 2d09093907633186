//! `seedance prompts …` and `seedance spend`: the prompt library and the spend history,
//! read and written through the task history like the app's. Nothing here talks to the
//! service or spends credits.

use crate::args::PromptsAction;
use crate::output::Printer;
use crate::session::open_ledger;
use crate::{local_offset, Exit};
use seedance_core::ledger::{period_start, system_now_ms, LedgerError, PromptKind};
use serde_json::json;
use std::io::Read;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

fn refused(printer: &Printer, title: &str, error: &LedgerError) -> Exit {
    let (category, exit) = match error {
        LedgerError::Invalid(_) => ("invalid_request", Exit::Usage),
        _ => ("unknown", Exit::Service),
    };
    printer.problem(category, title, &error.to_string(), json!({}));
    exit
}

pub fn prompts(action: PromptsAction, printer: &Printer) -> Exit {
    let ledger = match open_ledger(printer) {
        Ok(ledger) => ledger,
        Err(exit) => return exit,
    };
    match action {
        PromptsAction::Save {
            name,
            text,
            snippet,
            replace,
        } => {
            let text = match text {
                Some(text) => text,
                None => {
                    let mut text = String::new();
                    if let Err(error) = std::io::stdin().read_to_string(&mut text) {
                        printer.problem(
                            "invalid_request",
                            "The text could not be read",
                            &format!("{error}. Pass it with --text, or pipe it in as UTF-8."),
                            json!({}),
                        );
                        return Exit::Usage;
                    }
                    text.trim_end_matches(['\n', '\r']).to_owned()
                }
            };
            let kind = if snippet {
                PromptKind::Snippet
            } else {
                PromptKind::Prompt
            };
            match ledger.save_prompt(&name, kind, &text, replace) {
                Ok(saved) => {
                    printer.value(&json!({"ok": true, "saved": saved}), || {
                        format!("Saved {} “{}”.", saved.kind.as_str(), saved.name)
                    });
                    Exit::Success
                }
                Err(error) => refused(printer, "Not saved", &error),
            }
        }
        PromptsAction::List { words } => match ledger.saved_prompts(&words.join(" ")) {
            Ok(list) => {
                for entry in &list {
                    printer.value(&json!(entry), || {
                        format!(
                            "{:<24}  {:<7}  {}",
                            entry.name,
                            entry.kind.as_str(),
                            entry.text
                        )
                    });
                }
                if list.is_empty() && !printer.json {
                    eprintln!("No saved prompts match. Save one with `seedance prompts save NAME --text …`.");
                }
                Exit::Success
            }
            Err(error) => refused(printer, "The prompt library could not be read", &error),
        },
        PromptsAction::Remove { name } => match ledger.delete_saved_prompt(&name) {
            Ok(true) => {
                printer.value(&json!({"ok": true, "removed": name}), || {
                    format!("Removed “{name}”.")
                });
                Exit::Success
            }
            Ok(false) => {
                printer.problem(
                    "invalid_request",
                    "No such saved prompt",
                    &format!("There is no saved prompt called “{name}”. `seedance prompts list` shows them."),
                    json!({}),
                );
                Exit::Usage
            }
            Err(error) => refused(printer, "Not removed", &error),
        },
        PromptsAction::Past { words, limit } => {
            match ledger.search_past_prompts(&words.join(" "), limit) {
                Ok(found) => {
                    for past in &found {
                        printer.value(&json!(past), || {
                            format!(
                                "{:>6}  {:>3}×  {:<16}  {}",
                                past.task_id, past.uses, past.model, past.prompt
                            )
                        });
                    }
                    Exit::Success
                }
                Err(error) => refused(printer, "Past prompts could not be searched", &error),
            }
        }
        PromptsAction::Export { file } => match ledger.export_prompts(&file) {
            Ok(count) => {
                printer.value(
                    &json!({"ok": true, "exported": count, "file": file}),
                    || format!("Exported {count} saved prompts to {}.", file.display()),
                );
                Exit::Success
            }
            Err(error) => refused(printer, "Not exported", &error),
        },
        PromptsAction::Import { file } => match ledger.import_prompts(&file) {
            Ok(report) => {
                let value = json!({
                    "ok": true,
                    "added": report.added,
                    "unchanged": report.unchanged,
                    "kept_existing": report.kept_existing,
                });
                printer.value(&value, || {
                    let mut text = format!("Added {} saved prompts.", report.added);
                    if !report.kept_existing.is_empty() {
                        text.push_str(&format!(
                            " Kept your own text for {} (already saved under that name).",
                            report.kept_existing.join(", ")
                        ));
                    }
                    text
                });
                Exit::Success
            }
            Err(error) => refused(printer, "Not imported", &error),
        },
    }
}

/// `YYYY-MM-DD` as the local midnight that starts it, in Unix milliseconds.
fn local_midnight_ms(day: &str) -> Option<i64> {
    let mut parts = day.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    let start = PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_offset(local_offset());
    Some(start.unix_timestamp() * 1000)
}

pub fn spend(since: Option<String>, days: u32, csv: bool, printer: &Printer) -> Exit {
    let offset = local_offset();
    let since_ms = match since {
        Some(day) => {
            match local_midnight_ms(&day) {
                Some(ms) => ms,
                None => {
                    printer.problem(
                    "invalid_request",
                    "Unreadable date",
                    &format!("--since `{day}` is not a date; write it as YYYY-MM-DD, e.g. 2026-12-01."),
                    json!({}),
                );
                    return Exit::Usage;
                }
            }
        }
        None => period_start(system_now_ms(), offset.whole_seconds(), days).0,
    };
    let ledger = match open_ledger(printer) {
        Ok(ledger) => ledger,
        Err(exit) => return exit,
    };
    let report = match ledger.spend_since(since_ms, offset.whole_seconds()) {
        Ok(report) => report,
        Err(error) => return refused(printer, "The spend history could not be read", &error),
    };
    if csv {
        print!("{}", report.to_csv());
        return Exit::Success;
    }
    if printer.json {
        println!("{}", json!(report));
        return Exit::Success;
    }
    if report.rows.is_empty() {
        println!("Nothing was spent in this period.");
    } else {
        println!(
            "{:<10}  {:<22}  {:>5}  {:>9}  {:>9}  {:>9}  {:>9}",
            "day", "model", "tasks", "reserved", "settled", "refunded", "held"
        );
        for r in &report.rows {
            println!(
                "{:<10}  {:<22}  {:>5}  {:>9}  {:>9}  {:>9}  {:>9}",
                r.day, r.model, r.tasks, r.reserved, r.settled, r.refunded, r.held
            );
        }
        let (reserved, settled, refunded, held) = report.totals();
        println!(
            "{:<10}  {:<22}  {:>5}  {reserved:>9}  {settled:>9}  {refunded:>9}  {held:>9}",
            "total", "", ""
        );
    }
    if let Some(balance) = report.last_balance {
        let when = OffsetDateTime::from_unix_timestamp(balance.at_ms / 1000)
            .map(|t| t.to_offset(offset).date().to_string())
            .unwrap_or_default();
        println!(
            "Balance last stated by the service: {} credits (on {when}).",
            balance.credits
        );
    }
    Exit::Success
}
