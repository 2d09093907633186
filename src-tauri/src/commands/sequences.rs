//! The sequence view's commands: sequences and shots in the ledger, "generate all" through
//! the core's `sequence::generate` (so the engine checks the whole total against the cap
//! and never sends a shot twice), stitching into the library's `films` folder with
//! progress and cancel, and exporting for editors into a folder the creator picks.
//!
//! What must hold: nothing is paid for that the creator did not see priced
//! (`sequences_generate` refuses when the total grew past the one confirmed), one run of
//! each kind per sequence at a time, and files are written only where the library is or
//! where the native dialog pointed.

use super::blocking;
use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::events::APP_EVENT;
use crate::models::{
    SequenceQuoteView, SequenceSummaryView, SequenceView, ShotInput, ShotReportView,
    StitchedFilmView,
};
use crate::state::AppState;
use seedance_core::engine::SubmitRefusal;
use seedance_core::film::{EditorFormat, FfmpegCli, FilmError, StitchProgress};
use seedance_core::ledger::{Ledger, LedgerError, SequenceId, ShotId, ShotLink, TaskId};
use seedance_core::model::ModelId;
use seedance_core::pricing::format_credits;
use seedance_core::request::GenerationRequest;
use seedance_core::sequence::{self, Changes, SequenceError, Until};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Emitter, Listener, State};
use tauri_plugin_dialog::DialogExt;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// The event the window follows a stitch by: `{ sequenceId, fraction }`.
pub const STITCH_PROGRESS_EVENT: &str = "sequence-stitch-progress";

/// The longest sequence name kept.
const NAME_MAX_CHARS: usize = 200;
/// Credits a quote may move by (rounding) and still be the total the creator confirmed.
const CREDITS_TOLERANCE: f64 = 0.005;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum RunKind {
    Generate,
    Stitch,
}

/// The runs in progress, each with what stops it.
static RUNS: Mutex<BTreeMap<(RunKind, SequenceId), CancellationToken>> =
    Mutex::new(BTreeMap::new());

/// A run registered for as long as it lives; a second run of the same kind on the same
/// sequence is refused.
struct RunGuard {
    key: (RunKind, SequenceId),
    cancel: CancellationToken,
}

impl RunGuard {
    fn start(kind: RunKind, sequence: SequenceId) -> IpcResult<RunGuard> {
        let mut runs = RUNS.lock().unwrap_or_else(|p| p.into_inner());
        if runs.contains_key(&(kind, sequence)) {
            let what = match kind {
                RunKind::Generate => "being generated",
                RunKind::Stitch => "being stitched",
            };
            return Err(IpcError::new(
                ErrorCode::NotAllowed,
                format!("This sequence is already {what}: wait for it to end, or stop it first."),
            ));
        }
        let cancel = CancellationToken::new();
        runs.insert((kind, sequence), cancel.clone());
        Ok(RunGuard {
            key: (kind, sequence),
            cancel,
        })
    }

    /// Stops the run of that kind on that sequence; false when none runs.
    fn stop(kind: RunKind, sequence: SequenceId) -> bool {
        let runs = RUNS.lock().unwrap_or_else(|p| p.into_inner());
        match runs.get(&(kind, sequence)) {
            Some(cancel) => {
                cancel.cancel();
                true
            }
            None => false,
        }
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        RUNS.lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
    }
}

/// A refusal the creator can fix (a name, a shot that is not there) is `invalid_input`.
fn ledger_error(error: LedgerError) -> IpcError {
    match error {
        LedgerError::Invalid(message) => IpcError::invalid(sentence(&message)),
        other => IpcError::from(other),
    }
}

fn sequence_error(error: SequenceError) -> IpcError {
    match error {
        SequenceError::Ledger(error) => ledger_error(error),
        SequenceError::Refused {
            refusal: SubmitRefusal::Stopped,
            ..
        } => IpcError::new(
            ErrorCode::NotAllowed,
            "The engine is restarting (settings changed): press Generate all again in a moment; shots already sent are not sent twice.",
        ),
        SequenceError::Film(FilmError::Cancelled) => {
            IpcError::new(ErrorCode::NotAllowed, "Stopped; no film was written.")
        }
        other => IpcError::invalid(sentence(&other.to_string())),
    }
}

