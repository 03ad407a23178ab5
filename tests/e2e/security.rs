//! The security review's findings, each replayed against the real worker over HTTP: the attack
//! is refused, and nothing changed (no invoice, chase, document, audit row or cookie).

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chaser_activities::links::{Links, Purpose};

use crate::support::*;

/// Starting the worker with `key` set to `value` fails, naming the key and not the value.
fn refused_with(name: &str, key: &str, value: &str, says: &str) {
    let chaser = Chaser::with_config(name, &rules(), Backend::Sqlite, &[(key, value.into())]);
    let out = chaser.worker_refuses();
    let error = stderr(&out);
    assert!(error.contains(key), "{key}: {error}");
    assert!(error.contains(says), "{key} ({says}): {error}");
    if value.len() > 3 {
        assert!(!error.contains(value), "the value is printed: {error}");
    }
}

#[test]
fn the_worker_refuses_to_start_with_each_kind_of_weak_secret_naming_the_key() {
    refused_with("weak-empty", "http.accounting_secret", "", "is empty");
    refused_with(
        "weak-placeholder",
        "links.secret",
        "change-me-to-a-long-random-string",
        "placeholder",
    );
    refused_with(
        "weak-short",
        "http.api_token",
        "a1b2c3d4e5f6",
        "12 characters long",
    );
    refused_with(
        "weak-repeated",
        "http.bank_secret",
        "abababababababababababababababababab",
        "different characters",
    );
    refused_with("weak-ses", "http.ses_events_token", "", "is empty");
    refused_with(
        "weak-codec",
        "codec.key",
        &format!("k1:{}", B64.encode([0u8; 32])),
        "not random",
    );
    refused_with(
        "weak-codec-short",
        "codec.key",
        &format!("k1:{}", B64.encode([7u8; 16])),
        "32 random bytes",
    );
    // One value for two lanes: whoever holds the bank's secret could forge accounting events.
    let shared = random_secret();
    let reused = Chaser::with_config(
        "weak-shared",
        &rules(),
        Backend::Sqlite,
        &[
            ("http.accounting_secret", shared.clone().into()),
            ("http.inbound_secret", shared.into()),
        ],
    );
    let error = stderr(&reused.worker_refuses());
    assert!(
        error.contains("http.inbound_secret is the same as http.accounting_secret"),
        "{error}"
    );
}

#[test]
fn a_webhook_with_an_overflowing_timestamp_is_refused_and_the_worker_lives() {
    let chaser = chaser("sec-overflow", Backend::Sqlite);
    let body = r#"{"id":"evt-overflow","type":"invoice.paid","data":{"number":"INV-1"}}"#;
    let (status, answer) = post_raw(
        &chaser.url("/webhooks/accounting"),
        &[
            ("X-Chaser-Timestamp", "-9223372036854775808"),
            ("X-Chaser-Signature", "v1=00"),
        ],
        body,
    );
    assert_eq!(status, 401, "{answer}");
    assert_eq!(get(&chaser.url("/healthz")).status, 200, "still serving");
    // SES events with an empty token are refused too.
    let (status, _) = post_raw(&chaser.url("/webhooks/ses?token="), &[], "{}");
    assert_eq!(status, 401);
}

#[test]
fn a_request_whose_headers_never_finish_is_dropped() {
    let mut chaser = Chaser::with_config(
        "sec-slow",
        &rules(),
        Backend::Sqlite,
        &[("http.header_timeout", "2s".into())],
    );
    chaser.start_worker();
    let mut slow = std::net::TcpStream::connect(("127.0.0.1", chaser.http_port)).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let started = Instant::now();
    let mut buffer = [0u8; 512];
    // The server closes the connection (a read of 0 bytes, or a 408) once the deadline passes.
    let read = slow.read(&mut buffer).unwrap_or(0);
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(8),
        "the half-sent request was held {waited:?}"
    );
    let answer = String::from_utf8_lossy(&buffer[..read]);
    assert!(read == 0 || answer.contains("408"), "{answer}");
    assert_eq!(get(&chaser.url("/healthz")).status, 200, "still serving");
}

fn created(number: &str, customer: &str, pay_url: &str, pdf_url: &str, owner: &str) -> String {
    serde_json::json!({
        "id": format!("evt-{number}-{}", customer.len() + pay_url.len() + pdf_url.len()),
        "type": "invoice.created",
        "data": {
            "number": number,
            "customer": { "id": "acme", "name": customer },
            "contacts": [{ "email": "ap@acme.example", "roles": ["billing"] }],
            "amount": "1200.00", "currency": "USD",
            "issue_date": today(), "due_date": today(),
            "pay_url": pay_url, "pdf_url": pdf_url,
            "owner_email": owner
        }
    })
    .to_string()
}

