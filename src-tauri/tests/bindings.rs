//! The checked-in `ui/src/bindings.ts` is exactly what the commands and events generate.

#[test]
fn bindings_are_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("bindings.ts");
    lanban_app::export_bindings(&fresh).unwrap();
    let fresh = std::fs::read_to_string(fresh).unwrap();
    let checked_in = std::fs::read_to_string(lanban_app::bindings_path()).unwrap_or_default();
    assert!(
        fresh == checked_in,
        "ui/src/bindings.ts is out of date: run `cargo run -p lanban-app --example export-bindings` and commit it"
    );
}
