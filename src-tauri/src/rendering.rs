//! How WebKitGTK paints and caches the window on Linux: the painting chosen once before
//! WebKit starts, the cache model once the window exists.
//!
//! WebKitGTK paints with Skia on the GPU. On a machine without one, Mesa runs that OpenGL
//! on the CPU (llvmpipe): every tile is rasterised through a software GL, and the GL copies
//! of the posters stay in the web process. Skia's own CPU painting is then both faster and
//! smaller: a fling through the gallery took half the frame time and the web process held
//! hundreds of MiB less after a long scroll (docs/benchmarks.md, the eighth pass). WebKit
//! reads its rendering variables once per process, when it starts, so the choice is made
//! before the window exists; a value the creator set is never overridden.

use std::ffi::OsStr;
use std::path::Path;

/// WebKitGTK's switch to Skia's CPU painting (read by the web process it starts).
pub const CPU_RENDERING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// Whether OpenGL here runs on the CPU: Mesa was told so (`LIBGL_ALWAYS_SOFTWARE`), or the
/// machine has no DRM render node (`/dev/dri/renderD*`) for it to use a GPU through.
pub fn software_gl(always_software: Option<&OsStr>, dri: &Path) -> bool {
    let told = always_software.is_some_and(|v| !v.is_empty() && v != "0" && v != "false");
    let render_node = std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    });
    told || !render_node
}

/// Asks WebKit for CPU painting when OpenGL would run on the CPU anyway. Call before any
/// thread starts: it sets a variable of the process's environment.
pub fn choose_painting() {
    if !cfg!(target_os = "linux") || std::env::var_os(CPU_RENDERING).is_some() {
        return;
    }
    let always_software = std::env::var_os("LIBGL_ALWAYS_SOFTWARE");
    if software_gl(always_software.as_deref(), Path::new("/dev/dri")) {
        std::env::set_var(CPU_RENDERING, "1");
    }
}

/// Set to `web-browser` to keep WebKit's default cache model (for measuring).
pub const CACHE_MODEL_ENV: &str = "SEEDANCE_WEBKIT_CACHE_MODEL";

/// Tells WebKit the window is one document, not a browser. Its default cache model (a web
/// browser's) keeps a back/forward cache and, in the memory cache, "dead" resources: every
/// poster that scrolled out of the gallery stays decoded in the web process, up to a
/// quarter of a cache sized for browsing. The app never navigates back and asks the shell
/// for a poster again when a card returns (the thumbnail scheme answers from disk), so it
/// keeps none (docs/benchmarks.md, the ninth pass). The model applies to the web
/// processes already running too.
///
/// `SEEDANCE_WEBKIT_CACHE_MODEL=web-browser` keeps WebKit's default, so the app benchmark
/// can measure both in one build.
pub fn cache_as_document_viewer<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) {
    if std::env::var_os(CACHE_MODEL_ENV).is_some_and(|v| v == "web-browser") {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        let applied = window.with_webview(|webview| {
            use webkit2gtk::{WebContextExt, WebViewExt};
            if let Some(context) = webview.inner().context() {
                context.set_cache_model(webkit2gtk::CacheModel::DocumentViewer);
            }
        });
        if let Err(error) = applied {
            log::warn!("the window's cache model stays WebKit's default: {error}");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_painting_only_where_gl_runs_on_the_cpu() {
        let gpu = tempfile::tempdir().expect("temp dir");
        std::fs::write(gpu.path().join("card0"), b"").expect("card");
        std::fs::write(gpu.path().join("renderD128"), b"").expect("render node");
        let display_only = tempfile::tempdir().expect("temp dir");
        std::fs::write(display_only.path().join("card0"), b"").expect("card");
        let missing = gpu.path().join("no-such-dir");

        assert!(!software_gl(None, gpu.path()));
        assert!(software_gl(None, display_only.path()));
        assert!(software_gl(None, &missing));
        assert!(software_gl(Some(OsStr::new("1")), gpu.path()));
        assert!(!software_gl(Some(OsStr::new("0")), gpu.path()));
        assert!(!software_gl(Some(OsStr::new("")), gpu.path()));
    }
}
