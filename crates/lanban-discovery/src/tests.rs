//! Adverts and their board keys, what a browse keeps of what it hears, which addresses count as the LAN, and the
//! namespace guard.

use super::*;

fn advert() -> HostAdvert {
    HostAdvert {
        name: "studio-pc".into(),
        server_id: "k3J9bQ2xWmTq7vLp0aZc1d".into(),
        fingerprint: Fingerprint::of_der(b"cert"),
        tag: Fingerprint::of_der(b"cert").tag().to_string(),
        boards: 2,
        took: vec!["0123456789ab".into(), "cdef01234567".into()],
        protocol: 1,
        port: 7420,
    }
}

#[test]
fn a_board_key_is_the_random_end_of_its_id_and_garbled_keys_are_dropped() {
    let board: lanban_core::ids::BoardId = "019ac1f4-5555-7ccc-9ddd-eeeeffff0003".parse().unwrap();
    assert_eq!(board_key(board), "eeeeffff0003");
    let mut txt: BTreeMap<&str, String> = advert().txt().into_iter().collect();
    txt.insert("took", "eeeeffff0003,NOT-A-KEY,,0123456789abc".into());
    let read = HostAdvert::from_txt(|k| txt.get(k).cloned(), 7420).unwrap();
    assert_eq!(read.took, ["eeeeffff0003"]);
}

#[test]
fn an_advert_round_trips_through_its_txt_record() {
    let a = advert();
    let txt: BTreeMap<&str, String> = a.txt().into_iter().collect();
    let read = HostAdvert::from_txt(|k| txt.get(k).cloned(), 7420).unwrap();
    assert_eq!(read, a);
}

/// What a browser hears when `advert` is announced under `instance` from `ip`.
fn heard(advert: &HostAdvert, instance: &str, ip: &str) -> ServiceEvent {
    let txt = advert.txt();
    let properties: Vec<(&str, &str)> = txt.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let info = ServiceInfo::new(
        SERVICE_TYPE,
        instance,
        "lanban-test.local.",
        ip,
        advert.port,
        &properties[..],
    )
    .unwrap();
    ServiceEvent::ServiceResolved(Box::new(info.as_resolved_service()))
}

#[test]
fn a_later_announcement_under_the_same_name_never_replaces_a_host() {
    let real = advert();
    let impostor = HostAdvert {
        fingerprint: Fingerprint::of_der(b"impostor"),
        tag: Fingerprint::of_der(b"impostor").tag().to_string(),
        ..advert()
    };
    let mut seen = Seen::default();
    assert!(seen.apply(heard(&real, "studio-pc", "10.0.0.5")));
    // The same name, replayed with another certificate from another address: a second entry.
    assert!(seen.apply(heard(&impostor, "studio-pc", "10.0.0.66")));
    let hosts = seen.hosts();
    assert_eq!(hosts.len(), 2);
    assert!(
        hosts
            .iter()
            .any(|h| h.advert.fingerprint == real.fingerprint
                && h.addresses == ["10.0.0.5".parse::<IpAddr>().unwrap()])
    );
    // The real host announcing again changes nothing; a goodbye for the name removes both.
    assert!(!seen.apply(heard(&real, "studio-pc", "10.0.0.5")));
    let fullname = format!("studio-pc.{SERVICE_TYPE}");
    assert!(seen.apply(ServiceEvent::ServiceRemoved(SERVICE_TYPE.into(), fullname)));
    assert!(seen.hosts().is_empty());
}

#[test]
fn a_record_missing_or_garbling_a_required_key_is_ignored() {
    let a = advert();
    for broken in ["fp", "v", "name", "tag", "id"] {
        let txt: BTreeMap<&str, String> =
            a.txt().into_iter().filter(|(k, _)| *k != broken).collect();
        assert_eq!(
            HostAdvert::from_txt(|k| txt.get(k).cloned(), 7420),
            None,
            "without {broken}"
        );
    }
    let mut txt: BTreeMap<&str, String> = a.txt().into_iter().collect();
    txt.insert("fp", "not a fingerprint".into());
    assert_eq!(HostAdvert::from_txt(|k| txt.get(k).cloned(), 7420), None);
    txt.insert("fp", a.fingerprint.to_string());
    txt.insert("name", "x".repeat(MAX_TXT_VALUE + 1));
    assert_eq!(HostAdvert::from_txt(|k| txt.get(k).cloned(), 7420), None);
    // A tag its fingerprint does not make.
    let mut txt: BTreeMap<&str, String> = a.txt().into_iter().collect();
    let other = if a.tag == "7K" { "7M" } else { "7K" };
    txt.insert("tag", other.into());
    assert_eq!(HostAdvert::from_txt(|k| txt.get(k).cloned(), 7420), None);
}

#[test]
fn only_lan_addresses_are_kept() {
    for ip in ["10.0.0.5", "192.168.1.20", "172.17.0.1"] {
        assert!(is_lan_address(&ip.parse().unwrap()), "{ip}");
    }
    for ip in [
        "127.0.0.1",
        "127.9.9.9",
        "0.0.0.0",
        "224.0.0.251",
        "255.255.255.255",
        "169.254.1.1",
        "::1",
        "fe80::1",
    ] {
        assert!(!is_lan_address(&ip.parse().unwrap()), "{ip}");
    }
}

#[test]
fn with_the_guard_set_no_daemon_starts_outside_the_named_namespace() {
    // This test process is not inside a namespace of that name (none exists).
    let name = format!("lanban-no-such-namespace-{}", std::process::id());
    assert!(matches!(
        check_namespace(Some(&name)),
        Err(DiscoveryError::OutsideNamespace(_))
    ));
    assert!(check_namespace(None).is_ok());
}
