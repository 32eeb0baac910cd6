//! The load tool's smoke mode, as CI runs it: every scenario, small and short, against a server the tool starts.
//! Checks correctness only (no loss, duplicate, reorder or failed request); asserts no times.

use std::process::Command;

#[test]
fn every_scenario_runs_and_every_delivery_checks_out() {
    let output = Command::new(env!("CARGO_BIN_EXE_lanban-bench"))
        .args(["smoke", "--json"])
        .output()
        .expect("the load tool runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "smoke failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let reports: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON report");
    let reports = reports.as_array().expect("a list of reports");
    let scenarios: Vec<&str> = reports
        .iter()
        .map(|r| r["scenario"].as_str().expect("a scenario name"))
        .collect();
    assert_eq!(
        scenarios,
        [
            "fanout", "fanout", "idle", "catchup", "storm", "office", "edits"
        ]
    );
    let figure = |report: &serde_json::Value, name: &str| -> f64 {
        report["median"]
            .as_array()
            .expect("figures")
            .iter()
            .find(|m| m["name"] == name)
            .and_then(|m| m["value"].as_f64())
            .unwrap_or_else(|| panic!("no figure {name} in {report}"))
    };
    for report in reports {
        assert_eq!(report["correct"], true, "{report}");
        assert!(
            report["runs"][0]["violations"]
                .as_array()
                .expect("a list")
                .is_empty()
        );
    }
    // Work really happened: every mutation sent was committed and delivered (the tool checked each one).
    for fanout in &reports[..2] {
        let sent = figure(fanout, "mutations sent");
        assert!(sent > 0.0, "{fanout}");
        assert_eq!(figure(fanout, "committed"), sent);
    }
    assert_eq!(figure(&reports[2], "sockets open"), 200.0);
    // The office day (1 s at 100 actions/s) made every kind of change, each timed at every member.
    let office = &reports[5];
    for count in [
        "edits",
        "moves",
        "comments",
        "presence changes",
        "reconnects",
    ] {
        assert!(figure(office, count) > 0.0, "no {count}: {office}");
    }
    assert!(figure(office, "edit p99") > 0.0, "{office}");
    // Every description edit was answered, with the description sent (checked by the tool), and timed.
    assert!(
        figure(&reports[6], "description edit max") > 0.0,
        "{}",
        reports[6]
    );
}
