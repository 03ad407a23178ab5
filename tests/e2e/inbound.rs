//! The forwarded-PDF lane: a document is read (offline, or by Textract and Bedrock through a
//! local fake), the owner approves it through a signed, single-use link, and only then does a
//! chase start.

use std::time::Duration;

use chaser_tests::aws_fake::AwsFake;

use crate::support::*;

fn fixture(name: &str) -> String {
    repo_root()
        .join("tests/fixtures/documents")
        .join(name)
        .display()
        .to_string()
}

fn owner_chaser(name: &str, extra: &[(&str, toml::Value)]) -> (Chaser, String) {
    let owner = address(name, "owner");
    let mut settings = vec![("email.default_owner", toml::Value::from(owner.clone()))];
    settings.extend(extra.iter().cloned());
    let mut chaser = Chaser::with_config(name, &rules(), Backend::Sqlite, &settings);
    chaser.start_worker();
    (chaser, owner)
}

fn documents(chaser: &Chaser) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(&chaser.ok(&["proposals", "--all", "--json"]))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn approval_link(owner: &str) -> String {
    let mail = wait_for("the approval e-mail", Duration::from_secs(45), || {
        stack().mail_to(owner).into_iter().next()
    });
    // Like every owner e-mail, it carries the global stop.
    link(mail.text(), "/sending/");
    link(mail.text(), "/proposals/")
}

#[test]
fn a_forwarded_pdf_is_read_offline_and_chased_only_after_one_approval() {
    let name = "inbound";
    let (chaser, owner) = owner_chaser(name, &[]);
    let out = chaser.ok(&["inbound", &fixture("invoice-acme.pdf")]);
    assert!(out.contains("received"), "{out}");
    let url = approval_link(&owner);

    // The owner's page shows what was read; a GET (a mail scanner's prefetch) decides nothing.
    let page = get(&url);
    assert_eq!(page.status, 200, "{}", page.body);
    for expected in ["INV-2041", "Acme Ltd", "1,250.00", "ap@acme.example"] {
        assert!(page.body.contains(expected), "{expected} in {}", page.body);
    }
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(documents(&chaser)[0]["state"], "proposed");
    assert_eq!(
        chaser.run(&["status", "INV-2041"]).status.code(),
        Some(1),
        "no chase before approval"
    );

    // A tampered link is refused.
    let tampered = format!("{}x", url);
    assert_eq!(get(&tampered).status, 400);
    assert_eq!(post_form(&tampered, &[("decision", "approve")]).status, 400);

    // Approve (as read): the chase starts; the link works once.
    let fields = [
        ("decision", "approve"),
        ("number", "INV-2041"),
        ("customer_name", "Acme Ltd"),
        ("contact_email", "ap@acme.example"),
        ("amount", "1,250.00"),
        ("currency", "USD"),
        ("issue_date", "2026-11-02"),
        ("due_date", "2026-12-02"),
        ("terms", "Net 30"),
    ];
    let done = post_form(&url, &fields);
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Approved"), "{}", done.body);
    wait_for("the chase to start", Duration::from_secs(30), || {
        chaser
            .run(&["status", "INV-2041"])
            .status
            .success()
            .then_some(())
    });
    assert_eq!(chaser.status("INV-2041").balance, money("USD 1250.00"));
    let again = post_form(&url, &fields);
    assert!(
        matches!(again.status, 409),
        "used twice: {} {}",
        again.status,
        again.body
    );
    wait_for("the proposal to close", Duration::from_secs(20), || {
        (documents(&chaser)[0]["state"] == "approved").then_some(())
    });
    save_completed_run_if_asked(&chaser, "invoice_proposal", "approved_by_link");

    // The same invoice forwarded by e-mail to `POST /inbound` (signed): one document, not two.
    let eml = std::fs::read_to_string(fixture("forwarded.eml")).unwrap();
    let inbound = chaser.url("/inbound");
    assert_eq!(
        post_raw(&inbound, &[], &eml).0,
        401,
        "unsigned mail is refused"
    );
    let (status, answer) = post_webhook(&inbound, &chaser.secrets.inbound, &eml);
    assert_eq!(status, 202, "{answer}");
    assert_eq!(
        answer["documents"][0]["filename"], "invoice-acme.pdf",
        "{answer}"
    );
    assert_eq!(answer["documents"][0]["started"], false, "{answer}");
    let (status, answer) = post_webhook(&inbound, &chaser.secrets.inbound, "not a message");
    assert_eq!(status, 400, "{answer}");

    // The same PDF again starts nothing new; a scan with no text fails, clearly.
    let twice = chaser.ok(&["inbound", &fixture("invoice-acme.pdf")]);
    assert!(twice.contains("handed in before"), "{twice}");
    chaser.ok(&["inbound", &fixture("scan-no-text.pdf")]);
    let failed = wait_for("the scan to fail", Duration::from_secs(30), || {
        documents(&chaser)
            .into_iter()
            .find(|d| d["state"] == "failed")
    });
    assert!(
        failed["reason"].as_str().unwrap().contains("no text layer"),
        "{failed}"
    );
}

