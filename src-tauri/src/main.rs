//! `lanban`: the desktop app.
#![cfg_attr(
    all(not(debug_assertions), target_os = "windows"),
    windows_subsystem = "windows"
)]

fn main() -> anyhow::Result<()> {
    // Before any thread starts: it may set an environment variable for WebKit.
    lanban_app::painting::choose();
    lanban_app::run()
}
