//! `seedance seq …`: sequences of shots on the command line, over the core's `sequence`
//! module and the same ledger, engine and library as the app. Planning commands only
//! write the ledger; `generate` shows the total and sends nothing without `--yes`;
//! `stitch` and `export` write into the library's `films` folder (or `--out`).

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use seedance_core::engine::EngineEvent;
use seedance_core::film::{EditorFormat, FfmpegCli, StitchProgress};
use seedance_core::ledger::{Ledger, SequenceId, Shot, TaskId};
use seedance_core::sequence::{self, Changes, SequenceError, ShotOutcome, Until};
use seedance_core::{paths, pricing, settings};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::args::{FollowArgs, FormatArg, SeqAction};
use crate::output::Printer;
use crate::session::{
    keychain_problem, keys, load_key, no_key, open_ledger, refusal_exit, report_download_failure,
    Session, Stopped,
};
use crate::Exit;

pub async fn run(action: SeqAction, base_url: Option<&str>, printer: &Printer) -> Exit {
    match action {
        SeqAction::Generate { id, yes, follow } => {
            generate(id, yes, &follow, base_url, printer).await
        }
        SeqAction::Stitch { id, out } => stitch(id, out, printer).await,
        SeqAction::Export { id, out, format } => export(id, out, &format, printer).await,
        other => {
            let ledger = match open_ledger(printer) {
                Ok(ledger) => ledger,
                Err(exit) => return exit,
            };
            plan(other, &ledger, printer)
        }
    }
}

/// The commands that only change (or read) the plan in the ledger.
fn plan(action: SeqAction, ledger: &Ledger, printer: &Printer) -> Exit {
    let done = |value: serde_json::Value, text: String| {
        printer.value(&value, || text);
        Exit::Success
    };
    let result = match action {
        SeqAction::New { name } => ledger.create_sequence(&name).map(|id| {
            done(
                json!({"ok": true, "sequence": id}),
                format!("sequence {id}: {}", name.trim()),
            )
        }),
        SeqAction::List => ledger.sequences().map(|all| {
            for s in &all {
                printer.value(&json!(s), || {
                    format!("{:>5}  {:>3} shot(s)  {}", s.id, s.shots, s.name)
                });
            }
            if all.is_empty() && !printer.json {
                println!("No sequences yet: `seedance seq new NAME` starts one.");
            }
            Exit::Success
        }),
        SeqAction::Show { id } => ledger.sequence(id).map(|s| {
            if printer.json {
                println!("{}", json!({"ok": true, "sequence": s}));
                return Exit::Success;
            }
            println!("sequence {} · {}", s.id, s.name);
            for shot in &s.shots {
                print_shot(shot);
            }
            for film in &s.films {
                println!(
                    "  film {}: {} (takes {:?})",
                    film.id,
                    film.path.display(),
                    film.takes
                );
            }
            Exit::Success
        }),
        SeqAction::Rename { id, name } => ledger
            .rename_sequence(id, &name)
            .map(|()| done(json!({"ok": true}), format!("sequence {id} renamed"))),
        SeqAction::Delete { id } => ledger.delete_sequence(id).map(|()| {
            done(
                json!({"ok": true}),
                format!("sequence {id} deleted; its takes stay in the history"),
            )
        }),
        SeqAction::AddShot { id, shot, at } => {
            let (template, link) = match shot.to_template() {
                Ok(both) => both,
                Err(message) => {
                    printer.problem("invalid_request", "Bad shot", &message, json!({}));
                    return Exit::Usage;
                }
            };
            ledger.add_shot(id, &template, link, at).map(|shot| {
                done(
                    json!({"ok": true, "shot": shot}),
                    format!("shot {shot} added to sequence {id}"),
                )
            })
        }
        SeqAction::EditShot { shot, with } => {
            let (template, link) = match with.to_template() {
                Ok(both) => both,
                Err(message) => {
                    printer.problem("invalid_request", "Bad shot", &message, json!({}));
                    return Exit::Usage;
                }
            };
            ledger
                .edit_shot(shot, &template, link)
                .map(|()| done(json!({"ok": true}), format!("shot {shot} changed")))
        }
        SeqAction::MoveShot { shot, to } => ledger
            .move_shot(shot, to)
            .map(|()| done(json!({"ok": true}), format!("shot {shot} moved to {to}"))),
        SeqAction::RemoveShot { shot } => ledger.remove_shot(shot).map(|()| {
            done(
                json!({"ok": true}),
                format!("shot {shot} removed; its takes stay in the history"),
            )
        }),
        SeqAction::Choose { shot, task } => ledger.choose_take(shot, Some(task)).map(|()| {
            done(
                json!({"ok": true}),
                format!("shot {shot}: take {task} chosen"),
            )
        }),
        SeqAction::Generate { .. } | SeqAction::Stitch { .. } | SeqAction::Export { .. } => {
            return Exit::Usage
        }
    };
    result.unwrap_or_else(|error| {
        printer.problem("invalid_request", "Not done", &error.to_string(), json!({}));
        Exit::Usage
    })
}

