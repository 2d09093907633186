//! Takes on the command line (issue 21): `generate --takes N` (N takes of one request,
//! one group, paid together) and `star` / `reject`. The engine checks the cap for all N
//! at once; this module only shows the total and follows the takes.

use crate::args::GenerateArgs;
use crate::output::Printer;
use crate::session::{
    exit_for, is_settled, keychain_problem, keys, load_key, no_key, open_ledger, refusal_exit,
    Session, Stopped,
};
use crate::Exit;
use seedance_core::engine::MAX_TAKES;
use seedance_core::ledger::{LedgerError, TaskId, Verdict};
use seedance_core::pricing::{self, CreditEstimate};
use seedance_core::request::GenerationRequest;
use serde_json::json;

/// `seedance generate --takes N`.
pub async fn generate(
    args: GenerateArgs,
    request: GenerationRequest,
    estimate: CreditEstimate,
    base_url: Option<&str>,
    printer: &Printer,
) -> Exit {
    let takes = args.takes;
    if !(1..=MAX_TAKES).contains(&takes) {
        printer.problem(
            "invalid_request",
            "Bad --takes",
            &format!("--takes {takes}: make 1 to {MAX_TAKES} takes. Nothing was sent."),
            json!({}),
        );
        return Exit::Usage;
    }
    let total = estimate.credits * f64::from(takes);
    if let Some(max) = args.max_credits {
        if total > max {
            printer.problem(
                "spending_cap",
                "Over your --max-credits limit",
                &format!(
                    "{takes} takes are estimated at {} in all, above the {max} credits you allowed. Nothing was sent.",
                    pricing::format_credits(total)
                ),
                json!({"estimate": estimate, "takes": takes}),
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
            "Estimated cost: {} for {takes} takes ({} each)",
            pricing::format_credits(total),
            pricing::format_credits(estimate.credits)
        );
    }
    let session = match Session::start(base_url, &args.follow, printer) {
        Ok(session) => session,
        Err(exit) => return exit,
    };
    let ids = match session
        .engine
        .submit_takes(request, takes, None, args.again)
        .await
    {
        Ok(ids) => ids,
        Err(refusal) => {
            session.close().await;
            return refusal_exit(printer, &refusal);
        }
    };
    follow_all(session, &ids, args.follow.wait, printer).await
}

/// Waits until every task of `ids` is sent (or, with `wait`, finished), prints each, and
/// exits with the first non-success code among them.
pub async fn follow_all(
    mut session: Session,
    ids: &[TaskId],
    wait: bool,
    printer: &Printer,
) -> Exit {
    let mut stopped = None;
    loop {
        let settled = ids.iter().all(|id| {
            session
                .ledger
                .get(*id)
                .map_or(true, |e| is_settled(e.state, wait))
        });
        if settled {
            break;
        }
        match session.next().await {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(why) => {
                stopped = Some(why);
                break;
            }
        }
    }
    let ledger = session.ledger.clone();
    session.close().await;
    let mut exit = Exit::Success;
    for id in ids {
        if let Ok(entry) = ledger.get(*id) {
            printer.task(&entry);
            let code = exit_for(&entry);
            if code != Exit::Success && exit == Exit::Success {
                exit = code;
            }
        }
    }
    match stopped {
        Some(Stopped::Interrupted) => Exit::Interrupted,
        Some(Stopped::Key(message)) => {
            printer.problem(
                "auth_invalid_key",
                "The service refused the API key",
                &format!("{message} Takes already sent keep running; run `seedance key set` with a working key, then `seedance resume --wait`."),
                json!({ "tasks": ids }),
            );
            Exit::Key
        }
        Some(Stopped::Download(..)) => Exit::Service,
        None => exit,
    }
}

/// `seedance star ID` / `seedance reject ID` (`--clear` removes either).
pub fn verdict(id: TaskId, verdict: Option<Verdict>, printer: &Printer) -> Exit {
    let ledger = match open_ledger(printer) {
        Ok(ledger) => ledger,
        Err(exit) => return exit,
    };
    match ledger.set_verdict(id, verdict) {
        Ok(()) => {
            let word = verdict.map_or("cleared", Verdict::as_str);
            printer.value(&json!({"ok": true, "id": id, "verdict": verdict}), || {
                format!("task {id}: {word}")
            });
            Exit::Success
        }
        Err(LedgerError::NoSuchTask(_)) => {
            printer.problem(
                "task_not_found",
                "No such task",
                &format!("No task {id} in this computer's history. `seedance list` shows them."),
                json!({}),
            );
            Exit::Usage
        }
        Err(error) => {
            printer.problem(
                "unknown",
                "The task history could not be written",
                &error.to_string(),
                json!({}),
            );
            Exit::Service
        }
    }
}
