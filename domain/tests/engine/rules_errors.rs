//! Every way a rules doc can be wrong gives a message naming the file, line, column, field and
//! reason, and nothing panics.

use chaser_domain::rules::{MAX_CADENCES, MAX_STEPS, Trigger};
use chaser_domain::{Offset, Rules, Terms};
use proptest::prelude::*;

fn errors(doc: &str) -> Vec<String> {
    match Rules::from_toml(doc, "rules.toml") {
        Ok(_) => vec![],
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    }
}

fn one_error(doc: &str) -> String {
    let mut all = errors(doc);
    assert_eq!(all.len(), 1, "expected one error, got {all:#?}");
    all.remove(0)
}

/// A default cadence with one step, plus extra lines inside that step.
fn step_doc(extra: &str) -> String {
    format!("[[cadences.default.steps]]\nwhen = \"after_due 3d\"\nmove = \"nudge\"\n{extra}")
}

#[test]
fn toml_syntax_and_type_errors_are_located() {
    assert_eq!(
        one_error("[company\n"),
        "rules.toml:1:9: unclosed table, expected `]`"
    );
    assert_eq!(
        one_error("[company]\ntime_zone = 5\n"),
        "rules.toml:2:13: company.time_zone: invalid type: integer `5`, expected a string"
    );
    assert_eq!(
        one_error("[company]\ncolour = \"red\"\n"),
        "rules.toml:2:1: company.colour: unknown field `colour`, expected one of `time_zone`, `send_hour`, `quiet_hours`, `business_days`, `holidays`, `min_gap`, `catch_up`, `pause_cap`, `late_tolerance`, `thank_you`, `daily_cap`, `locale`"
    );
    assert_eq!(
        one_error(&step_doc("colour = \"red\"\n")),
        "rules.toml:4:1: cadences.default.steps[0].colour: unknown field `colour`, expected one of `id`, `when`, `move`, `tone`, `template`, `channel`, `to`, `cc`, `notify_owner`, `require_approval`"
    );
    assert_eq!(
        one_error("[[cadences.default.steps]]\nmove = \"nudge\"\n"),
        "rules.toml:1:1: cadences.default.steps[0]: missing field `when`"
    );
}