fn print_shot(shot: &Shot) {
    let prompt: String = shot.template.prompt.chars().take(50).collect();
    println!(
        "  shot {} (#{}, {}, link {}): {prompt}",
        shot.position,
        shot.id,
        shot.template.model.wire_id(),
        shot.link.as_str()
    );
    let film = shot.film_take().map(|t| t.task);
    for take in &shot.takes {
        let mark = if Some(take.task) == film { "*" } else { " " };
        let verdict = take.verdict.map(|v| v.as_str()).unwrap_or("");
        println!("    {mark} take {} · {} {verdict}", take.task, take.state);
    }
}

/// Wakes on the session's engine events; remembers why it stopped.
struct SessionChanges<'a> {
    session: &'a mut Session,
    stopped: Option<Stopped>,
    sequence: SequenceId,
    /// The take whose download the engine gave up on, when that stopped the run.
    failed_download: Option<TaskId>,
}

impl SessionChanges<'_> {
    fn is_take(&self, task: TaskId) -> bool {
        self.session.ledger.sequence(self.sequence).is_ok_and(|s| {
            s.shots
                .iter()
                .any(|shot| shot.takes.iter().any(|t| t.task == task))
        })
    }
}

impl Changes for SessionChanges<'_> {
    fn changed(&mut self) -> Pin<Box<dyn Future<Output = bool> + Send + '_>> {
        Box::pin(async move {
            match self.session.next().await {
                // A take that cannot reach the library holds up the shots after it: stop
                // and say so rather than wait.
                Ok(Some(EngineEvent::DownloadFailed {
                    task_id,
                    disk_problem,
                    message,
                })) if self.is_take(task_id) => {
                    self.failed_download = Some(task_id);
                    self.stopped = Some(Stopped::Download(disk_problem, message));
                    false
                }
                Ok(Some(_)) => true,
                Ok(None) => false,
                Err(why) => {
                    self.stopped = Some(why);
                    false
                }
            }
        })
    }
}

fn tools(printer: &Printer) -> Result<FfmpegCli, Exit> {
    FfmpegCli::locate(None).map_err(|error| {
        printer.problem(
            "tool_missing",
            "ffmpeg is missing",
            &error.to_string(),
            json!({}),
        );
        Exit::Usage
    })
}

fn sequence_problem(printer: &Printer, error: &SequenceError) -> Exit {
    match error {
        SequenceError::Refused { refusal, .. } | SequenceError::OverCap(refusal) => {
            refusal_exit(printer, refusal)
        }
        SequenceError::Ledger(_) => {
            printer.problem(
                "unknown",
                "The task history failed",
                &error.to_string(),
                json!({}),
            );
            Exit::Service
        }
        SequenceError::Film(_) | SequenceError::Invalid(_) => {
            printer.problem("invalid_request", "Not done", &error.to_string(), json!({}));
            Exit::Usage
        }
    }
}

