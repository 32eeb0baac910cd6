//! How the web view paints on Linux. WebKitGTK composites the page with OpenGL by default; on a computer without
//! a GPU (no DRM render node: a virtual machine, a remote desktop, Xvfb) that OpenGL is Mesa's software rasteriser,
//! and the window was slower and heavier than painting directly. Measured under Xvfb with a 2,000-card board
//! (`e2e/test_large_board.py`, docs/performance.md): a drag's frames went from a median of 30 ms to 9 ms, a cold
//! start to a painted board from ~1.1 s to ~0.7 s, and a member's whole app from 325 MB to 201 MB. So without a
//! render node the app asks WebKit to paint without compositing. Then nothing in the window draws with OpenGL, so
//! the app also keeps GTK from setting up GLX (`GDK_GL=disable`) and WebKit from its DMA-BUF renderer (used only
//! to composite): the app's process 5 MB smaller at the start screen and its page loading ~30 ms sooner (medians of
//! six starts each, session 13). And it names the web process's render node itself, as there is none: WebKit's
//! side in the app's process otherwise sets up EGL only to ask it for that node, which on Mesa loads its software
//! rasteriser and LLVM into the app's process for nothing (the whole app ~17 MB smaller, session 14; the web process
//! still sets up EGL, WebKit requires it there). A variable the user set themselves is left as they set it, and with
//! `WEBKIT_DISABLE_COMPOSITING_MODE` set, the app sets none.

#[cfg(target_os = "linux")]
use std::path::Path;

/// WebKitGTK's switch: set to anything but `0`, the page is painted without compositing.
#[cfg(target_os = "linux")]
const DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// What else is set along with it: GTK's OpenGL, and WebKit's renderer for composited frames, both unused then;
/// and the render node the web process would draw composited frames with. WebKit only opens that node for the
/// renderer turned off here, and when it fails to, goes on without one; any value spares the app's process the EGL
/// set-up WebKit would otherwise do to find it. The path names what it is: no render node on this computer.
#[cfg(target_os = "linux")]
const WITHOUT_COMPOSITING: [(&str, &str); 3] = [
    ("GDK_GL", "disable"),
    ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
    ("WEBKIT_WEB_RENDER_DEVICE_FILE", "/dev/dri/none"),
];

/// Chooses how the web view paints. Call first thing in `main`, before any other thread exists: it may set an
/// environment variable, which WebKit reads when it starts.
pub fn choose() {
    #[cfg(target_os = "linux")]
    if std::env::var_os(DISABLE_COMPOSITING).is_none() && !has_render_node(Path::new("/dev/dri")) {
        for (name, value) in [(DISABLE_COMPOSITING, "1")]
            .into_iter()
            .chain(WITHOUT_COMPOSITING)
        {
            if std::env::var_os(name).is_none() {
                // SAFETY: `main` calls this before starting any thread, so nothing reads the environment meanwhile.
                unsafe { std::env::set_var(name, value) };
            }
        }
    }
}

/// Whether the page is composited (for the log): WebKit turns compositing off for any value but `0`.
pub fn composited() -> bool {
    #[cfg(target_os = "linux")]
    {
        std::env::var_os(DISABLE_COMPOSITING).is_none_or(|value| value == "0")
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

/// Whether `dri` holds a render node (`renderD128`, …): a GPU the web view's OpenGL can draw with.
#[cfg(target_os = "linux")]
fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
    })
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_render_node_means_a_gpu_and_anything_else_does_not() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_render_node(&dir.path().join("missing")));
        assert!(!has_render_node(dir.path()));
        std::fs::write(dir.path().join("card0"), "").unwrap();
        assert!(!has_render_node(dir.path()));
        std::fs::write(dir.path().join("renderD128"), "").unwrap();
        assert!(has_render_node(dir.path()));
    }
}