#[test]
fn hostile_links_and_overlong_fields_are_refused_at_the_door_and_nothing_is_stored() {
    let name = "sec-fields";
    let chaser = chaser(name, Backend::Sqlite);
    let url = chaser.url("/webhooks/accounting");
    let owner = address(name, "owner");
    let number = format!("INV-SF-{}", std::process::id());
    let ok_pay = "https://pay.example/1";
    let ok_pdf = "https://files.example/1.pdf";
    let attacks = [
        (
            "Acme Ltd".to_owned(),
            ok_pay,
            "javascript:x\"><img src=x onerror=alert(1)>",
            "pdf_url",
        ),
        (
            "Acme Ltd".to_owned(),
            "javascript:alert(document.cookie)",
            ok_pdf,
            "pay_url",
        ),
        (
            "Acme Ltd".to_owned(),
            "http://pay.example/1",
            ok_pdf,
            "pay_url",
        ),
        ("x".repeat(3_000), ok_pay, ok_pdf, "customer.name"),
    ];
    for (customer, pay, pdf, field) in attacks {
        // Twice: the retry gets the same answer, never "unchanged".
        for _ in 0..2 {
            let body = created(&number, &customer, pay, pdf, &owner);
            let (status, answer) = post_webhook(&url, &chaser.secrets.accounting, &body);
            assert_eq!(status, 400, "{field}: {answer}");
            assert!(
                answer["error"].as_str().unwrap_or("").contains(field),
                "{field}: {answer}"
            );
        }
    }
    let unknown = chaser.run(&["status", &number]);
    assert!(!unknown.status.success(), "nothing was stored");
    assert!(workflows_matching(&format!("InvoiceNumber = '{number}'")).is_empty());

    // A real invoice, then a 1.5 MB reason: refused by name, the chase unchanged.
    let (status, answer) = post_webhook(
        &url,
        &chaser.secrets.accounting,
        &created(&number, "Acme Ltd", ok_pay, ok_pdf, &owner),
    );
    assert_eq!(status, 200, "{answer}");
    let huge = serde_json::json!({ "reason": "x".repeat(1_500_000) }).to_string();
    let (status, answer) = post_raw(
        &chaser.url(&format!("/api/invoices/{number}/dispute")),
        &[("Authorization", &format!("Bearer {}", chaser.secrets.api))],
        &huge,
    );
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["error"].as_str().unwrap_or("").contains("reason"),
        "{answer}"
    );
    assert_ne!(chaser.status(&number).state, ChaseState::Disputed);
    let audit = chaser.ok(&["audit", &number, "--json"]);
    assert!(!audit.contains("dispute"), "{audit}");
}

#[test]
fn an_accounting_event_with_a_bank_payments_id_is_not_a_duplicate() {
    let name = "sec-dedupe";
    let chaser = chaser(name, Backend::Sqlite);
    let mut invoice = Invoice::new(name, "INV-DD");
    import(&chaser, &[invoice.row(false)]);
    let shared_id = format!("evt-shared-{}", std::process::id());
    // A partial bank payment under some id...
    let bank = serde_json::json!({ "payments": [{
        "id": shared_id, "date": today(), "amount": "200.00", "currency": "USD",
        "payer": "Acme", "remittance": format!("Invoice {}", invoice.number)
    }] })
    .to_string();
    let (status, answer) = post_webhook(&chaser.url("/webhooks/bank"), &chaser.secrets.bank, &bank);
    assert_eq!(status, 200, "{answer}");
    // ...then the accounting tool's `invoice.paid` that happens to use the same id.
    let paid = serde_json::json!({ "id": shared_id, "type": "invoice.paid",
        "data": { "number": invoice.number } })
    .to_string();
    let (status, answer) = post_webhook(
        &chaser.url("/webhooks/accounting"),
        &chaser.secrets.accounting,
        &paid,
    );
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("processed")),
        "{answer}"
    );
    wait_for("the invoice to be paid", Duration::from_secs(20), || {
        (chaser.status(&invoice.number).state == ChaseState::Paid).then_some(())
    });
    // The same accounting event again is the duplicate.
    let (_, again) = post_webhook(
        &chaser.url("/webhooks/accounting"),
        &chaser.secrets.accounting,
        &paid,
    );
    assert_eq!(again["status"], "duplicate", "{again}");
}