async fn generate(
    id: SequenceId,
    yes: bool,
    follow: &FollowArgs,
    base_url: Option<&str>,
    printer: &Printer,
) -> Exit {
    let quote = {
        let ledger = match open_ledger(printer) {
            Ok(ledger) => ledger,
            Err(exit) => return exit,
        };
        let quote = sequence::quote(&ledger, id);
        drop(ledger);
        match quote {
            Ok(quote) => quote,
            Err(error) => return sequence_problem(printer, &error),
        }
    };
    let total = pricing::format_credits(quote.credits);
    let settled = quote
        .settles_differently()
        .then(|| pricing::format_credits(quote.settled_credits));
    printer.value(&json!({"ok": true, "quote": quote}), || {
        let mut text = String::new();
        for shot in &quote.shots {
            text.push_str(&format!(
                "shot {}: {}{}\n",
                shot.position,
                pricing::format_credits(shot.credits),
                if (shot.settled_credits - shot.credits).abs() > 0.005 {
                    format!(
                        ", settles at {}{}",
                        pricing::format_credits(shot.settled_credits),
                        if shot.upper_bound { " at most" } else { "" }
                    )
                } else {
                    String::new()
                }
            ));
        }
        if !quote.already_taken.is_empty() {
            text.push_str(&format!(
                "{} shot(s) already have a take and are not sent again\n",
                quote.already_taken.len()
            ));
        }
        text.push_str(&format!(
            "Total: {total} reserved{}",
            settled
                .as_ref()
                .map(|s| format!(", {s} once settled"))
                .unwrap_or_default()
        ));
        text
    });
    if !yes {
        if !printer.json {
            println!(
                "Nothing was sent. Run again with --yes to generate (and pay for) these shots."
            );
        }
        return Exit::Success;
    }
    match load_key(keys()).await {
        Ok(Some(_)) => {}
        Ok(None) => return no_key(printer),
        Err(error) => return keychain_problem(printer, &error),
    }
    let tools = match tools(printer) {
        Ok(tools) => tools,
        Err(exit) => return exit,
    };
    let mut session = match Session::start(base_url, follow, printer) {
        Ok(session) => session,
        Err(exit) => return exit,
    };
    let engine = session.engine.clone();
    let ledger = session.ledger.clone();
    let until = if follow.wait {
        Until::Finished
    } else {
        Until::Sent
    };
    let mut changes = SessionChanges {
        session: &mut session,
        stopped: None,
        sequence: id,
        failed_download: None,
    };
    let result = sequence::generate(&engine, &ledger, &tools, id, until, &mut changes).await;
    let stopped = changes.stopped.take();
    let failed_download = changes.failed_download.take().unwrap_or_default();
    session.close().await;
    let report = match result {
        Ok(report) => report,
        Err(error) => return sequence_problem(printer, &error),
    };
    let mut exit = Exit::Success;
    for line in &report {
        printer.value(&json!(line), || match &line.outcome {
            ShotOutcome::Submitted { task } => format!("shot {}: sent as task {task}", line.position),
            ShotOutcome::InProgress { task } => {
                format!("shot {}: task {task} in progress", line.position)
            }
            ShotOutcome::Finished { task } => format!("shot {}: task {task} finished", line.position),
            ShotOutcome::WaitingForPrevious { .. } => format!(
                "shot {}: waits for the take before it (run `seedance seq generate {id} --yes` again later)",
                line.position
            ),
            ShotOutcome::Blocked { reason } => format!("shot {}: {reason}", line.position),
        });
        if matches!(line.outcome, ShotOutcome::Blocked { .. }) {
            exit = Exit::TaskFailed;
        }
    }
    match stopped {
        Some(Stopped::Interrupted) => Exit::Interrupted,
        Some(Stopped::Key(message)) => {
            printer.problem(
                "auth_invalid_key",
                "The service refused the API key",
                &format!("{message} Run `seedance key set` with a working key, then generate again: shots already sent are not sent twice."),
                json!({}),
            );
            Exit::Key
        }
        Some(Stopped::Download(disk_problem, message)) => {
            report_download_failure(printer, failed_download, disk_problem, &message)
        }
        None => exit,
    }
}

