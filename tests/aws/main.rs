//! The AWS document lanes at the activity layer: the real aws-sdk-textract and
//! aws-sdk-bedrockruntime clients against the local fake that speaks their protocols.

#![allow(clippy::unwrap_used)]

use chaser_activities::aws::sdk_config;
use chaser_activities::documents::{Proposer, TextReader, isolated_reader};
use chaser_extract::ProposalSource;
use chaser_tests::aws_fake::AwsFake;

fn pdf() -> Vec<u8> {
    std::fs::read(chaser_tests::repo_root().join("tests/fixtures/documents/invoice-acme.pdf"))
        .unwrap()
}

async fn config(fake: &AwsFake) -> aws_config::SdkConfig {
    let base = sdk_config(Some("us-east-1"), Some(&fake.url)).await;
    base.into_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new("testing", "testing", None, None, "static"),
            ),
        )
        .build()
}

#[tokio::test]
async fn textract_lines_become_the_document_text() {
    let fake = AwsFake::start(
        &["ACME GmbH", "Invoice INV-42", "Total 12.34 EUR"],
        serde_json::json!({}),
    );
    let reader = TextReader::Textract(
        aws_sdk_textract::Client::new(&config(&fake).await),
        isolated_reader(chaser_tests::chaser_bin().to_owned()),
    );
    let text = reader.read(&pdf()).await.unwrap();
    assert_eq!(text.reader, "textract");
    assert_eq!(text.text, "ACME GmbH\nInvoice INV-42\nTotal 12.34 EUR");
    // Lines without boxes are laid out one under the other.
    assert_eq!(text.layout.runs().len(), 3);
    let seen = fake.seen();
    assert_eq!(seen[0].operation, "Textract.DetectDocumentText");
}

#[tokio::test]
async fn bedrock_answers_through_the_forced_tool_call() {
    let fake = AwsFake::start(
        &[],
        serde_json::json!({
            "number": "INV-42", "customer_name": "ACME GmbH", "contact_email": null,
            "amount": "12.34", "currency": "EUR", "issue_date": null, "due_date": null,
            "terms": null, "line_items": []
        }),
    );
    let proposer = Proposer::Bedrock {
        client: aws_sdk_bedrockruntime::Client::new(&config(&fake).await),
        model_id: "anthropic.claude-haiku-test".into(),
    };
    let text = "Invoice INV-42\nTotal 12.34 EUR";
    let read = chaser_activities::documents::DocumentText {
        text: text.to_owned(),
        layout: chaser_extract::Layout::from_text(text),
        reader: "textract",
    };
    let proposal = proposer.propose(&read, &[]).await.unwrap();
    assert_eq!(proposal.number.as_deref(), Some("INV-42"));
    assert_eq!(proposal.amount.as_deref(), Some("12.34"));
    assert_eq!(proposal.source, ProposalSource::Model);
    // The model's answer is checked against the document like the reader's own.
    let amount = proposal
        .evidence_for(chaser_extract::Field::Amount)
        .unwrap();
    assert_eq!(amount.origin, chaser_extract::Origin::Model);
    assert_eq!(amount.printed, "12.34 EUR");
    let seen = fake.seen();
    assert_eq!(seen[0].operation, "converse:anthropic.claude-haiku-test");
    assert_eq!(
        seen[0].body["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"]["additionalProperties"],
        false
    );
}

#[tokio::test]
async fn the_offline_reader_needs_no_aws() {
    let local = TextReader::Local(isolated_reader(chaser_tests::chaser_bin().to_owned()));
    let text = local.read(&pdf()).await.unwrap();
    assert_eq!(text.reader, "local");
    assert!(text.text.contains("INV-2041"), "{}", text.text);
}

#[tokio::test]
async fn the_monthly_narrative_comes_from_the_aggregates_alone() {
    let fake =
        AwsFake::narrator("Receivables fell by a third as collections outpaced new invoices.");
    let client = aws_sdk_bedrockruntime::Client::new(&config(&fake).await);
    let aggregates = "Month: 2026-11\nUSD: opening 1000.00, issued 500.00, collected 800.00";
    let text =
        chaser_activities::documents::narrate(&client, "anthropic.claude-haiku-test", aggregates)
            .await
            .unwrap();
    assert_eq!(
        text,
        "Receivables fell by a third as collections outpaced new invoices."
    );
    let seen = fake.seen();
    assert_eq!(
        seen[0].body["messages"][0]["content"][0]["text"], aggregates,
        "only the aggregates are sent"
    );
    assert!(seen[0].body.get("toolConfig").is_none());
}
