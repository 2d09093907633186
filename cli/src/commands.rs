//! What each subcommand does, on top of the core: the same engine, ledger, library and
//! keychain entry as the app. Maps every outcome to an [`Exit`] code.

use crate::args::{Cli, Command, FollowArgs, FromTaskArgs, GenerateArgs, KeyAction, RequestArgs};
use crate::output::Printer;
use crate::session::{
    client, exit_for, key_and_client, keychain_problem, keys, load_key, no_key, open_ledger,
    refusal_exit, report_download_failure, Session, Stopped,
};
use crate::Exit;
use seedance_core::api::client::KeyCheck;
use seedance_core::engine::EngineEvent;
use seedance_core::film::FfmpegCli;
use seedance_core::guidance::{guidance_for, Failure};
use seedance_core::keychain::{KeyStore, KeychainError, SystemKeychain, KEY_ENV};
use seedance_core::ledger::{Ledger, ListQuery, LocalState, TaskEntry, TaskId, Verdict};
use seedance_core::request::{GenerationRequest, ReferenceSource};
use seedance_core::secret::ApiKey;
use seedance_core::support::SupportPacket;
use seedance_core::{continuation, pricing, validate};
use serde_json::json;
use std::collections::HashSet;
use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

pub async fn run(cli: Cli) -> Exit {
    let printer = Printer { json: cli.json };
    let base_url = cli.base_url.as_deref();
    match cli.command {
        Command::Key { action } => key(action, base_url, &printer).await,
        Command::Estimate(args) => estimate(&args, &printer).await,
        Command::Generate(args) => generate(args, base_url, &printer).await,
        Command::Status { id, offline } => status(&id, offline, base_url, &printer).await,
        Command::List {
            state,
            search,
            limit,
            starred,
        } => list(state, search, limit, starred, &printer),
        Command::Seq { action } => crate::sequence::run(action, base_url, &printer).await,
        Command::Star { id, clear } => {
            crate::takes::verdict(id, (!clear).then_some(Verdict::Starred), &printer)
        }
        Command::Reject { id, clear } => {
            crate::takes::verdict(id, (!clear).then_some(Verdict::Rejected), &printer)
        }
        Command::Resume(follow) => resume(&follow, base_url, &printer).await,
        Command::Extend { from, seconds } => {
            made_from(MadeFrom::Extend { seconds }, &from, base_url, &printer).await
        }
        Command::Edit { from } => made_from(MadeFrom::Edit, &from, base_url, &printer).await,
        Command::Continue { from, seconds } => {
            made_from(MadeFrom::Continue { seconds }, &from, base_url, &printer).await
        }
        Command::SupportPacket { id, save } => support_packet(&id, save.as_deref(), &printer),
        Command::Retry {
            id,
            confirm_may_charge_twice,
            follow,
        } => retry(id, confirm_may_charge_twice, &follow, base_url, &printer).await,
        Command::Prompts { action } => crate::history::prompts(action, &printer),
        Command::Spend { since, days, csv } => crate::history::spend(since, days, csv, &printer),
    }
}

// ---------------------------------------------------------------------------------------
// key

