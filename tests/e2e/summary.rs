//! The monthly summary: deterministic numbers e-mailed with the CSV attached, a narrative
//! from a model (a local Converse fake) given only the aggregates, and its schedule.

use std::time::Duration;

use chaser_tests::aws_fake::AwsFake;

use crate::support::*;

#[test]
fn the_monthly_summary_is_mailed_with_its_csv_and_a_model_narrative_from_aggregates_only() {
    let name = "summary";
    let owner = address(name, "owner");
    let fake = AwsFake::narrator("Collections kept pace with new invoices this month.");
    let mut chaser = Chaser::with_config(
        name,
        &rules(),
        Backend::Sqlite,
        &[
            ("email.default_owner", owner.clone().into()),
            ("review.narrative", "bedrock".into()),
            (
                "documents.bedrock_model_id",
                "anthropic.claude-haiku-test".into(),
            ),
            ("aws.bedrock_endpoint_url", fake.url.clone().into()),
        ],
    );
    chaser.start_worker();
    let mut open = Invoice::new(name, "INV-SO");
    let mut paid = Invoice::new(name, "INV-SP");
    import(&chaser, &[open.row(false), paid.row(false)]);
    chaser.ok(&["payment", &open.number, "200.00"]);
    chaser.ok(&["paid", &paid.number]);
    wait_for(
        "the payments to be recorded",
        Duration::from_secs(20),
        || {
            let done = chaser.status(&open.number).balance == money("USD 1000.00")
                && chaser.status(&paid.number).state == ChaseState::Paid;
            done.then_some(())
        },
    );

    let month = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m")
        .to_string();
    // The report reads the audit log, which the chases write just after they act.
    let collected = format!("{month},USD,collected,1400.00");
    let csv = wait_for(
        "the payments in the audit log",
        Duration::from_secs(20),
        || {
            let csv = chaser.ok(&["report", "monthly", "--month", &month, "--csv"]);
            csv.contains(&collected).then_some(csv)
        },
    );
    assert!(
        csv.contains(&format!("{month},USD,issued,2400.00")),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("{month},USD,closing,1000.00")),
        "{csv}"
    );

    let out = chaser.ok(&["report", "monthly", "--month", &month, "--send"]);
    assert!(out.contains("bedrock:anthropic.claude-haiku-test"), "{out}");
    let mail = wait_for("the summary e-mail", Duration::from_secs(30), || {
        stack()
            .mail_to(&owner)
            .into_iter()
            .find(|m| m.subject.starts_with("Receivables summary"))
    });
    assert!(
        mail.text().starts_with("Collections kept pace"),
        "{}",
        mail.text()
    );
    assert_eq!(mail.attachments.len(), 1, "{:#?}", mail.attachments);
    // Like every owner e-mail, it carries the global stop.
    assert!(mail.text().contains("Hold all sending"), "{}", mail.text());
    link(mail.text(), "/sending/");
    let prompt = fake.seen()[0].body["messages"][0]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        prompt.contains("1,400.00"),
        "the model sees the figures: {prompt}"
    );
    for private in [&open.number, &paid.number, "Acme", "@"] {
        assert!(
            !prompt.contains(private),
            "{private} must not reach the model: {prompt}"
        );
    }

    // The schedule runs on the 1st at the review hour.
    let id = format!("monthly-summary-e2e-{name}-{}", std::process::id());
    let described = temporal(&["schedule", "describe", "--schedule-id", &id, "-o", "json"]);
    assert!(
        described.contains("dayOfMonth") || described.contains("day_of_month"),
        "{described}"
    );
    // Triggered as an operator would (`temporal schedule trigger`), its run mails it too.
    temporal(&["schedule", "trigger", "--schedule-id", &id]);
    wait_for("the scheduled summary", Duration::from_secs(30), || {
        let summaries = stack()
            .mail_to(&owner)
            .into_iter()
            .filter(|m| m.subject.starts_with("Receivables summary"))
            .count();
        (summaries >= 2).then_some(())
    });
    save_completed_run_if_asked(&chaser, "monthly_summary", "triggered_summary");
}