#[test]
fn company_settings_are_checked_field_by_field() {
    let company = |line: &str| one_error(&format!("[company]\n{line}\n"));
    assert_eq!(
        company("time_zone = \"Mars/Olympus\""),
        "rules.toml:2:13: company.time_zone: unknown time zone `Mars/Olympus`: expected an IANA name such as Europe/London or America/New_York"
    );
    assert_eq!(
        company("send_hour = \"9am\""),
        "rules.toml:2:13: company.send_hour: `9am` is not a time of day: write HH:MM, e.g. 09:00"
    );
    assert_eq!(
        company("send_hour = \"07:30\""),
        "rules.toml:2:13: company.send_hour: send_hour 07:30 falls inside quiet hours 18:00-08:00"
    );
    assert_eq!(
        company("quiet_hours = \"evenings\""),
        "rules.toml:2:15: company.quiet_hours: `evenings` is not a band of hours: write e.g. \"18:00-08:00\", or \"none\""
    );
    assert_eq!(
        company("quiet_hours = \"08:00-08:00\""),
        "rules.toml:2:15: company.quiet_hours: quiet hours `08:00-08:00` start and end at the same time: write \"none\" to turn them off"
    );
    assert_eq!(
        company("business_days = [\"mon\", \"funday\"]"),
        "rules.toml:2:17: company.business_days: `funday` is not a weekday: write mon, tue, wed, thu, fri, sat or sun"
    );
    assert_eq!(
        company("business_days = []"),
        "rules.toml:2:17: company.business_days: at least one business day is needed"
    );
    assert_eq!(
        company("business_days = [\"mon\", \"Monday\"]"),
        "rules.toml:2:17: company.business_days: `Monday` is listed twice"
    );
    let both = errors("[company]\nholidays = [2026-12-25, \"xmas\", 2026-12-26T10:00:00]\n");
    assert_eq!(
        both,
        [
            "rules.toml:2:25: company.holidays[1]: \"xmas\" is not a date: write YYYY-MM-DD",
            "rules.toml:2:33: company.holidays[2]: 2026-12-26T10:00:00 is not a date: write YYYY-MM-DD",
        ]
    );
    assert_eq!(
        company("min_gap = \"2 fortnights\""),
        "rules.toml:2:11: company.min_gap: `2 fortnights` is not a duration: write e.g. `3d`, `2w`, `12h`, `30m` or `90s`"
    );
    assert_eq!(
        company("min_gap = \"45d\""),
        "rules.toml:2:11: company.min_gap: `45d` is too long: at most 30d between touches"
    );
    assert_eq!(
        company("min_gap = \"-1d\""),
        "rules.toml:2:11: company.min_gap: `-1d` is negative: offsets count forward (use before_due for earlier steps)"
    );
    assert_eq!(
        company("late_tolerance = \"2d\""),
        "rules.toml:2:18: company.late_tolerance: `2d` is too long: at most 1d"
    );
    assert_eq!(
        company("daily_cap = 0"),
        "rules.toml:2:13: company.daily_cap: 0 is not a daily cap: write 1 to 50"
    );
    assert_eq!(
        company("locale = \"english!\""),
        "rules.toml:2:10: company.locale: `english!` is not a locale: expected a tag such as en-GB or de"
    );
    assert_eq!(
        company("catch_up = \"sometimes\""),
        "rules.toml:2:12: company.catch_up: `sometimes` is not a catch-up policy: write latest or skip"
    );
    assert_eq!(
        one_error("[company.pause_cap]\nmax_pauses = 500\n"),
        "rules.toml:2:14: company.pause_cap.max_pauses: 500 is too many: at most 100"
    );
    assert_eq!(
        one_error("[company.pause_cap]\nmax_paused_days = 400\n"),
        "rules.toml:2:19: company.pause_cap.max_paused_days: 400 days is too long: at most 365"
    );
    assert_eq!(
        one_error("[company.pause_cap]\nmax_pauses = -1\n"),
        "rules.toml:2:14: company.pause_cap.max_pauses: invalid value: integer `-1`, expected u32"
    );
}

#[test]
fn an_unknown_template_names_the_known_ones() {
    assert_eq!(
        one_error(&step_doc("template = \"frendly\"\n")),
        "rules.toml:4:12: cadences.default.steps[0].template: unknown template `frendly`: the built-in ones are standard, new_invoice, reminder, past_due, final_notice, escalation; declare others under [templates] custom"
    );
    // Declared custom templates are accepted.
    let doc = format!(
        "[templates]\ncustom = [\"statement\"]\n{}",
        step_doc("template = \"statement\"\n")
    );
    assert!(errors(&doc).is_empty());
    assert_eq!(
        one_error("[templates]\ncustom = [\"Bad Name\"]\n"),
        "rules.toml:2:11: templates.custom[0]: `Bad Name` is not a template name: use a-z, 0-9 and `_`"
    );
}

#[test]
fn a_step_before_issue_is_refused_for_terms_that_cannot_allow_it() {
    let doc = "[[cadences.\"net-15\".steps]]\nwhen = \"before_due 20d\"\nmove = \"nudge\"\n";
    assert_eq!(
        one_error(doc),
        "rules.toml:2:8: cadences.net-15.steps[0].when: `before_due 20d` falls before the issue date: net-15 invoices can be due 15 days after issue"
    );
    let doc = "[[cadences.due_on_receipt.steps]]\nwhen = \"before_due 1h\"\nmove = \"nudge\"\n";
    assert!(one_error(doc).contains(
        "falls before the issue date: due_on_receipt invoices can be due 0 days after issue"
    ));
    // The default cadence serves any terms, so the planner skips such steps instead.
    assert!(
        errors("[[cadences.default.steps]]\nwhen = \"before_due 20d\"\nmove = \"nudge\"\n")
            .is_empty()
    );
}