async fn key(action: KeyAction, base_url: Option<&str>, printer: &Printer) -> Exit {
    let keychain = Arc::new(SystemKeychain::new());
    match action {
        KeyAction::Set => {
            let raw = match read_secret_line() {
                Ok(raw) => raw,
                Err(error) => {
                    printer.problem("auth_missing_key", "No key was read", &error, json!({}));
                    return Exit::Usage;
                }
            };
            let key = match ApiKey::new(&raw) {
                Ok(key) => key,
                Err(error) => {
                    printer.problem(
                        "auth_invalid_key",
                        "That is not an API key",
                        &error.to_string(),
                        json!({}),
                    );
                    return Exit::Usage;
                }
            };
            let last_four = key.last_four();
            let store = keychain.clone();
            match tokio::task::spawn_blocking(move || store.store(&key)).await {
                Ok(Ok(())) => {
                    printer.value(
                        &json!({"ok": true, "stored": true, "last_four": last_four}),
                        || format!("Key ending in {last_four} saved in the system keychain."),
                    );
                    Exit::Success
                }
                Ok(Err(error)) => keychain_problem(printer, &error),
                Err(error) => keychain_problem(printer, &KeychainError::Other(error.to_string())),
            }
        }
        KeyAction::Clear => {
            let store = keychain.clone();
            match tokio::task::spawn_blocking(move || store.delete()).await {
                Ok(Ok(())) => {
                    printer.value(&json!({"ok": true, "stored": false}), || {
                        "Key removed from the system keychain.".into()
                    });
                    Exit::Success
                }
                Ok(Err(error)) => keychain_problem(printer, &error),
                Err(error) => keychain_problem(printer, &KeychainError::Other(error.to_string())),
            }
        }
        KeyAction::Status => match load_key(keys()).await {
            Ok(Some(key)) => {
                let source = if std::env::var(KEY_ENV).is_ok_and(|v| !v.trim().is_empty()) {
                    KEY_ENV
                } else {
                    "system keychain"
                };
                let last_four = key.last_four();
                printer.value(
                    &json!({"ok": true, "present": true, "last_four": last_four, "source": source}),
                    || format!("A key ending in {last_four} is set ({source})."),
                );
                Exit::Success
            }
            Ok(None) => {
                printer.value(&json!({"ok": true, "present": false}), || {
                    "No key is set. Run `seedance key set` and paste your key.".into()
                });
                Exit::Success
            }
            Err(error) => keychain_problem(printer, &error),
        },
        KeyAction::Test => {
            let (key, client) = match key_and_client(base_url, printer).await {
                Ok(both) => both,
                Err(exit) => return exit,
            };
            let check = client.probe_key(&key).await;
            let (exit, text) = match &check {
                KeyCheck::Valid => (Exit::Success, "The key works.".to_owned()),
                KeyCheck::Invalid => (Exit::Key, "The service rejected this key (401). Copy it again from your account page, then run `seedance key set`.".to_owned()),
                KeyCheck::NoApiAccess => (Exit::Key, "The key is real but this account has no API access (403). Ask Seedance support to enable developer access.".to_owned()),
                KeyCheck::Unreachable { detail } => (Exit::Service, format!("The service could not be reached, so the key was not checked: {detail}")),
                KeyCheck::Unexpected { status, detail } => (Exit::Service, format!("The service answered in a way the check does not understand ({}): {detail}", status.map(|s| s.to_string()).unwrap_or_else(|| "no status".into()))),
            };
            printer.value(
                &json!({"ok": exit == Exit::Success, "check": check}),
                || text,
            );
            exit
        }
    }
}