/// The core's words as the window says them: its hints name `seedance` commands, which
/// the window has as buttons (a parenthesised hint goes, a "with `…`" becomes the place
/// in the window that does it).
fn windowed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find(" (`seedance ") {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        match rest.find(')') {
            Some(close) => rest = &rest[close + 1..],
            None => break,
        }
    }
    out.push_str(rest);
    let mut text = out;
    while let Some(start) = text.find("with `seedance ") {
        let span = start + "with `".len();
        let Some(len) = text[span..].find('`') else {
            break;
        };
        let command = &text[span..span + len];
        let place = if command.starts_with("seedance seq choose") {
            "from the shot's takes (select the shot on the strip)"
        } else if command.starts_with("seedance seq add-shot") {
            "with \"Add a shot\""
        } else if command.starts_with("seedance status") {
            "in the tasks panel"
        } else {
            "in the window"
        };
        text.replace_range(start..span + len + 1, place);
    }
    text
}

fn sentence(text: &str) -> String {
    let text = windowed(text);
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

fn checked_name(name: &str) -> IpcResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(IpcError::invalid(
            "The sequence needs a name: type one, for example \"Lighthouse\".",
        ));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(IpcError::invalid(format!(
            "The name is longer than {NAME_MAX_CHARS} characters: shorten it."
        )));
    }
    Ok(name.to_owned())
}

fn model_of(wire_id: &str) -> IpcResult<ModelId> {
    ModelId::from_wire_id(wire_id).ok_or_else(|| {
        let known: Vec<&str> = ModelId::all().iter().map(|m| m.wire_id()).collect();
        IpcError::invalid(format!(
            "The shot's model \"{wire_id}\" is not one of {}: pick one from the list.",
            known.join(", ")
        ))
    })
}

/// The shot's template: `base` (its current one, or the model's defaults for a new shot)
/// with what the creator wrote. Limits are the core's to check (quote, engine).
fn template_of(base: Option<GenerationRequest>, input: &ShotInput) -> IpcResult<GenerationRequest> {
    let model = model_of(&input.model)?;
    let mut template = match base {
        Some(mut t) => {
            t.model = model;
            t.prompt = input.prompt.clone();
            t
        }
        None => GenerationRequest::new(model, input.prompt.clone()),
    };
    template.duration_secs = input.duration_secs;
    Ok(template)
}

fn view(ledger: &Ledger, id: SequenceId) -> IpcResult<SequenceView> {
    ledger
        .sequence(id)
        .map(|s| SequenceView::from(&s))
        .map_err(ledger_error)
}

fn sequence_of_shot(ledger: &Ledger, shot: ShotId) -> IpcResult<SequenceId> {
    let list = ledger.sequences().map_err(ledger_error)?;
    for summary in list {
        let seq = ledger.sequence(summary.id).map_err(ledger_error)?;
        if seq.shots.iter().any(|s| s.id == shot) {
            return Ok(seq.id);
        }
    }
    Err(IpcError::new(
        ErrorCode::NotFound,
        format!("Shot #{shot} is not in any sequence (it may have been removed already)."),
    ))
}

fn shot_template(
    ledger: &Ledger,
    sequence: SequenceId,
    shot: ShotId,
) -> IpcResult<GenerationRequest> {
    let seq = ledger.sequence(sequence).map_err(ledger_error)?;
    seq.shots
        .into_iter()
        .find(|s| s.id == shot)
        .map(|s| s.template)
        .ok_or_else(|| IpcError::new(ErrorCode::NotFound, format!("Shot #{shot} is gone.")))
}

pub async fn sequences_list(state: State<'_, AppState>) -> IpcResult<Vec<SequenceSummaryView>> {
    let ledger = state.ledger.clone();
    blocking(move || {
        let list = ledger.sequences().map_err(ledger_error)?;
        Ok(list.into_iter().map(SequenceSummaryView::from).collect())
    })
    .await
}