#[test]
fn a_pay_link_opened_again_and_again_is_recorded_once_and_only_redirects_to_https() {
    let name = "sec-clicks";
    let chaser = chaser(name, Backend::Sqlite);
    let mut invoice = Invoice::new(name, "INV-PC");
    import(&chaser, &[invoice.row(false)]);
    let links = Links::new(&chaser.secrets.links, &chaser.url(""));
    let claims = Links::claims(
        Purpose::Pay,
        &invoice.number,
        &invoice.workflow_id(),
        "",
        "",
        jiff::Timestamp::now(),
        jiff::SignedDuration::from_hours(24),
    );
    let pay = links.url("pay", &claims);
    for _ in 0..30 {
        let page = get(&pay);
        assert_eq!(page.status, 302);
        assert_eq!(
            page.location.as_deref(),
            Some(format!("https://pay.example/{}", invoice.number).as_str())
        );
    }
    std::thread::sleep(Duration::from_secs(2));
    let status = chaser.status(&invoice.number);
    assert_eq!(Some(status.pay_clicks.len()), Some(1), "{status:?}");
    let audit = chaser.ok(&["audit", &invoice.number, "--json"]);
    assert_eq!(audit.matches("pay_link_clicked").count(), 1, "{audit}");

    // A `javascript:` pay URL that reached the store before the doors refused it: the pay
    // link shows the bank details, and sends the customer nowhere.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let mut db = sqlx::SqliteConnection::connect(&chaser.database_url)
            .await
            .unwrap();
        sqlx::query(
            "update invoices set snapshot = json_set(snapshot, '$.pay_url', 'javascript:alert(document.cookie)') where number = $1",
        )
        .bind(invoice.number.clone())
        .execute(&mut db)
        .await
        .unwrap();
    });
    let page = get(&pay);
    assert_eq!((page.status, page.location.as_deref()), (200, None));
    assert!(!page.body.contains("javascript:"), "{}", page.body);
}

/// A forwarded message from `from` carrying `pdfs`.
fn eml(from: &str, pdfs: &[&[u8]]) -> String {
    let mut body = format!(
        "From: Supplier <{from}>\r\nTo: invoices@acme.example\r\nSubject: Invoices\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
    );
    for (n, pdf) in pdfs.iter().enumerate() {
        body.push_str(&format!(
            "--b\r\nContent-Type: application/pdf; name=\"invoice-{n}.pdf\"\r\nContent-Disposition: attachment; filename=\"invoice-{n}.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            B64.encode(pdf)
        ));
    }
    body.push_str("--b--\r\n");
    body
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(repo_root().join("tests/fixtures/documents").join(name)).unwrap()
}

fn documents(chaser: &Chaser) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(&chaser.ok(&["proposals", "--all", "--json"]))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn the_inbound_lane_reads_only_allowed_senders_in_allowed_numbers() {
    let name = "sec-inbound";
    let mut chaser = Chaser::with_config(
        name,
        &rules(),
        Backend::Sqlite,
        &[
            (
                "inbound.allowed_senders",
                toml::Value::Array(vec!["ap@supplier.example".into()]),
            ),
            ("inbound.max_documents_per_sender_per_day", 2.into()),
            ("email.default_owner", address(name, "owner").into()),
        ],
    );
    chaser.start_worker();
    let url = chaser.url("/inbound");
    let secret = chaser.secrets.inbound.clone();
    let acme = fixture("invoice-acme.pdf");
    let mismatch = fixture("invoice-mismatch.pdf");
    let scan = fixture("scan-no-text.pdf");

    // A stranger, however many PDFs: refused, nothing stored.
    let (status, answer) = post_webhook(&url, &secret, &eml("stranger@evil.example", &[&acme]));
    assert_eq!(status, 403, "{answer}");
    // Signed with another lane's secret: refused.
    let (status, _) = post_webhook(
        &url,
        &chaser.secrets.accounting,
        &eml("ap@supplier.example", &[&acme]),
    );
    assert_eq!(status, 401);
    // An allowed sender with twenty PDFs in one message: refused whole.
    let twenty: Vec<&[u8]> = std::iter::repeat_n(acme.as_slice(), 20).collect();
    let (status, answer) = post_webhook(&url, &secret, &eml("ap@supplier.example", &twenty));
    assert_eq!(status, 413, "{answer}");
    assert!(documents(&chaser).is_empty(), "nothing was stored");

    // Within the quota: read. Over it: refused, and nothing more stored.
    let (status, answer) = post_webhook(&url, &secret, &eml("AP@supplier.example", &[&acme]));
    assert_eq!(status, 202, "{answer}");
    let (status, answer) = post_webhook(&url, &secret, &eml("ap@supplier.example", &[&mismatch]));
    assert_eq!(status, 202, "{answer}");
    let (status, answer) = post_webhook(&url, &secret, &eml("ap@supplier.example", &[&scan]));
    assert_eq!(status, 429, "{answer}");
    assert_eq!(documents(&chaser).len(), 2);

    // The body limit is the documented message size (40 MB), not 2 MB: a 3 MB message is
    // read (and refused for what it is), a 41 MB one is not read at all.
    let big = format!(
        "X-Padding: {}\r\n{}",
        "a".repeat(3_000_000),
        eml("ap@supplier.example", &[&acme])
    );
    let (status, answer) = post_webhook(&url, &secret, &big);
    assert_ne!(status, 413, "{answer}");
    let huge = "a".repeat(41_000_000);
    let (status, _) = post_webhook(&url, &secret, &huge);
    // 413, or the connection closed after the 413 while the body was still on its way.
    assert!(matches!(status, 413 | 0), "{status:?}");
    assert_eq!(chaser.health().0, 200, "the worker lives");
    assert_eq!(documents(&chaser).len(), 2);
}

