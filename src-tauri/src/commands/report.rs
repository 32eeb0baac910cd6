//! A bug in the window is never silent: the window shows it in a toast and hands it here, so it lands in the app's
//! log beside everything else the app did (for a support request, and for the end-to-end tests, which fail on it).

/// The longest message kept: a runaway error text is cut, the log stays readable.
const MAX_CHARS: usize = 2_000;

/// Logs an error the window hit (an uncaught exception or an unhandled promise rejection).
#[tauri::command]
#[specta::specta]
pub async fn report_window_error(message: String) {
    let message: String = message.chars().take(MAX_CHARS).collect();
    tracing::error!(error = %message, "the window hit an error");
}