pub async fn sequence_get(state: State<'_, AppState>, id: SequenceId) -> IpcResult<SequenceView> {
    let ledger = state.ledger.clone();
    blocking(move || view(&ledger, id)).await
}

pub async fn sequences_create(state: State<'_, AppState>, name: String) -> IpcResult<SequenceView> {
    let ledger = state.ledger.clone();
    blocking(move || {
        let name = checked_name(&name)?;
        let id = ledger.create_sequence(&name).map_err(ledger_error)?;
        view(&ledger, id)
    })
    .await
}

pub async fn sequences_rename(
    state: State<'_, AppState>,
    id: SequenceId,
    name: String,
) -> IpcResult<SequenceView> {
    let ledger = state.ledger.clone();
    blocking(move || {
        let name = checked_name(&name)?;
        ledger.rename_sequence(id, &name).map_err(ledger_error)?;
        view(&ledger, id)
    })
    .await
}

/// Its takes stay in the history and its films in the library.
pub async fn sequences_delete(state: State<'_, AppState>, id: SequenceId) -> IpcResult<()> {
    let ledger = state.ledger.clone();
    blocking(move || ledger.delete_sequence(id).map_err(ledger_error)).await
}

pub async fn sequences_add_shot(
    state: State<'_, AppState>,
    id: SequenceId,
    shot: ShotInput,
    position: Option<u32>,
) -> IpcResult<SequenceView> {
    let ledger = state.ledger.clone();
    blocking(move || {
        let template = template_of(None, &shot)?;
        ledger
            .add_shot(id, &template, ShotLink::from(shot.link), position)
            .map_err(ledger_error)?;
        view(&ledger, id)
    })
    .await
}

pub async fn sequences_edit_shot(
    state: State<'_, AppState>,
    shot_id: ShotId,
    shot: ShotInput,
) -> IpcResult<SequenceView> {
    let ledger = state.ledger.clone();
    blocking(move || {
        let sequence = sequence_of_shot(&ledger, shot_id)?;
        let base = shot_template(&ledger, sequence, shot_id)?;
        let template = template_of(Some(base), &shot)?;
        ledger
            .edit_shot(shot_id, &template, ShotLink::from(shot.link))
            .map_err(ledger_error)?;
        view(&ledger, sequence)
    })
    .await
}

/// Its takes stay in the history.
pub async fn sequences_remove_shot(
    state: State<'_, AppState>,
    shot_id: ShotId,
) -> IpcResult<SequenceView> {
    let ledger = state.ledger.clone();
    blocking(move || {
        let sequence = sequence_of_shot(&ledger, shot_id)?;
        ledger.remove_shot(shot_id).map_err(ledger_error)?;
        view(&ledger, sequence)
    })
    .await
}

pub async fn sequences_move_shot(
    state: State<'_, AppState>,
    shot_id: ShotId,
    position: u32,
) -> IpcResult<SequenceView> {
    let ledger = state.ledger.clone();
    blocking(move || {
        let sequence = sequence_of_shot(&ledger, shot_id)?;
        ledger.move_shot(shot_id, position).map_err(ledger_error)?;
        view(&ledger, sequence)
    })
    .await
}

pub async fn sequences_choose_take(
    state: State<'_, AppState>,
    shot_id: ShotId,
    task: Option<TaskId>,
) -> IpcResult<SequenceView> {
    let ledger = state.ledger.clone();
    blocking(move || {
        let sequence = sequence_of_shot(&ledger, shot_id)?;
        ledger.choose_take(shot_id, task).map_err(ledger_error)?;
        view(&ledger, sequence)
    })
    .await
}

pub async fn sequences_quote(
    state: State<'_, AppState>,
    id: SequenceId,
) -> IpcResult<SequenceQuoteView> {
    let ledger = state.ledger.clone();
    blocking(move || {
        sequence::quote(&ledger, id)
            .map(|q| SequenceQuoteView::from(&q))
            .map_err(sequence_error)
    })
    .await
}

/// Wakes "generate all" whenever the engine says a task changed (the same events the
/// window gets), and ends it when the creator stops it.
struct EngineEvents {
    notify: Arc<Notify>,
    cancel: CancellationToken,
}