/// Reads one line from standard input without echoing it when it is a terminal.
fn read_secret_line() -> Result<String, String> {
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    if interactive {
        eprint!("Paste your Seedance API key and press Enter: ");
        let _ = std::process::Command::new("stty").arg("-echo").status();
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if interactive {
        let _ = std::process::Command::new("stty").arg("echo").status();
        eprintln!();
    }
    match read {
        Ok(0) => Err("Standard input was empty. Pipe the key in, or run the command in a terminal and paste it.".into()),
        Ok(_) => Ok(line),
        Err(error) => Err(format!("Standard input could not be read: {error}")),
    }
}

// ---------------------------------------------------------------------------------------
// estimate and generate

/// Checks local files by content (filling in their durations) and the whole request
/// against the model's limits. Nothing is sent.
async fn prepared_request(
    args: &RequestArgs,
    printer: &Printer,
) -> Result<GenerationRequest, Exit> {
    let mut request = args.to_request();
    for position in 0..request.references.len() {
        let reference = &request.references[position];
        let ReferenceSource::LocalFile { path, .. } = &reference.source else {
            continue;
        };
        match validate::inspect_local_reference(path, reference.kind).await {
            Ok(report) => {
                for warning in &report.warnings {
                    if !printer.json {
                        eprintln!("note: {}", warning.message);
                    }
                }
                request.references[position].duration_ms = report.duration_ms;
            }
            Err(problem) => {
                let problem = problem.at_reference(position);
                printer.problem(
                    "input_rejected",
                    "A reference file cannot be used",
                    &problem.message,
                    json!({"problems": [problem]}),
                );
                return Err(Exit::Usage);
            }
        }
    }
    let validation = validate::validate(&request);
    if !printer.json {
        for warning in &validation.warnings {
            eprintln!("note: {}", warning.message);
        }
    }
    if !validation.is_valid() {
        printer.problem(
            "invalid_request",
            "The request cannot be sent as it is",
            "Nothing was sent and no credits were used. Fix these first:",
            json!({"problems": validation.problems, "warnings": validation.warnings}),
        );
        return Err(Exit::Usage);
    }
    Ok(request)
}

async fn estimate(args: &RequestArgs, printer: &Printer) -> Exit {
    let request = match prepared_request(args, printer).await {
        Ok(request) => request,
        Err(exit) => return exit,
    };
    match pricing::estimate(&request) {
        Ok(estimate) => {
            let label = pricing::format_button_label(&estimate);
            printer.value(
                &json!({"ok": true, "estimate": estimate, "label": label}),
                || {
                    format!(
                        "{label} (our estimate from rate table {}; the service's figure is final)",
                        estimate.table_version
                    )
                },
            );
            Exit::Success
        }
        Err(error) => {
            printer.problem(
                "invalid_request",
                "No price for this request",
                &error.to_string(),
                json!({}),
            );
            Exit::Usage
        }
    }
}

async fn generate(args: GenerateArgs, base_url: Option<&str>, printer: &Printer) -> Exit {
    let request = match prepared_request(&args.request, printer).await {
        Ok(request) => request,
        Err(exit) => return exit,
    };
    let estimate = match pricing::estimate(&request) {
        Ok(estimate) => estimate,
        Err(error) => {
            printer.problem(
                "invalid_request",
                "No price for this request",
                &error.to_string(),
                json!({}),
            );
            return Exit::Usage;
        }
    };
    if args.takes != 1 {
        return crate::takes::generate(args, request, estimate, base_url, printer).await;
    }
    if let Some(max) = args.max_credits {
        if estimate.credits > max {
            printer.problem(
                "spending_cap",
                "Over your --max-credits limit",
                &format!(
                    "This generation is estimated at {}, above the {max} credits you allowed. Nothing was sent.",
                    pricing::format_button_label(&estimate)
                ),
                json!({"estimate": estimate}),
            );
            return Exit::Usage;
        }
    }
    match load_key(keys()).await {
        Ok(Some(_)) => {}
        Ok(None) => return no_key(printer),
        Err(error) => return keychain_problem(printer, &error),
    }
    if !printer.json {
        eprintln!(
            "Estimated cost: {}",
            pricing::format_button_label(&estimate)
        );
    }
    let session = match Session::start(base_url, &args.follow, printer) {
        Ok(session) => session,
        Err(exit) => return exit,
    };
    let id = match session.engine.submit_with(request, args.again).await {
        Ok(id) => id,
        Err(refusal) => {
            session.close().await;
            return refusal_exit(printer, &refusal);
        }
    };
    session.follow(id, args.follow.wait, printer).await
}

/// Follows what was already sent; sends no createTask (tasks still queued are listed,
/// not sent).
async fn resume(follow: &FollowArgs, base_url: Option<&str>, printer: &Printer) -> Exit {
    let mut session = match Session::start(base_url, follow, printer) {
        Ok(session) => session,
        Err(exit) => return exit,
    };
    // What resume waits for: tasks on the service, and finished ones not downloaded yet.
    // A queued task is never sent here, and a stuck one may never end: neither is waited
    // for (both are listed).
    let unfinished = |ledger: &Ledger| -> Vec<TaskId> {
        let mut ids: Vec<TaskId> = ledger
            .in_flight()
            .map(|v| {
                v.iter()
                    .filter(|e| {
                        matches!(
                            e.state,
                            LocalState::Submitting | LocalState::Waiting | LocalState::Generating
                        )
                    })
                    .map(|e| e.id)
                    .collect()
            })
            .unwrap_or_default();
        ids.extend(
            ledger
                .needs_download()
                .map(|v| v.iter().map(|e| e.id).collect::<Vec<_>>())
                .unwrap_or_default(),
        );
        ids
    };
    let started_with: Vec<TaskId> = session
        .ledger
        .in_flight()
        .map(|v| v.iter().map(|e| e.id).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(unfinished(&session.ledger))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    // Downloads the engine gave up on this run: they stay `Succeeded`, so they must not
    // be waited for again.
    let mut download_failures = Vec::new();
    let mut interrupted = false;
    let mut key_problem = None;
    if follow.wait {
        loop {
            let given_up: HashSet<TaskId> =
                download_failures.iter().map(|(id, _, _)| *id).collect();
            if unfinished(&session.ledger)
                .iter()
                .all(|id| given_up.contains(id))
            {
                break;
            }
            match session.next().await {
                Ok(None) => break,
                Ok(Some(EngineEvent::DownloadFailed {
                    task_id,
                    disk_problem,
                    message,
                })) => download_failures.push((task_id, disk_problem, message)),
                Ok(Some(_)) => {}
                Err(Stopped::Interrupted) => {
                    interrupted = true;
                    break;
                }
                Err(Stopped::Key(message)) => {
                    key_problem = Some(message);
                    break;
                }
                Err(Stopped::Download(..)) => {}
            }
        }
    }
    let ledger = session.ledger.clone();
    session.close().await;
    let mut exit = Exit::Success;
    let unknown = ledger
        .list(&ListQuery {
            states: vec![LocalState::SubmissionUnknown],
            ..ListQuery::default()
        })
        .unwrap_or_default();
    let mut shown = HashSet::new();
    for id in started_with
        .iter()
        .copied()
        .chain(unknown.iter().map(|s| s.id))
    {
        if !shown.insert(id) {
            continue;
        }
        if let Ok(entry) = ledger.get(id) {
            printer.task(&entry);
            if entry.state == LocalState::Queued && !printer.json {
                println!("  not sent: `seedance resume` sends no new paid request; the app sends queued tasks.");
            }
            let code = exit_for(&entry);
            if code != Exit::Success && exit == Exit::Success {
                exit = code;
            }
        }
    }
    for (id, disk_problem, message) in &download_failures {
        let code = report_download_failure(printer, *id, *disk_problem, message);
        if exit == Exit::Success {
            exit = code;
        }
    }
    if let Some(message) = key_problem {
        printer.problem(
            "auth_invalid_key",
            "The service refused the API key",
            &format!("{message} Your tasks keep running on the service; run `seedance key set` with a working key, then `seedance resume --wait`."),
            json!({}),
        );
        exit = Exit::Key;
    }
    if interrupted {
        exit = Exit::Interrupted;
    }
    if started_with.is_empty() && unknown.is_empty() && !printer.json {
        println!("Nothing to resume: every task has finished.");
    }
    exit
}

async fn retry(
    id: TaskId,
    confirm: bool,
    follow: &FollowArgs,
    base_url: Option<&str>,
    printer: &Printer,
) -> Exit {
    let session = match Session::start(base_url, follow, printer) {
        Ok(session) => session,
        Err(exit) => return exit,
    };
    match session.engine.retry_once(id, confirm).await {
        Ok(outcome) if outcome.created => session.follow(outcome.task, follow.wait, printer).await,
        Ok(outcome) => {
            let existing = outcome.task;
            let state = session
                .entry(existing)
                .map(|e| e.state.to_string())
                .unwrap_or_else(|| "unknown".to_owned());
            session.close().await;
            printer.problem(
                "already_retried",
                "Already retried",
                &format!(
                    "Task {id} was already retried as task {existing} (now {state}). Nothing was sent. Follow that one with `seedance status {existing}`, or if it failed too, retry it: `seedance retry {existing}`."
                ),
                json!({ "task_id": id, "retry": existing, "retry_state": state }),
            );
            Exit::AlreadyRetried
        }
        Err(refusal) => {
            session.close().await;
            refusal_exit(printer, &refusal)
        }
    }
}

// ---------------------------------------------------------------------------------------
// status and list

fn find(ledger: &Ledger, id: &str) -> Option<TaskEntry> {
    if let Ok(local) = id.parse::<TaskId>() {
        return ledger.get(local).ok();
    }
    let all = ledger.list(&ListQuery::default()).ok()?;
    all.iter()
        .filter_map(|summary| ledger.get(summary.id).ok())
        .find(|entry| entry.remote_task_id.as_deref() == Some(id))
}

async fn status(id: &str, offline: bool, base_url: Option<&str>, printer: &Printer) -> Exit {
    let ledger = match open_ledger(printer) {
        Ok(ledger) => ledger,
        Err(exit) => return exit,
    };
    let Some(entry) = find(&ledger, id) else {
        printer.problem(
            "task_not_found",
            "No such task",
            &format!("No task {id} in this computer's history. `seedance list` shows them."),
            json!({}),
        );
        return Exit::Usage;
    };
    printer.task(&entry);
    if offline {
        return exit_for(&entry);
    }
    let Some(remote) = entry.remote_task_id.clone() else {
        return exit_for(&entry);
    };
    let (key, client) = match key_and_client(base_url, printer).await {
        Ok(both) => both,
        Err(exit) => return exit,
    };
    match client.record_info(&key, &remote).await {
        Ok(record) => {
            printer.value(&json!({"ok": true, "service": record}), || {
                format!("  the service says: {:?}", record.status).to_lowercase()
            });
            exit_for(&entry)
        }
        Err(error) => {
            let guidance = guidance_for(&Failure::Api(&error));
            printer.problem(
                guidance.category.as_str(),
                &guidance.title,
                &guidance.explanation,
                json!({"guidance": guidance}),
            );
            Exit::Service
        }
    }
}

fn list(
    state: Option<String>,
    search: Option<String>,
    limit: u32,
    starred: bool,
    printer: &Printer,
) -> Exit {
    let mut states = Vec::new();
    if let Some(name) = state {
        match LocalState::parse(&name) {
            Some(state) => states.push(state),
            None => {
                let known: Vec<&str> = LocalState::ALL.iter().map(|s| s.as_str()).collect();
                printer.problem(
                    "invalid_request",
                    "Unknown state",
                    &format!(
                        "`{name}` is not a task state; use one of: {}.",
                        known.join(", ")
                    ),
                    json!({}),
                );
                return Exit::Usage;
            }
        }
    }
    let ledger = match open_ledger(printer) {
        Ok(ledger) => ledger,
        Err(exit) => return exit,
    };
    let query = ListQuery {
        states,
        text: search,
        limit,
        offset: 0,
        verdict: starred.then_some(Verdict::Starred),
    };
    let rows = ledger.list(&query);
    match rows {
        Ok(rows) => {
            for row in &rows {
                printer.value(&json!(row), || {
                    let prompt: String = row.prompt.chars().take(60).collect();
                    format!(
                        "{:>6}  {:<18}  {:<16}  {:>5}  {prompt}",
                        row.id,
                        row.state.as_str(),
                        row.model,
                        row.resolution
                    )
                });
            }
            if rows.is_empty() && !printer.json {
                println!("No tasks yet.");
            }
            Exit::Success
        }
        Err(error) => {
            printer.problem(
                "unknown",
                "The task history could not be read",
                &error.to_string(),
                json!({}),
            );
            Exit::Service
        }
    }
}

// ---------------------------------------------------------------------------------------
// support packet

/// Prints task `id`'s support packet (text, or its JSON with `--json`) and with `save`
/// writes the JSON there too. Nothing is sent anywhere.
fn support_packet(id: &str, save: Option<&std::path::Path>, printer: &Printer) -> Exit {
    let ledger = match open_ledger(printer) {
        Ok(ledger) => ledger,
        Err(exit) => return exit,
    };
    let Some(entry) = find(&ledger, id) else {
        printer.problem(
            "task_not_found",
            "No such task",
            &format!("No task {id} in this computer's history. `seedance list` shows them."),
            json!({}),
        );
        return Exit::Usage;
    };
    let history = ledger.history(entry.id).unwrap_or_default();
    let packet = SupportPacket::of(&entry, &history, env!("CARGO_PKG_VERSION"));
    if let Some(path) = save {
        if let Err(error) = std::fs::write(path, packet.to_json() + "\n") {
            printer.problem(
                "unknown",
                "The support packet could not be saved",
                &format!(
                    "{} could not be written ({error}). Choose another file with --save.",
                    path.display()
                ),
                json!({}),
            );
            return Exit::Usage;
        }
        if !printer.json {
            eprintln!("Saved to {}.", path.display());
        }
    }
    if !printer.json && !SupportPacket::is_support_case(&entry) {
        eprintln!(
            "note: task {} is {} and its result matches the request; support packets are meant for failed, stuck or unknown tasks and mismatched results.",
            entry.id, entry.state
        );
    }
    printer.value(&serde_json::to_value(&packet).unwrap_or_default(), || {
        packet.to_text()
    });
    Exit::Success
}

// ---------------------------------------------------------------------------------------
// extend and edit

/// What `made_from` makes of the finished task.
#[derive(Debug, Clone, Copy)]
enum MadeFrom {
    Extend {
        seconds: u32,
    },
    Edit,
    /// From the saved last frame.
    Continue {
        seconds: u32,
    },
}

/// Extends, edits or continues finished task `from.id`: builds the request from its video
/// (or its saved last frame), shows what
/// it reserves and settles at (refusing without `--yes` when the settled charge is larger),
/// sends it, links it to its source, follows it to the library and, for an extension, joins
/// source and new footage into one file recorded with the task.
async fn made_from(
    what: MadeFrom,
    from: &FromTaskArgs,
    base_url: Option<&str>,
    printer: &Printer,
) -> Exit {
    match load_key(keys()).await {
        Ok(Some(_)) => {}
        Ok(None) => return no_key(printer),
        Err(error) => return keychain_problem(printer, &error),
    }
    let client = match client(base_url, printer) {
        Ok(client) => client,
        Err(exit) => return exit,
    };
    let follow = FollowArgs {
        wait: true,
        poll_every: from.poll_every,
    };
    let session = match Session::start(base_url, &follow, printer) {
        Ok(session) => session,
        Err(exit) => return exit,
    };
    let refuse = |category: &str, title: &str, message: String| {
        printer.problem(category, title, &message, json!({}));
        Exit::Usage
    };
    let Some(source) = find(&session.ledger, &from.id) else {
        session.close().await;
        return refuse(
            "task_not_found",
            "No such task",
            format!(
                "No task {} in this computer's history. `seedance list` shows them.",
                from.id
            ),
        );
    };
    let resolution = from.resolution.map(Into::into);
    let built = match what {
        MadeFrom::Continue { seconds } => {
            continuation::continue_request(&source, &from.prompt, seconds)
        }
        MadeFrom::Extend { seconds } => continuation::source_reference(&client, &source)
            .await
            .and_then(|reference| {
                continuation::extend_request(&source, reference, &from.prompt, seconds, resolution)
            }),
        MadeFrom::Edit => continuation::source_reference(&client, &source)
            .await
            .and_then(|reference| {
                continuation::edit_request(&source, reference, &from.prompt, resolution)
            }),
    };
    let request = match built {
        Ok(request) => request,
        Err(error) => {
            session.close().await;
            return refuse(
                "invalid_request",
                "This task cannot be the source",
                error.to_string(),
            );
        }
    };
    let validation = validate::validate(&request);
    if !validation.is_valid() {
        session.close().await;
        printer.problem(
            "invalid_request",
            "The request cannot be sent as it is",
            "Nothing was sent and no credits were used. Fix these first:",
            json!({"problems": validation.problems, "warnings": validation.warnings}),
        );
        return Exit::Usage;
    }
    let estimate = match pricing::estimate(&request) {
        Ok(estimate) => estimate,
        Err(error) => {
            session.close().await;
            return refuse(
                "invalid_request",
                "No price for this request",
                error.to_string(),
            );
        }
    };
    let label = pricing::format_button_label(&estimate);
    if !printer.json {
        eprintln!(
            "This {}: {label}",
            match what {
                MadeFrom::Extend { .. } => "extension",
                MadeFrom::Edit => "edit",
                MadeFrom::Continue { .. } => "continuation",
            }
        );
    }
    let settles_higher = estimate
        .settlement
        .is_some_and(|s| s.credits > estimate.credits + 0.005);
    if settles_higher && !from.yes {
        session.close().await;
        printer.problem(
            "confirm_settlement",
            "The charge settles higher than it reserves",
            &format!(
                "It {label}: the service charges the difference after success. Nothing was sent; add --yes to go ahead."
            ),
            json!({"estimate": estimate}),
        );
        return Exit::Usage;
    }
    let id = match session.engine.submit(request).await {
        Ok(id) => id,
        Err(refusal) => {
            session.close().await;
            return refusal_exit(printer, &refusal);
        }
    };
    if let Err(error) = session.ledger.set_source(id, source.id) {
        tracing::warn!(task = id, %error, "could not link the task to its source");
    }
    let ledger = session.ledger.clone();
    let exit = session.follow(id, true, printer).await;
    if exit != Exit::Success || !matches!(what, MadeFrom::Extend { .. }) {
        return exit;
    }
    let exit = join(&ledger, &source, id, printer).await;
    if let Err(error) = ledger.close_cleanly() {
        tracing::warn!(%error, "no clean close recorded");
    }
    exit
}

/// Joins `source`'s video and extension `id`'s new footage into one file in the library
/// and records it with the extension.
async fn join(ledger: &Ledger, source: &TaskEntry, id: TaskId, printer: &Printer) -> Exit {
    let Ok(extension) = ledger.get(id) else {
        return Exit::Service;
    };
    let fail = |message: String| {
        printer.problem(
            "join_failed",
            "The joined clip was not made",
            &format!(
                "{message} The new footage is in the library as it came (`seedance status {id}`)."
            ),
            json!({ "task_id": id }),
        );
        Exit::Library
    };
    let (Some(source_video), Some(new_footage)) = (
        source.video_path.clone().filter(|p| p.is_file()),
        extension.video_path.clone(),
    ) else {
        return fail(format!(
            "Task {}'s video is not in the library folder to join with.",
            source.id
        ));
    };
    let tools = match FfmpegCli::locate(None) {
        Ok(tools) => tools,
        Err(error) => return fail(error.to_string()),
    };
    if !printer.json {
        eprintln!(
            "task {id}: joining task {}'s clip and the new footage",
            source.id
        );
    }
    match continuation::join_extension(&tools, &source_video, &new_footage).await {
        Ok(joined) => {
            if let Err(error) = ledger.set_joined(id, &joined) {
                tracing::warn!(task = id, %error, "could not record the joined clip");
            }
            printer.value(
                &json!({"ok": true, "task_id": id, "source_task": source.id, "joined_path": joined}),
                || format!("  joined clip: {}", joined.display()),
            );
            Exit::Success
        }
        Err(error) => fail(error.to_string()),
    }
}
