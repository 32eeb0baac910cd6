//! Builds the Tauri context from the repository's root `tauri.conf.json`.

fn main() {
    if let Err(err) = tauri_build::try_build(tauri_build::Attributes::new()) {
        panic!("tauri build failed: {err:#}");
    }
}