impl Changes for EngineEvents {
    fn changed(&mut self) -> Pin<Box<dyn Future<Output = bool> + Send + '_>> {
        Box::pin(async move {
            tokio::select! {
                _ = self.notify.notified() => true,
                _ = self.cancel.cancelled() => false,
            }
        })
    }
}

fn tools() -> IpcResult<FfmpegCli> {
    FfmpegCli::locate(None).map_err(|error| {
        IpcError::invalid(format!(
            "{}: install ffmpeg (it stitches films and takes the last frame of a take).",
            sentence(&error.to_string()).trim_end_matches('.')
        ))
    })
}

/// Sends every shot that can be sent, each after the take it follows, and answers when
/// nothing more can be sent (or the creator stopped it): a shot per line, where it
/// stands. `confirmed_credits` is the total the creator agreed to; a larger one now
/// (a shot edited since) is refused with nothing sent.
pub async fn sequences_generate(
    app: AppHandle,
    state: State<'_, AppState>,
    id: SequenceId,
    confirmed_credits: f64,
) -> IpcResult<Vec<ShotReportView>> {
    let ledger = state.ledger.clone();
    let quote = {
        let ledger = ledger.clone();
        blocking(move || sequence::quote(&ledger, id).map_err(sequence_error)).await?
    };
    if quote.credits > confirmed_credits + CREDITS_TOLERANCE {
        return Err(IpcError::invalid(format!(
            "The total is now {} (you agreed to {}): nothing was sent. Press Generate all again to see the new total.",
            format_credits(quote.credits),
            format_credits(confirmed_credits)
        )));
    }
    let tools = tools()?;
    let guard = RunGuard::start(RunKind::Generate, id)?;
    let notify = Arc::new(Notify::new());
    let listener = {
        let notify = notify.clone();
        app.listen_any(APP_EVENT, move |_| notify.notify_one())
    };
    let mut changes = EngineEvents {
        notify,
        cancel: guard.cancel.clone(),
    };
    let engine = state.engine();
    let result = sequence::generate(&engine, &ledger, &tools, id, Until::Sent, &mut changes).await;
    app.unlisten(listener);
    drop(guard);
    let report = result.map_err(sequence_error)?;
    Ok(report
        .iter()
        .map(|line| {
            let mut view = ShotReportView::from(line);
            view.reason = view.reason.map(|r| sentence(&r));
            view
        })
        .collect())
}

/// Stops waiting for takes to follow (what was sent goes on); false when no run.
pub async fn sequences_generate_stop(id: SequenceId) -> IpcResult<bool> {
    Ok(RunGuard::stop(RunKind::Generate, id))
}

/// Joins the film takes in order into the library's `films` folder, with progress as
/// `sequence-stitch-progress` events; `sequences_stitch_cancel` stops it without leaving
/// a partial file.
pub async fn sequences_stitch(
    app: AppHandle,
    state: State<'_, AppState>,
    id: SequenceId,
) -> IpcResult<StitchedFilmView> {
    let tools = tools()?;
    let films_dir = state.running().effective.library_dir.join("films");
    let guard = RunGuard::start(RunKind::Stitch, id)?;
    let progress = {
        let app = app.clone();
        move |p: StitchProgress| {
            let payload = serde_json::json!({ "sequenceId": id, "fraction": p.fraction });
            if let Err(error) = app.emit(STITCH_PROGRESS_EVENT, payload) {
                log::debug!("stitch progress not sent: {error}");
            }
        }
    };
    let result = sequence::stitch(
        &state.ledger,
        &tools,
        id,
        &films_dir,
        &progress,
        &guard.cancel,
    )
    .await;
    drop(guard);
    let film = result.map_err(sequence_error)?;
    Ok(StitchedFilmView {
        path: film.path.display().to_string(),
        duration_secs: film.duration_secs,
        lossless: film.lossless,
        reasons: film.reasons,
    })
}

/// False when no stitch of that sequence runs.
pub async fn sequences_stitch_cancel(id: SequenceId) -> IpcResult<bool> {
    Ok(RunGuard::stop(RunKind::Stitch, id))
}

