//! Browser tests in Debian's headless Chromium: the owner's cockpit driven through
//! chromedriver (load, screenshot, an action of each kind), and the Temporal Web UI's
//! workflow list filtered by `ChaseState`.

#![allow(clippy::unwrap_used)]

mod cockpit;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use chaser_domain::ChaseState;
use chaser_tests::*;
use fantoccini::{ClientBuilder, Locator};

/// The port of the chaser whose codec server the Web UI calls (`--ui-codec-endpoint` is set
/// when the dev server starts, before any chaser exists).
fn codec_port() -> u16 {
    static PORT: std::sync::OnceLock<u16> = std::sync::OnceLock::new();
    *PORT.get_or_init(free_port)
}

/// Every test asks for the UI, pointed at the codec server, before the first one starts the
/// shared stack.
fn ui_stack() -> &'static Stack {
    serve_temporal_ui();
    configure_server(&[
        "--ui-codec-endpoint",
        &format!("http://127.0.0.1:{}/codec", codec_port()),
    ]);
    stack()
}

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
    started_with(name, numbers, &[])
}

fn started_with(name: &str, numbers: &[&str], settings: &[(&str, toml::Value)]) -> Chaser {
    ui_stack();
    let mut chaser = Chaser::with_config(name, &rules(), Backend::Sqlite, settings);
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

    let (_driver, client, _) = browser("review").await;
    sign_in(&client, &chaser).await;
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
        (s.state == ChaseState::Paused).then_some(s)
    });
    assert_eq!(status.pauses_used, 1);
    assert_ne!(
        chaser.status(&other).state,
        ChaseState::Paused,
        "only the clicked invoice"
    );
}

/// Chromium driven through chromedriver (kept alive by the returned service), and the
/// driver's port.
async fn browser(name: &str) -> (Service, fantoccini::Client, u16) {
    let port = free_port();
    let mut driver = Command::new("/usr/bin/chromedriver");
    driver.args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()]);
    let driver = Service::spawn(
        "chromedriver",
        driver,
        &scratch_dir().join(format!("chromedriver-{name}.log")),
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
                     "--disable-dev-shm-usage", "--window-size=1400,900"]
        }),
    );
    capabilities.insert(
        "goog:loggingPrefs".into(),
        serde_json::json!({ "browser": "ALL" }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap();
    (driver, client, port)
}

/// The browser console's errors so far (chromedriver's log of the `browser` type).
async fn console_errors(port: u16, client: &fantoccini::Client) -> Vec<serde_json::Value> {
    let session = client.session_id().await.unwrap().expect("a session");
    let url = format!("http://127.0.0.1:{port}/session/{session}/se/log");
    let (status, log) = tokio::task::spawn_blocking(move || {
        post_raw(
            &url,
            &[("Content-Type", "application/json")],
            r#"{"type":"browser"}"#,
        )
    })
    .await
    .unwrap();
    assert_eq!(status, 200, "{log}");
    log["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["level"] == "SEVERE")
        .cloned()
        .collect()
}

/// Signs in as the owner on the sign-in page, as a person would; lands on the review.
async fn sign_in(client: &fantoccini::Client, chaser: &Chaser) {
    client.goto(&chaser.url("/login")).await.unwrap();
    client
        .find(Locator::Css("input[name=token]"))
        .await
        .unwrap()
        .send_keys(&chaser.secrets.api)
        .await
        .unwrap();
    client
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The click returns once the form is submitted, not once its redirect has
    // loaded: on a busy machine the page may still be the sign-in page.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let at = client.current_url().await.unwrap();
        if at.path() != "/login" || std::time::Instant::now() > deadline {
            assert_eq!(at.path(), "/review", "signed in");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
        dom.contains(&workflow_id(&disputed)),
        "the disputed chase is listed:\n{dom}"
    );
    assert!(
        !dom.contains(&workflow_id(&running)),
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

#[tokio::test(flavor = "multi_thread")]
async fn the_temporal_ui_shows_a_chase_decoded_by_the_codec_server() {
    let name = "browser-codec";
    let number = format!("INV-BC-{}", std::process::id());
    let ui = ui_stack().temporal_ui.clone().unwrap();
    let settings = [
        ("http.listen", format!("127.0.0.1:{}", codec_port()).into()),
        (
            "codec.ui_origins",
            toml::Value::Array(vec![ui.clone().into()]),
        ),
    ];
    let chaser = started_with(name, &[&number], &settings);
    let workflow = workflow_id(&number);
    let described: serde_json::Value = serde_json::from_str(&temporal(&[
        "workflow", "describe", "-w", &workflow, "-o", "json",
    ]))
    .unwrap();
    let run = described["workflowExecutionInfo"]["execution"]["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let contact = address(name, &number);
    let page = format!("{ui}/namespaces/default/workflows/{workflow}/{run}/history");

    let (_driver, client, _) = browser("codec").await;
    // Not signed in: the codec server refuses, and the UI has only ciphertext to show.
    client.goto(&page).await.unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let locked = client.source().await.unwrap();
    assert!(!locked.contains(&contact), "decoded without signing in");

    // Signed in at the chaser, and the UI's codec settings overridden in this browser with
    // the same endpoint and "Include cross-origin credentials" ticked (what a person does in
    // the settings dialog): the same page shows the chase's input decoded.
    sign_in(&client, &chaser).await;
    client.goto(&page).await.unwrap();
    let endpoint = serde_json::json!(format!("{}/codec", chaser.url(""))).to_string();
    client
        .execute(
            "const [endpoint] = arguments;
             window.localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
             window.localStorage.setItem('endpoint', endpoint);
             window.localStorage.setItem('includeCredentials', 'true');
             return true;",
            vec![serde_json::Value::String(endpoint)],
        )
        .await
        .unwrap();
    client.goto(&page).await.unwrap();
    let mut decoded = String::new();
    for _ in 0..60 {
        decoded = client.source().await.unwrap();
        if decoded.contains(&contact) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join("temporal-ui-decoded.png"), &png).unwrap();
    assert!(
        decoded.contains(&contact),
        "the UI shows the decoded input:\n{decoded}"
    );
    client.close().await.unwrap();
}
