//! Browser tests in Debian's headless Chromium: the owner's review page driven through
//! chromedriver (load, screenshot, click "Pause 7 days"), and the Temporal Web UI's workflow
//! list filtered by `ChaseState`.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use chaser_tests::*;
use fantoccini::{ClientBuilder, Locator};

const TOKEN: &str = "browser-token";

fn rules() -> String {
    seconds_rules(
        r#"[company.pause_cap]
max_pauses = 2
max_paused_days = 30

[[cadences.default.steps]]
when = "after_issue 30s"
move = "nudge"
"#,
    )
}

const HEADER: &str =
    "number,customer,contact_email,amount,currency,issue_date,due_date,owner_email,issued_at\n";

fn row(number: &str, test: &str) -> String {
    format!(
        "{number},Acme Ltd,{},1200.00,USD,{},{},{},{}\n",
        address(test, number),
        today(),
        today(),
        address(test, "owner"),
        in_secs(0)
    )
}

fn chromium() -> &'static str {
    "/usr/bin/chromium"
}

fn screenshot_dir() -> PathBuf {
    let dir = repo_root().join("target/e2e/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn started(name: &str, numbers: &[&str]) -> Chaser {
    // Both tests ask for the UI before the first one starts the shared stack.
    serve_temporal_ui();
    let mut chaser = Chaser::with_config(
        name,
        &rules(),
        Backend::Sqlite,
        &[("http.api_token", TOKEN.into())],
    );
    chaser.start_worker();
    let body: String = numbers.iter().map(|n| row(n, name)).collect();
    let path = chaser.csv("invoices.csv", &format!("{HEADER}{body}"));
    chaser.ok(&["import", &path]);
    chaser
}

#[tokio::test(flavor = "multi_thread")]
async fn the_review_page_pauses_a_chase_with_one_click() {
    let name = "browser-review";
    let pid = std::process::id();
    let number = format!("INV-BR-{pid}");
    let other = format!("INV-BO-{pid}");
    let chaser = started(name, &[&number, &other]);

    let port = free_port();
    let mut driver = Command::new("/usr/bin/chromedriver");
    driver.args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()]);
    let _driver = Service::spawn(
        "chromedriver",
        driver,
        &scratch_dir().join("chromedriver.log"),
    );
    wait_for("chromedriver", Duration::from_secs(30), || {
        port_open(port).then_some(())
    });

    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium(),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-dev-shm-usage", "--window-size=1200,900"]
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap();
    client
        .goto(&chaser.url(&format!("/review?token={TOKEN}")))
        .await
        .unwrap();
    let page = client.source().await.unwrap();
    assert!(page.contains(&number) && page.contains(&other), "{page}");
    let png = client.screenshot().await.unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 5_000,
        "a real screenshot"
    );
    std::fs::write(screenshot_dir().join("review.png"), &png).unwrap();

    let button = format!(r#"[data-invoice="{number}"] button[data-action="Pause 7 days"]"#);
    client
        .find(Locator::Css(&button))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let answer = client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(answer.contains("Paused until"), "{answer}");
    client.close().await.unwrap();

    let status = wait_for("the chase to be paused", Duration::from_secs(20), || {
        let s = chaser.status(&number);
        (s["state"] == "paused").then_some(s)
    });
    assert_eq!(status["pauses_used"], 1);
    assert_ne!(
        chaser.status(&other)["state"],
        "paused",
        "only the clicked invoice"
    );
}

/// Chromium's DOM of `url` once the page settled (virtual time), and a screenshot of it.
fn render(url: &str, screenshot: &Path) -> String {
    let profile = scratch_dir().join(format!(
        "chrome-{}",
        screenshot.file_stem().unwrap().to_string_lossy()
    ));
    let common = [
        "--headless".to_owned(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--no-first-run".into(),
        "--virtual-time-budget=10000".into(),
        "--window-size=1400,900".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let shot = Command::new(chromium())
        .args(&common)
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg(url)
        .output()
        .unwrap();
    assert!(shot.status.success(), "{}", stderr(&shot));
    let dom = Command::new(chromium())
        .args(&common)
        .arg("--dump-dom")
        .arg(url)
        .output()
        .unwrap();
    assert!(dom.status.success(), "{}", stderr(&dom));
    stdout(&dom)
}

#[test]
fn the_temporal_ui_lists_chases_filtered_by_chase_state() {
    let name = "browser-ui";
    let pid = std::process::id();
    let disputed = format!("INV-UD-{pid}");
    let running = format!("INV-UR-{pid}");
    let chaser = started(name, &[&disputed, &running]);
    chaser.ok(&["dispute", &disputed, "--reason", "wrong quantity"]);
    wait_for("the search attribute", Duration::from_secs(30), || {
        workflows_matching(&format!(
            "ChaseState = 'disputed' AND InvoiceNumber = '{disputed}'"
        ))
        .first()
        .cloned()
    });

    let ui = stack().temporal_ui.clone().unwrap();
    let query = "ChaseState=\"disputed\"";
    let url = format!(
        "{ui}/namespaces/default/workflows?query={}",
        url_encode(query)
    );
    let png = screenshot_dir().join("temporal-ui-disputed.png");
    let dom = render(&url, &png);
    assert!(
        std::fs::metadata(&png).unwrap().len() > 5_000,
        "a real screenshot"
    );
    assert!(
        dom.contains(&format!("invoice-{disputed}")),
        "the disputed chase is listed:\n{dom}"
    );
    assert!(
        !dom.contains(&format!("invoice-{running}")),
        "the running one is filtered out"
    );
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
