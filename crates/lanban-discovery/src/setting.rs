//! This computer's side of discovery, decided here once for the app and the headless server: whether the
//! environment turns discovery on or off, and the name a host announces.

/// The environment variable that turns discovery off (`0`, `off`, `false`) or on (`1`, `on`, `true`), overriding
/// any setting. Tests set it to `0` wherever they run in the machine's own network namespace.
pub const DISCOVERY_ENV: &str = "LANBAN_DISCOVERY";

/// What [`DISCOVERY_ENV`] decides: `Some(false)` off, `Some(true)` on, `None` when it is unset or says
/// something else (the caller's own setting or flag decides).
pub fn forced_by_environment() -> Option<bool> {
    std::env::var(DISCOVERY_ENV)
        .ok()
        .and_then(|value| parse_forced(&value))
}

fn parse_forced(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "0" | "off" | "false" => Some(false),
        "1" | "on" | "true" => Some(true),
        _ => None,
    }
}

/// This computer's name as teammates' Join screens show it: the first label of its host name (`studio-pc` of
/// `studio-pc.local`), or "Lanban host" when it has none.
pub fn computer_name() -> String {
    name_from_host_name(&gethostname::gethostname().to_string_lossy())
}

fn name_from_host_name(host: &str) -> String {
    match host.trim().split('.').next().map(str::trim) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => "Lanban host".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_forces_discovery_only_with_a_clear_answer() {
        for (value, forced) in [
            ("0", Some(false)),
            ("off", Some(false)),
            (" FALSE ", Some(false)),
            ("1", Some(true)),
            ("on", Some(true)),
            ("True", Some(true)),
            ("", None),
            ("maybe", None),
        ] {
            assert_eq!(parse_forced(value), forced, "{value:?}");
        }
    }

    #[test]
    fn the_computer_is_named_by_its_host_names_first_label() {
        for (host, name) in [
            ("studio-pc", "studio-pc"),
            ("studio-pc.local", "studio-pc"),
            (" office.example.org ", "office"),
            ("", "Lanban host"),
            (".local", "Lanban host"),
        ] {
            assert_eq!(name_from_host_name(host), name, "{host:?}");
        }
    }
}