#[test]
fn triggers_are_checked() {
    let when = |trigger: &str| {
        one_error(&format!(
            "[[cadences.default.steps]]\nwhen = \"after_due 1d\"\nmove = \"nudge\"\n[[cadences.default.steps]]\nwhen = \"{trigger}\"\nmove = \"nudge\"\n"
        ))
    };
    assert_eq!(
        when("repeat every 7d"),
        "rules.toml:5:8: cadences.default.steps[1].when: `repeat every 7d` has no bound: write e.g. `repeat every 7d, at most 3 times`"
    );
    assert_eq!(
        when("repeat every 7d, at most 11 times"),
        "rules.toml:5:8: cadences.default.steps[1].when: `repeat every 7d, at most 11 times`: the repeat count must be a whole number from 1 to 10"
    );
    assert_eq!(
        when("after_due"),
        "rules.toml:5:8: cadences.default.steps[1].when: `after_due` needs an offset, e.g. `after_due 3d`"
    );
    assert_eq!(
        when("on_date 2026-13-01"),
        "rules.toml:5:8: cadences.default.steps[1].when: `2026-13-01` is not a date: write YYYY-MM-DD"
    );
    assert!(when("whenever").starts_with("rules.toml:5:8: cadences.default.steps[1].when: `whenever` is not a trigger: write on_issue"));
    assert_eq!(
        when("after_due 1 month"),
        "rules.toml:5:8: cadences.default.steps[1].when: `after_due 1 month`: `1 month` uses months or years, which vary in length: write days or weeks instead"
    );

    let repeat_first = "[[cadences.default.steps]]\nwhen = \"repeat every 7d, at most 2 times\"\nmove = \"nudge\"\n";
    assert_eq!(
        one_error(repeat_first),
        "rules.toml:2:8: cadences.default.steps[0].when: a repeat step needs an earlier step to repeat after"
    );
    let repeat_middle = "[[cadences.default.steps]]\nwhen = \"after_due 1d\"\nmove = \"nudge\"\n\
        [[cadences.default.steps]]\nwhen = \"repeat every 7d, at most 2 times\"\nmove = \"nudge\"\n\
        [[cadences.default.steps]]\nwhen = \"after_due 30d\"\nmove = \"escalate\"\n";
    assert_eq!(
        one_error(repeat_middle),
        "rules.toml:5:8: cadences.default.steps[1].when: a repeat step must be the last step of its cadence"
    );
}

#[test]
fn moves_tones_channels_roles_and_ids_are_checked_together() {
    let doc = "[[cadences.default.steps]]\nid = \"First Step\"\nwhen = \"after_due 3d\"\nmove = \"shout\"\ntone = \"rude\"\nchannel = \"sms\"\nto = [\"owner\", \"a;b\"]\ncc = [\"any\"]\n";
    assert_eq!(
        errors(doc),
        [
            "rules.toml:2:6: cadences.default.steps[0].id: `First Step` is not a step id: use up to 40 of a-z, 0-9 and `_`",
            "rules.toml:4:8: cadences.default.steps[0].move: unknown move `shout`: expected nudge, follow_up, escalate or final_notice",
            "rules.toml:5:8: cadences.default.steps[0].tone: unknown tone `rude`: expected friendly, neutral or firm",
            "rules.toml:6:11: cadences.default.steps[0].channel: channel `sms` is not supported: the chaser sends email",
            "rules.toml:7:7: cadences.default.steps[0].to[0]: `owner` is not a contact role: set notify_owner = true to write to the account owner",
            "rules.toml:7:16: cadences.default.steps[0].to[1]: `a;b` is not a role: expected billing (or ap), primary, executive, or a custom name of letters, digits, `_` and `-`",
            "rules.toml:8:7: cadences.default.steps[0].cc[0]: cc takes contact roles, not `any`",
        ]
    );
    assert_eq!(
        one_error(&step_doc("to = []\n")),
        "rules.toml:1:1: cadences.default.steps[0]: this step reaches nobody: give it `to` roles or set notify_owner = true"
    );
    let dup = step_doc("id = \"x\"\n").repeat(2);
    assert_eq!(
        one_error(&dup),
        "rules.toml:8:6: cadences.default.steps[1].id: step id `x` is already used by steps[0]"
    );
}

