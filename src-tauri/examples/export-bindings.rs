//! Regenerates `ui/src/bindings.ts` from the app's commands and events (an example, so installers leave it out).

fn main() -> Result<(), String> {
    let path = lanban_app::bindings_path();
    lanban_app::export_bindings(&path)?;
    println!("wrote {}", path.display());
    Ok(())
}
