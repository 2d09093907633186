//! Adding local files as references: by path (a drop on the window, or files under
//! `SEEDANCE_REFERENCE_DIR`; `granted.rs`) or through the file picker. Each file is checked by its content in the core; images and
//! videos that pass become readable by the webview (asset protocol) so the list can show
//! a thumbnail. Nothing is uploaded here: the engine uploads at submission.

use super::blocking;
use crate::error::IpcResult;
use crate::granted::GrantedFiles;
use crate::models::{InspectedReference, Kind};
use seedance_core::validate::{inspect_local_reference, kind_for_path_by_content};
use std::path::{Path, PathBuf};
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::DialogExt;

/// At most this many files per call; a drop of a whole folder's worth is cut here.
const MAX_FILES: usize = 24;

fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

async fn inspect(app: &AppHandle, path: PathBuf) -> IpcResult<InspectedReference> {
    let probe_path = path.clone();
    let kind = blocking(move || Ok(kind_for_path_by_content(&probe_path))).await?;
    let mut view = InspectedReference {
        path: path.display().to_string(),
        file_name: display_name(&path),
        kind: None,
        duration_ms: None,
        size_bytes: 0,
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    let kind = match kind {
        Ok(kind) => kind,
        Err(problem) => {
            view.problems.push(problem.message);
            return Ok(view);
        }
    };
    view.kind = Some(Kind::from(kind));
    match inspect_local_reference(&path, kind).await {
        Ok(report) => {
            view.duration_ms = report.duration_ms;
            view.size_bytes = report.media.size_bytes;
            view.warnings = report.warnings.into_iter().map(|p| p.message).collect();
            if matches!(view.kind, Some(Kind::Image | Kind::Video)) {
                if let Err(error) = app.asset_protocol_scope().allow_file(&path) {
                    log::warn!("a reference preview could not be allowed: {error}");
                }
            }
        }
        Err(problem) => view.problems.push(problem.message),
    }
    Ok(view)
}

async fn inspect_all(app: &AppHandle, paths: Vec<PathBuf>) -> IpcResult<Vec<InspectedReference>> {
    let mut out = Vec::new();
    for path in paths.into_iter().take(MAX_FILES) {
        out.push(inspect(app, path).await?);
    }
    Ok(out)
}

/// Inspects files given by path, in order: only files dropped on the window, chosen in
/// the picker, or under `SEEDANCE_REFERENCE_DIR` (`granted.rs`); any other path refuses
/// the whole call and nothing is read.
pub async fn references_add_paths(
    app: AppHandle,
    paths: Vec<String>,
) -> IpcResult<Vec<InspectedReference>> {
    let paths: Vec<PathBuf> = paths
        .into_iter()
        .take(MAX_FILES)
        .map(PathBuf::from)
        .collect();
    app.state::<GrantedFiles>().check_all(&paths)?;
    inspect_all(&app, paths).await
}

/// Opens the file picker (images, videos, audio) and inspects what was chosen.
pub async fn references_pick(app: AppHandle) -> IpcResult<Vec<InspectedReference>> {
    let dialog = app
        .dialog()
        .file()
        .set_title("Add reference images, videos or audio")
        .add_filter(
            "Images, videos and audio",
            &[
                "jpg", "jpeg", "png", "webp", "mp4", "mov", "webm", "mp3", "wav", "m4a", "aac",
                "ogg", "flac",
            ],
        );
    let picked = blocking(move || Ok(dialog.blocking_pick_files())).await?;
    let paths = picked
        .unwrap_or_default()
        .into_iter()
        .filter_map(|f| f.into_path().ok())
        .collect::<Vec<_>>();
    app.state::<GrantedFiles>().grant(paths.iter().cloned());
    inspect_all(&app, paths).await
}
