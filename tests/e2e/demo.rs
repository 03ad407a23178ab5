//! `make demo`'s script, run as a newcomer runs it: the catch-up messages land in the local
//! SES emulator's mailbox, the printed link opens the cockpit with the demo's invoices, and
//! `chaser paid` adds the thank-you.

use std::process::Command;
use std::time::Duration;

use chaser_tests::{
    Service, chaser_bin, free_port, get_with, mail_at, port_open, repo_root, scratch_dir, wait_for,
};

/// The running demo. Its services run in sessions of their own (as `make demo` starts them),
/// beyond the reach of a killed process group: dropping this asks the script to stop them, as
/// Ctrl-C does, even when the test fails.
struct Demo(Service);

impl Drop for Demo {
    fn drop(&mut self) {
        self.0.signal("TERM");
    }
}

#[test]
fn the_demo_mails_its_catch_up_messages_to_the_local_mailbox_and_thanks_after_paid() {
    let dir = scratch_dir().join("demo");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let [temporal, temporal_http, temporal_metrics, ui, ses, http] =
        std::array::from_fn(|_| free_port());
    let mut command = Command::new("bash");
    command
        .arg("scripts/demo.sh")
        .current_dir(repo_root())
        .env("DEMO_DIR", &dir)
        .env("DEMO_CHASER", chaser_bin())
        .env("TEMPORAL_PORT", temporal.to_string())
        .env("TEMPORAL_HTTP_PORT", temporal_http.to_string())
        .env("TEMPORAL_METRICS_PORT", temporal_metrics.to_string())
        .env("UI_PORT", ui.to_string())
        .env("SES_PORT", ses.to_string())
        .env("HTTP_PORT", http.to_string())
        .env_remove("MODE");
    let demo = Demo(Service::spawn("the demo", command, &dir.join("demo.log")));
    let ses_url = format!("http://127.0.0.1:{ses}");
    let log = || std::fs::read_to_string(dir.join("demo.log")).unwrap_or_default();

    // The overdue invoices' catch-up messages, sent for real to the emulator: Gamma's nudge,
    // Delta's follow-up, and Epsilon's escalation to the owner.
    let overdue = [
        "accounts@gamma.example",
        "billing@delta.example",
        "owner@chaser.example",
    ];
    wait_for("the catch-up messages", Duration::from_secs(180), || {
        let mail = if port_open(ses) {
            mail_at(&ses_url)
        } else {
            Vec::new()
        };
        overdue
            .iter()
            .all(|a| mail.iter().any(|m| m.is_to(a)))
            .then_some(())
    });
    let printed = log();
    assert!(printed.contains("mode: live"), "{printed}");
    let cockpit = format!("http://127.0.0.1:{http}/review");
    assert!(printed.contains(&cockpit), "{printed}");
    // The printed link, with the printed token, opens the cockpit with the demo's invoices.
    let token = printed
        .split("sign in with the API token: ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no token printed:\n{printed}"));
    let page = get_with(&cockpit, &[("Authorization", &format!("Bearer {token}"))]);
    assert_eq!(page.status, 200, "{}", page.body);
    for shown in [
        "What goes out",
        "What needs you",
        "Where the money stands",
        "Since yesterday",
        "INV-1003",
    ] {
        assert!(page.body.contains(shown), "{shown}:\n{}", page.body);
    }
    // Not yet due, or paid: no mail.
    let mail = mail_at(&ses_url);
    for quiet in ["ap@acme.example", "keiri@zeta.example"] {
        assert!(!mail.iter().any(|m| m.is_to(quiet)), "{quiet}");
    }

    // The printed next step: `chaser paid INV-1004` thanks Delta.
    let paid = Command::new(chaser_bin())
        .args(["paid", "INV-1004", "--reference", "bank-42"])
        .env("CHASER_CONFIG", dir.join("chaser.toml"))
        .env("TEMPORAL_ADDRESS", format!("127.0.0.1:{temporal}"))
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(paid.status.success(), "{paid:?}");
    wait_for("the thank-you", Duration::from_secs(30), || {
        mail_at(&ses_url)
            .iter()
            .any(|m| m.is_to("billing@delta.example") && m.subject.to_lowercase().contains("thank"))
            .then_some(())
    });
    drop(demo);
    wait_for(
        "the demo's services stopped",
        Duration::from_secs(15),
        || (!port_open(ses) && !port_open(http) && !port_open(temporal)).then_some(()),
    );
}