#[test]
fn cadence_keys_must_be_terms_or_default() {
    assert_eq!(
        one_error(&step_doc("").replace("default", "nett-30")),
        "rules.toml:1:12: cadences.nett-30: terms `nett-30` are not recognised: write net-N, due_on_receipt, eom+N, or custom:<label> (or `default`)"
    );
    let twice = format!(
        "{}{}",
        step_doc("").replace("default", "\"net-30\""),
        step_doc("").replace("default", "\"Net 30\"")
    );
    assert_eq!(
        one_error(&twice),
        "rules.toml:4:12: cadences.\"Net 30\": `Net 30` and `net-30` are the same terms (net-30)"
    );
    assert_eq!(
        one_error("[cadences.default]\nsteps = []\n"),
        "rules.toml:1:11: cadences.default: a cadence needs at least one step"
    );
}

#[test]
fn limits_are_refused_with_a_clear_message() {
    let many_steps: String = (0..=MAX_STEPS)
        .map(|i| step_doc(&format!("id = \"s{i}\"\n")))
        .collect();
    assert_eq!(
        one_error(&many_steps),
        format!(
            "rules.toml:1:1: cadences.default.steps: {} steps; at most {MAX_STEPS} are allowed per cadence",
            MAX_STEPS + 1
        )
    );
    let many_cadences: String = (0..=MAX_CADENCES)
        .map(|n| step_doc("").replace("default", &format!("\"net-{n}\"")))
        .collect();
    assert_eq!(
        one_error(&many_cadences),
        format!(
            "rules.toml:1:3: cadences: {} cadences; at most {MAX_CADENCES} are allowed",
            MAX_CADENCES + 1
        )
    );
}

#[test]
fn a_valid_doc_resolves_cadences_by_terms() {
    let source = include_str!("../../../examples/rules.toml");
    let rules = Rules::from_toml(source, "examples/rules.toml").unwrap();
    assert_eq!(rules.company.time_zone.name(), "Europe/London");
    let net30 = rules.cadence_for(&Terms::Net(30));
    assert_eq!(net30.name, "net-30");
    assert_eq!(
        net30
            .steps
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>(),
        ["heads_up", "nudge", "follow_up", "escalate", "weekly"]
    );
    assert_eq!(
        net30.steps[4].trigger,
        Trigger::Repeat {
            every: Offset::Days(7),
            times: 3
        }
    );
    assert_eq!(rules.cadence_for(&Terms::Net(45)).name, "default");
    assert_eq!(
        rules
            .cadence_for(&Terms::parse_lenient("Milestone").unwrap())
            .name,
        "custom:milestone"
    );
    // Step ids default to the move, made unique.
    let doc = format!(
        "{}{}",
        step_doc(""),
        step_doc("").replace("after_due 3d", "after_due 5d")
    );
    let rules = Rules::from_toml(&doc, "r.toml").unwrap();
    assert_eq!(
        rules
            .default_cadence
            .steps
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>(),
        ["nudge", "nudge_2"]
    );
}

/// Errors, if any, point inside the doc.
fn located_inside(doc: &str) -> Result<(), TestCaseError> {
    if let Err(errors) = Rules::from_toml(doc, "fuzz.toml") {
        prop_assert!(!errors.0.is_empty());
        for e in &errors.0 {
            prop_assert!(
                e.line >= 1 && e.line <= doc.lines().count().max(1) + 1,
                "{e}"
            );
            prop_assert!(!e.reason.is_empty());
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn garbage_never_panics(doc in "\\PC{0,200}") {
        located_inside(&doc)?;
    }

    #[test]
    fn plausible_garbage_never_panics(
        key in prop::sample::select(vec!["when", "move", "tone", "to", "cc", "id", "template", "channel", "notify_owner"]),
        value in "(\"[a-z0-9 _:,-]{0,30}\"|[0-9]{1,4}|true|\\[\\]|\\[\"[a-z]{0,8}\"\\])",
    ) {
        let doc = format!("[company]\nmin_gap = {value}\n[[cadences.default.steps]]\nwhen = \"after_due 3d\"\nmove = \"nudge\"\n{key} = {value}\n");
        located_inside(&doc)?;
    }
}
