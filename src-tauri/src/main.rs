//! `lanban`: the desktop app.
#![cfg_attr(
    all(not(debug_assertions), target_os = "windows"),
    windows_subsystem = "windows"
)]

fn main() -> anyhow::Result<()> {
    // Before any thread starts: it may set an environment variable for WebKit.
    lanban_app::painting::choose();
    // Before the app allocates much: how its `malloc` gives memory back.
    lanban_app::allocator::configure();
    lanban_app::run()
}
