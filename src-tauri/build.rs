// Generates the Tauri context and one `allow-<command>` permission per app command, so
// the capability file can grant exactly these and nothing else.
const COMMANDS: &[&str] = &[
    "key_status",
    "key_set",
    "key_set_session_only",
    "key_clear",
    "key_test",
    "key_use_demo",
    "settings_get",
    "settings_set",
    "settings_pick_library_dir",
    "catalog",
    "compose_check",
    "tasks_submit",
    "tasks_in_flight",
    "task_get",
    "tasks_retry",
    "tasks_cancel",
    "tasks_download_again",
    "tasks_resolve_unknown",
    "references_add_paths",
    "references_pick",
    "gallery_list",
    "gallery_reveal",
    "gallery_save_as",
    "gallery_open_url",
    "gallery_delete",
    "gallery_remix",
    "gallery_continue",
    "account_add_credits",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
