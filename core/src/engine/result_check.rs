//! Measuring a saved result for the output check: ffprobe reads the file's length, frame
//! size and whether it has sound, and `output_check` compares them (and the model the
//! service named at success) with the request.
//!
//! Owns only the measuring; the comparison and its wording are `output_check`'s. Without
//! ffprobe (not installed, or the file unreadable) nothing is judged and nothing is
//! stored: a check that could not run is never shown as a mismatch.

use std::path::Path;
use std::time::Duration;

use crate::film::{self, FfmpegCli, MediaTools};
use crate::ledger::TaskEntry;
use crate::output_check::{self, Expected, Measured, OutputCheck};

/// The check of `entry`'s saved video at `video`, or `None` when it could not be measured.
pub(crate) async fn check_saved(entry: &TaskEntry, video: &Path) -> Option<OutputCheck> {
    let tools = match FfmpegCli::locate(None) {
        Ok(tools) => tools,
        Err(error) => {
            tracing::info!(task = entry.id, %error, "no ffprobe: the result is not checked");
            return None;
        }
    };
    check_with(&tools, entry, video).await
}

/// [`check_saved`] with the given tools.
pub(crate) async fn check_with(
    tools: &dyn MediaTools,
    entry: &TaskEntry,
    video: &Path,
) -> Option<OutputCheck> {
    let facts = match film::probe(tools, video).await {
        Ok(facts) => facts,
        Err(error) => {
            tracing::warn!(task = entry.id, %error, "the saved result could not be measured");
            return None;
        }
    };
    let (width, height) = facts.video.display_size();
    let measured = Measured {
        duration: Duration::try_from_secs_f64(facts.duration_secs).ok(),
        width: Some(width),
        height: Some(height),
        has_audio: Some(facts.audio.is_some()),
    };
    Some(output_check::check(
        &Expected::of(&entry.request),
        &measured,
        entry.reported_model.as_deref(),
    ))
}
