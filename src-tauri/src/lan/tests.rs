//! The app's LAN discovery state: settings, what is advertised and seen.

use super::*;

use lanban_core::fingerprint::Fingerprint;

#[test]
fn the_setting_is_remembered_and_off_means_no_daemon() {
    let dir = tempfile::tempdir().unwrap();
    let lan = Lan::load_with(dir.path(), None);
    assert!(lan.status().enabled, "on by default");
    let (status, stopping) = lan.set_enabled(false).unwrap();
    stopping.finish();
    assert!(!status.enabled && !status.locked);
    // Advertising while off starts nothing (no mDNS daemon may start in the machine's own namespace here).
    let fingerprint = Fingerprint::of_der(b"cert");
    tauri::async_runtime::block_on(lan.advert_changed(std::future::ready(Some(HostAdvert {
        name: "studio-pc".into(),
        server_id: "id".into(),
        fingerprint,
        tag: fingerprint.tag().to_string(),
        boards: 1,
        took: Vec::new(),
        protocol: lanban_core::PROTOCOL_VERSION,
        port: 7420,
    }))));
    assert!(lan.lock().daemon.is_none());
    assert!(!lan.status().advertising);
    assert!(
        !Lan::load_with(dir.path(), None).status().enabled,
        "the choice survives a restart"
    );
}

#[test]
fn the_environment_overrides_the_setting_and_locks_it() {
    let dir = tempfile::tempdir().unwrap();
    let lan = Lan::load_with(dir.path(), Some(false));
    let status = lan.status();
    assert!(!status.enabled && status.locked);
    assert_eq!(
        lan.set_enabled(true).err().map(|e| e.code),
        Some(AppErrorCode::DiscoveryLocked)
    );
    assert!(!dir.path().join("settings.json").exists());
}

#[test]
fn a_found_host_is_listed_at_its_first_address() {
    let fingerprint = Fingerprint::of_der(b"cert");
    let advert = HostAdvert {
        name: "studio-pc".into(),
        server_id: "id".into(),
        fingerprint,
        tag: "7K".into(),
        boards: 2,
        took: Vec::new(),
        protocol: lanban_core::PROTOCOL_VERSION,
        port: 7420,
    };
    let found = FoundHost {
        advert: advert.clone(),
        addresses: vec!["10.0.0.5".parse().unwrap(), "10.0.1.5".parse().unwrap()],
    };
    let host = LanHost::from_found(&found).unwrap();
    assert_eq!(host.address, "10.0.0.5:7420");
    assert!(host.took.is_empty());
    assert_eq!(
        (host.boards, host.tag.as_str(), host.compatible),
        (2, "7K", true)
    );
    let silent = FoundHost {
        advert,
        addresses: vec![],
    };
    assert_eq!(
        LanHost::from_found(&silent),
        None,
        "a host with no IPv4 address cannot be joined"
    );
}

#[test]
fn a_board_taken_over_by_another_host_is_found_by_its_key_and_never_at_its_own_host() {
    let dir = tempfile::tempdir().unwrap();
    let lan = Lan::load_with(dir.path(), Some(false));
    let board: BoardId = "019ac1f4-5555-7ccc-9ddd-eeeeffff0003".parse().unwrap();
    let host = |fingerprint: &str, took: &[&str]| LanHost {
        name: "bea-laptop".into(),
        server_id: "id".into(),
        tag: "7K".into(),
        boards: 1,
        address: "10.0.0.6:7420".into(),
        fingerprint: fingerprint.into(),
        compatible: true,
        took: took.iter().map(|t| t.to_string()).collect(),
    };
    lock_seen(&lan.seen).hosts = vec![
        host("old-host", &["eeeeffff0003"]),
        host("other", &["000000000000"]),
    ];
    assert_eq!(lan.hosting_elsewhere(board, "old-host"), None);
    lock_seen(&lan.seen)
        .hosts
        .push(host("bea", &["eeeeffff0003"]));
    let found = lan.hosting_elsewhere(board, "old-host").unwrap();
    assert_eq!(found.fingerprint, "bea");
}