fn films_dir(out: Option<PathBuf>, printer: &Printer) -> Result<PathBuf, Exit> {
    if let Some(dir) = out {
        return Ok(dir);
    }
    // The same library as `generate` uses: settings file, then SEEDANCE_LIBRARY_DIR.
    let preferences = paths::data_dir()
        .map(|dir| settings::load(&dir).preferences)
        .unwrap_or_default();
    let default = paths::default_library_dir().unwrap_or_default();
    let library = Some(settings::Effective::resolve(&preferences, &default).library_dir)
        .filter(|p| !p.as_os_str().is_empty());
    match library {
        Some(dir) => Ok(dir.join("films")),
        None => {
            printer.problem(
                "unknown",
                "No library folder",
                "Set SEEDANCE_LIBRARY_DIR, or pass --out DIR.",
                json!({}),
            );
            Err(Exit::Usage)
        }
    }
}

async fn stitch(id: SequenceId, out: Option<PathBuf>, printer: &Printer) -> Exit {
    let dir = match films_dir(out, printer) {
        Ok(dir) => dir,
        Err(exit) => return exit,
    };
    let tools = match tools(printer) {
        Ok(tools) => tools,
        Err(exit) => return exit,
    };
    let ledger = match open_ledger(printer) {
        Ok(ledger) => ledger,
        Err(exit) => return exit,
    };
    let json = printer.json;
    let progress = move |p: StitchProgress| {
        if !json {
            eprint!("\rstitching: {:>3.0}%", p.fraction * 100.0);
        }
    };
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let interrupt = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
        }
    });
    let result = sequence::stitch(&ledger, &tools, id, &dir, &progress, &cancel).await;
    interrupt.abort();
    if !json {
        eprintln!();
    }
    let _ = ledger.close_cleanly();
    match result {
        Ok(film) => {
            printer.value(&json!({"ok": true, "film": film}), || {
                let how = if film.lossless {
                    "joined without re-encoding".to_owned()
                } else {
                    format!("re-encoded ({})", film.reasons.join("; "))
                };
                format!(
                    "film: {} ({:.2} s, {how}; takes {:?})",
                    film.path.display(),
                    film.duration_secs,
                    film.takes
                )
            });
            Exit::Success
        }
        Err(error) => sequence_problem(printer, &error),
    }
}

async fn export(
    id: SequenceId,
    out: Option<PathBuf>,
    formats: &[FormatArg],
    printer: &Printer,
) -> Exit {
    let dir = match films_dir(out, printer) {
        Ok(dir) => dir,
        Err(exit) => return exit,
    };
    let tools = match tools(printer) {
        Ok(tools) => tools,
        Err(exit) => return exit,
    };
    let ledger = match open_ledger(printer) {
        Ok(ledger) => ledger,
        Err(exit) => return exit,
    };
    let formats: Vec<EditorFormat> = if formats.is_empty() {
        EditorFormat::ALL.to_vec()
    } else {
        formats
            .iter()
            .map(|f| match f {
                FormatArg::Otio => EditorFormat::Otio,
                FormatArg::Fcpxml => EditorFormat::Fcpxml,
                FormatArg::Edl => EditorFormat::Edl,
            })
            .collect()
    };
    match sequence::export(&ledger, &tools, id, &dir, &formats).await {
        Ok(written) => {
            for path in &written {
                printer.value(&json!({"ok": true, "file": path}), || {
                    format!("wrote {}", path.display())
                });
            }
            Exit::Success
        }
        Err(error) => sequence_problem(printer, &error),
    }
}
