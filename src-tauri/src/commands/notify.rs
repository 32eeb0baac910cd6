//! Desktop notifications: the window decides when (someone assigned you, mentioned you, or your card is due
//! tomorrow; each kind can be switched off there) and this shows them through tauri-plugin-notification. Each is
//! logged, shown or not: a computer without a notification service (a bare X server) only logs it.

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::error::CommandResult;

/// Shows a notification with a title and a body, or says why it could not.
type Show = dyn Fn(&str, &str) -> Result<(), String> + Send + Sync;

/// Shows notifications; kept in the app's state (it knows the app it belongs to).
pub struct Notifier(Box<Show>);

impl Notifier {
    /// Notifications of `app`, through its notification plugin if it has one (the tests' mock app does not).
    pub fn new<R: Runtime>(app: AppHandle<R>) -> Notifier {
        Notifier(Box::new(move |title, body| {
            if app
                .try_state::<tauri_plugin_notification::Notification<R>>()
                .is_none()
            {
                return Err("no notification plugin".into());
            }
            app.notification()
                .builder()
                .title(title)
                .body(body)
                .show()
                .map_err(|e| e.to_string())
        }))
    }
}

/// Shows a desktop notification with `title` and `body`. Not being able to show it is not an error the person
/// needs to hear about: it is logged.
#[tauri::command]
#[specta::specta]
pub async fn notify(
    notifier: tauri::State<'_, Notifier>,
    title: String,
    body: String,
) -> CommandResult<()> {
    tracing::info!(%title, %body, "desktop notification");
    if let Err(err) = (notifier.0)(&title, &body) {
        tracing::info!(error = %err, "the notification could not be shown");
    }
    Ok(())
}
