//! Links in descriptions and comments open in the person's browser (or mail app), never in the app's window, and
//! only after the window has shown the address and the person chose to open it.

use crate::error::{AppErrorCode, CommandError, CommandResult};

/// The schemes a link may open with: the web and mail. Anything else (`file:`, `javascript:`, an app's own
/// scheme) is refused.
const SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Whether `url` is a link this app opens.
fn openable(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| SCHEMES.contains(&u.scheme()))
}

/// Opens a web or mail link with the system's default handler.
#[tauri::command]
#[specta::specta]
pub async fn open_link(url: String) -> CommandResult<()> {
    if !openable(&url) {
        return Err(CommandError::new(
            AppErrorCode::ValidationFailed,
            "Only web and mail links open from Lanban.",
        ));
    }
    tauri_plugin_opener::open_url(url, None::<&str>).map_err(|e| {
        CommandError::new(
            AppErrorCode::Internal,
            format!("The link could not be opened: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_mail_links_open() {
        for ok in [
            "https://example.com/a?b=c",
            "http://192.168.1.5:8080",
            "mailto:ann@example.com",
        ] {
            assert!(openable(ok), "{ok}");
        }
        for refused in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "lanban://join?code=X",
            "example.com",
            "",
        ] {
            assert!(!openable(refused), "{refused}");
        }
    }
}
