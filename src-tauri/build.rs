// Generates the Tauri context and one `allow-<command>` permission per app command, so
// the capability file can grant exactly these and nothing else. The names come from the
// one list of commands (src/commands/list.rs), which the shell's handler and the UI's
// bindings come from too.
include!("src/commands/list.rs");

const COMMANDS: &[&str] = with_app_commands!(app_command_names);

fn main() {
    println!("cargo:rerun-if-changed=src/commands/list.rs");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