#[test]
fn an_approval_link_expires_and_a_rejection_sends_nothing() {
    let name = "inbound-expiry";
    let (chaser, owner) = owner_chaser(name, &[("documents.approval_ttl", "4s".into())]);
    chaser.ok(&["inbound", &fixture("invoice-mismatch.pdf")]);
    let url = approval_link(&owner);
    let page = get(&url);
    assert!(
        page.body.contains("line items add up to"),
        "the total mismatch is flagged: {}",
        page.body
    );
    wait_for("the proposal to expire", Duration::from_secs(30), || {
        (documents(&chaser)[0]["state"] == "expired").then_some(())
    });
    assert_eq!(get(&url).status, 410, "an expired link is refused");
    assert_eq!(post_form(&url, &[("decision", "approve")]).status, 410);
}

/// The AWS lane: the real Textract and Bedrock clients against the local fake.
#[test]
fn with_aws_configured_textract_reads_and_bedrock_proposes() {
    let name = "inbound-aws";
    let number = format!("AWS-{}", std::process::id());
    let fake = AwsFake::start(
        &[
            "Northwind Traders",
            &format!("Invoice {number}"),
            "Total 980.00 EUR",
        ],
        serde_json::json!({
            "number": number, "customer_name": "Northwind Traders",
            "contact_email": "ap@northwind.example", "amount": "980.00", "currency": "EUR",
            "issue_date": "2026-11-20", "due_date": "2026-12-20", "terms": "Net 30",
            "line_items": [{ "description": "Consulting", "amount": "980.00" }]
        }),
    );
    let (chaser, owner) = owner_chaser(
        name,
        &[
            ("documents.reader", "textract".into()),
            ("documents.proposer", "bedrock".into()),
            (
                "documents.bedrock_model_id",
                "anthropic.claude-haiku-test".into(),
            ),
            ("aws.textract_endpoint_url", fake.url.clone().into()),
            ("aws.bedrock_endpoint_url", fake.url.clone().into()),
        ],
    );
    // A scan, which only Textract can read. Its own bytes: tests share one Temporal server,
    // and a document's review is keyed by its content.
    let mut scan = std::fs::read(fixture("scan-no-text.pdf")).unwrap();
    scan.extend_from_slice(format!("\n% {name}\n").as_bytes());
    let path = chaser.csv("scan.pdf", "");
    std::fs::write(&path, scan).unwrap();
    chaser.ok(&["inbound", &path]);
    let url = approval_link(&owner);
    let page = get(&url);
    assert!(
        page.body.contains(&number) && page.body.contains("bedrock:anthropic.claude-haiku-test"),
        "{}",
        page.body
    );
    assert!(page.body.contains("textract"), "{}", page.body);

    let seen = fake.seen();
    assert!(
        seen.iter()
            .any(|s| s.operation == "Textract.DetectDocumentText"
                && s.body["Document"]["Bytes"].is_string())
    );
    let converse = seen
        .iter()
        .find(|s| s.operation == "converse:anthropic.claude-haiku-test")
        .expect("a Converse call");
    let prompt = converse.body["messages"][0]["content"][0]["text"]
        .as_str()
        .unwrap();
    assert!(
        prompt.contains(&format!("Invoice {number}")),
        "the model reads Textract's text: {prompt}"
    );
    assert_eq!(
        converse.body["toolConfig"]["toolChoice"]["tool"]["name"],
        "propose_invoice"
    );

    let done = post_form(&url, &[("decision", "reject")]);
    assert!(done.body.contains("Rejected"), "{}", done.body);
    wait_for("the rejection to close it", Duration::from_secs(20), || {
        (documents(&chaser)[0]["state"] == "rejected").then_some(())
    });
    assert_eq!(
        chaser.run(&["status", &number]).status.code(),
        Some(1),
        "a rejected document starts nothing"
    );
}