/// Asks for a folder and writes `NAME.otio`, `NAME.fcpxml` and `NAME.edl` there; the
/// files written, or null when cancelled.
pub async fn sequences_export(
    app: AppHandle,
    state: State<'_, AppState>,
    id: SequenceId,
) -> IpcResult<Option<Vec<String>>> {
    let tools = tools()?;
    let dialog = app.dialog().file().set_title("Export the sequence to…");
    let Some(chosen) = blocking(move || Ok(dialog.blocking_pick_folder())).await? else {
        return Ok(None);
    };
    let dir = chosen
        .into_path()
        .map_err(|e| IpcError::invalid(format!("That folder cannot be used: {e}")))?;
    let written = sequence::export(&state.ledger, &tools, id, &dir, &EditorFormat::ALL)
        .await
        .map_err(sequence_error)?;
    Ok(Some(
        written
            .into_iter()
            .map(|p| p.display().to_string())
            .collect(),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::models::ShotLinkName;

    fn input(model: &str, secs: u32) -> ShotInput {
        ShotInput {
            prompt: "gulls over the rocks".into(),
            model: model.into(),
            duration_secs: secs,
            link: ShotLinkName::None,
        }
    }

    #[test]
    fn an_edit_keeps_the_settings_the_view_does_not_show() {
        let mut base = GenerationRequest::new(ModelId::Seedance20, "old");
        base.seed = Some(42);
        base.generate_audio = false;
        let edited = template_of(Some(base), &input("seedance2-5", 6)).unwrap();
        assert_eq!(edited.model, ModelId::Seedance25);
        assert_eq!(edited.prompt, "gulls over the rocks");
        assert_eq!(edited.duration_secs, 6);
        assert_eq!(edited.seed, Some(42));
        assert!(!edited.generate_audio);
    }

    #[test]
    fn an_unknown_model_or_an_empty_name_is_refused_with_the_fix() {
        let error = template_of(None, &input("seedance-99", 5)).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidInput);
        assert!(error.message.contains("seedance-20"), "{}", error.message);
        let error = checked_name("   ").unwrap_err();
        assert!(error.message.contains("needs a name"), "{}", error.message);
        assert_eq!(checked_name("  Harbour ").unwrap(), "Harbour");
    }

    #[test]
    fn the_core_hints_name_the_window_not_the_cli() {
        assert_eq!(
            sentence("sequence 7 does not exist (`seedance seq list` shows them)"),
            "Sequence 7 does not exist."
        );
        assert_eq!(
            sentence("the take chosen for shot 2 (task 9) is failed: choose another take with `seedance seq choose 4 TASK`"),
            "The take chosen for shot 2 (task 9) is failed: choose another take from the shot's takes (select the shot on the strip)."
        );
        assert_eq!(
            sentence("take 9 may or may not have reached the service: check it with `seedance status 9` and resolve it before generating this shot again"),
            "Take 9 may or may not have reached the service: check it in the tasks panel and resolve it before generating this shot again."
        );
        assert_eq!(
            sentence("its take 9 is failed (`seedance status 9` says why); generate again to pay for a new take"),
            "Its take 9 is failed; generate again to pay for a new take."
        );
        assert!(!sentence(
            "sequence 7 has no shots: add one with `seedance seq add-shot 7 -p \"...\"`"
        )
        .contains("seedance"));
    }

    #[test]
    fn one_run_of_a_kind_per_sequence() {
        let first = RunGuard::start(RunKind::Stitch, -5).unwrap();
        let again = RunGuard::start(RunKind::Stitch, -5).err().unwrap();
        assert_eq!(again.code, ErrorCode::NotAllowed);
        let other_kind = RunGuard::start(RunKind::Generate, -5).unwrap();
        assert!(RunGuard::stop(RunKind::Stitch, -5));
        assert!(first.cancel.is_cancelled());
        assert!(!other_kind.cancel.is_cancelled());
        drop(first);
        assert!(
            !RunGuard::stop(RunKind::Stitch, -5),
            "the run is gone once it ends"
        );
        assert!(RunGuard::start(RunKind::Stitch, -5).is_ok());
    }
}
