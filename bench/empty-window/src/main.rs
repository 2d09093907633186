//! Empty Tauri 2 window: the baseline the app's start-up and memory are compared with.

/// Called by the page once it has painted; the bench reads the mark, this only proves IPC works.
#[tauri::command]
fn ready() {}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ready])
        .run(tauri::generate_context!())
        .expect("empty window failed to run");
}