/// A PDF whose page tree is its own parent: a reader that follows it never ends.
const PARENT_CYCLE: &str = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

#[test]
fn a_hostile_pdf_forwarded_by_mail_is_marked_unreadable_and_the_worker_lives() {
    let name = "sec-hostile";
    let mut chaser = Chaser::with_config(
        name,
        &rules(),
        Backend::Sqlite,
        &[
            (
                "inbound.allowed_senders",
                toml::Value::Array(vec!["*@supplier.example".into()]),
            ),
            ("email.default_owner", address(name, "owner").into()),
        ],
    );
    chaser.start_worker();
    let (status, answer) = post_webhook(
        &chaser.url("/inbound"),
        &chaser.secrets.inbound,
        &eml("ap@supplier.example", &[PARENT_CYCLE.as_bytes()]),
    );
    // Kept, then read in the isolated reader, which gives up on it: the document is marked
    // failed (unreadable), never a proposal, and the worker keeps serving.
    assert_eq!(status, 202, "{answer}");
    let state = wait_for("the document to be judged", Duration::from_secs(60), || {
        let docs = documents(&chaser);
        let state = docs.first()?["state"].as_str()?.to_owned();
        (state != "received").then_some(state)
    });
    assert_eq!(state, "failed", "{:?}", documents(&chaser));
    assert_eq!(get(&chaser.url("/healthz")).status, 200, "still serving");
}

#[test]
fn the_review_needs_a_signed_short_session_and_pages_carry_security_headers() {
    let name = "sec-session";
    let chaser = chaser(name, Backend::Sqlite);
    let api = chaser.secrets.api.clone();

    // The token in the URL is no longer a way in, and sets nothing.
    let by_query = get(&chaser.url(&format!("/review?token={api}")));
    assert_eq!(
        (by_query.status, by_query.location.as_deref()),
        (303, Some("/login"))
    );
    assert!(by_query.header("set-cookie").is_none());
    // A wrong token: no session.
    let wrong = post_form(&chaser.url("/login"), &[("token", "not-the-token")]);
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("set-cookie").is_none());

    // The right one: a session cookie that is not the token, HttpOnly and SameSite.
    let signed_in = post_form(&chaser.url("/login"), &[("token", &api)]);
    assert_eq!(
        (signed_in.status, signed_in.location.as_deref()),
        (303, Some("/review"))
    );
    let cookie = signed_in.header("set-cookie").unwrap().to_owned();
    assert!(cookie.starts_with("chaser_session="), "{cookie}");
    assert!(!cookie.contains(&api), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Strict", "Max-Age=7200", "Path=/"] {
        assert!(cookie.contains(flag), "{flag}: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let session = cookie.split(';').next().unwrap().to_owned();
    let review = get_with(&chaser.url("/review"), &[("Cookie", &session)]);
    assert_eq!(review.status, 200, "{}", review.body);
    for (header, value) in [
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("x-content-type-options", "nosniff"),
    ] {
        assert_eq!(review.header(header), Some(value), "{header}");
    }
    let csp = review.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    // A forged session (another expiry, the old signature) is refused.
    let (_, rest) = session.split_once('.').unwrap();
    let forged = format!("chaser_session=99999999999.{rest}");
    assert_eq!(
        get_with(&chaser.url("/review"), &[("Cookie", &forged)]).status,
        303
    );
}

#[test]
fn over_https_the_session_cookie_is_secure() {
    let mut chaser = Chaser::with_config(
        "sec-secure",
        &rules(),
        Backend::Sqlite,
        &[("links.base_url", "https://chaser.acme.example".into())],
    );
    chaser.start_worker();
    let signed_in = post_form(&chaser.url("/login"), &[("token", &chaser.secrets.api)]);
    let cookie = signed_in.header("set-cookie").unwrap_or_default();
    assert!(cookie.contains("; Secure"), "{cookie}");
}
