//! Payload encryption end to end: a chase started through the CLI leaves nothing readable in
//! Temporal but the documented search attributes; the codec server opens it for the owner
//! only; the encrypted history replays with the key, and not without it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use temporalio_client::WorkflowHistory;
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

use crate::support::*;

/// Every string in `json` that is not inside search attributes, and what each decodes to when
/// it is base64 (payload data and metadata are).
fn readable_text(json: &serde_json::Value, out: &mut Vec<String>) {
    match json {
        serde_json::Value::String(text) => {
            out.push(text.clone());
            if let Ok(bytes) = B64.decode(text) {
                out.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| readable_text(i, out)),
        serde_json::Value::Object(fields) => {
            for (key, value) in fields {
                if key != "searchAttributes" {
                    readable_text(value, out);
                }
            }
        }
        _ => {}
    }
}

/// The indexed (search attribute) names anywhere in the history.
fn indexed(json: &serde_json::Value, out: &mut Vec<String>) {
    match json {
        serde_json::Value::Array(items) => items.iter().for_each(|i| indexed(i, out)),
        serde_json::Value::Object(fields) => {
            for (key, value) in fields {
                if key == "searchAttributes" {
                    if let Some(names) = value["indexedFields"].as_object() {
                        out.extend(names.keys().cloned());
                    }
                } else {
                    indexed(value, out);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn a_chase_started_through_the_cli_is_encrypted_in_temporal_and_decoded_only_for_the_owner() {
    let name = "codec";
    let mut chaser = Chaser::with_config(
        name,
        &rules(),
        Backend::Sqlite,
        &[("temporal.index_customer_name", false.into())],
    );
    chaser.start_worker();
    let mut invoice = Invoice::new(name, "INV-ENC");
    let customer = format!("Secretive Holdings {}", std::process::id());
    let row = invoice.row(false).replace("Acme Ltd", &customer);
    import(&chaser, &[row]);
    invoice.wait_mail(&invoice.billing, 1);
    let workflow = invoice.workflow_id();

    // What Temporal holds, as its CLI shows it.
    let shown: serde_json::Value = serde_json::from_str(&temporal(&[
        "workflow", "show", "-w", &workflow, "-o", "json",
    ]))
    .unwrap();
    let mut text = vec![];
    readable_text(&shown, &mut text);
    let text = text.join("\n");
    for secret in [
        invoice.billing.as_str(),
        invoice.owner.as_str(),
        customer.as_str(),
        &format!("https://pay.example/{}", invoice.number),
        "1200.00",
        "Acme Billing",
    ] {
        assert!(
            !text.contains(secret),
            "`{secret}` is readable in the history"
        );
    }
    assert!(text.contains("binary/encrypted"), "payloads are sealed");
    let mut names = vec![];
    indexed(&shown, &mut names);
    names.sort();
    names.dedup();
    for name in &names {
        assert!(
            chaser_workflows::names::search_attribute::REGISTRATION
                .iter()
                .any(|(documented, _)| documented == name)
                || name.starts_with("Temporal"),
            "undocumented search attribute {name}"
        );
    }
    assert!(names.iter().any(|n| n == "InvoiceNumber"), "{names:?}");
    assert!(
        !names.iter().any(|n| n == "Customer"),
        "the name is not indexed: {names:?}"
    );

    // The codec server: the start event's input, opened for the owner only.
    let input = shown["events"][0]["workflowExecutionStartedEventAttributes"]["input"].to_string();
    let codec = chaser.url("/codec/decode");
    let (status, _) = post_raw(&codec, &[], &input);
    assert_eq!(status, 401, "no credentials");
    let (status, _) = post_raw(&codec, &[("Authorization", "Bearer not-the-token")], &input);
    assert_eq!(status, 401, "a wrong token");
    let bearer = format!("Bearer {}", chaser.secrets.api);
    let (status, decoded) = post_raw(&codec, &[("Authorization", &bearer)], &input);
    assert_eq!(status, 200, "{decoded}");
    let data = B64
        .decode(decoded["payloads"][0]["data"].as_str().unwrap())
        .unwrap();
    let input: serde_json::Value = serde_json::from_slice(&data).unwrap();
    assert_eq!(
        input["invoice"]["contacts"][0]["email"],
        invoice.billing.as_str()
    );
    assert_eq!(input["invoice"]["customer"]["name"], customer.as_str());

    // A browser may call it only from the configured UI origins.
    let preflight = |origin: &str| {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let response = agent
            .options(&codec)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .call()
            .unwrap();
        (
            response.status().as_u16(),
            response
                .headers()
                .get("access-control-allow-origin")
                .map(|v| v.to_str().unwrap().to_owned()),
        )
    };
    assert_eq!(preflight("http://evil.example"), (403, None));

    // The Temporal CLI decodes through the same endpoint with the token.
    let decoded = temporal(&[
        "workflow",
        "show",
        "-w",
        &workflow,
        "--codec-endpoint",
        &chaser.url("/codec"),
        "--codec-auth",
        &bearer,
        "-o",
        "json",
    ]);
    let mut text = vec![];
    readable_text(&serde_json::from_str(&decoded).unwrap(), &mut text);
    assert!(
        text.join("\n").contains(&invoice.billing),
        "the CLI decodes"
    );

    // An operator's raw signal, in plaintext JSON, still works.
    temporal(&[
        "workflow",
        "signal",
        "-w",
        &workflow,
        "--name",
        "paid",
        "--input",
        r#"{"by":"ops","reference":"raw-cli"}"#,
    ]);
    wait_for("the raw signal", std::time::Duration::from_secs(20), || {
        (chaser.status(&invoice.number).state == ChaseState::Paid).then_some(())
    });

    // The encrypted history replays with the key, and cannot be read without it.
    let sealed = chaser.history_json(&workflow, false);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let replay = |codec: chaser_codec::Codec| {
        let history = WorkflowHistory::from_json(&sealed).unwrap();
        let replayer = WorkflowReplayer::new(
            WorkflowReplayerOptions::new()
                .register_workflow::<chaser_workflows::InvoiceChase>()
                .unwrap()
                .data_converter(codec.data_converter())
                .build(),
        )
        .unwrap();
        async move { replayer.replay_workflow(history).await }
    };
    runtime
        .block_on(replay(chaser.secrets.codec()))
        .unwrap_or_else(|e| panic!("the encrypted history does not replay: {e:?}"));
    assert!(
        runtime.block_on(replay(Secrets::random().codec())).is_err(),
        "replayed without the key"
    );
}
