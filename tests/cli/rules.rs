use std::io::Write;

use chaser_tests::{chaser, stderr, stdout};

#[test]
fn the_shipped_example_rules_doc_is_valid() {
    let out = chaser(&["rules", "check", "examples/rules.toml"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("examples/rules.toml: ok\n"), "{text}");
    assert!(
        text.contains("company: Europe/London · send 09:00 · quiet 18:00-08:00 · min gap 2d"),
        "{text}"
    );
    assert!(text.contains("cadence net-30:"), "{text}");
    assert!(
        text.contains("weekly#") || text.contains("repeat every 7d, at most 3 times"),
        "{text}"
    );
}

#[test]
fn a_broken_rules_doc_fails_with_file_line_and_field() {
    let mut file = tempfile();
    write!(
        file.1,
        "[company]\ntime_zone = \"Mars/Olympus\"\n\n[[cadences.default.steps]]\nwhen = \"after_due 3d\"\nmove = \"nudge\"\ntemplate = \"frendly\"\n"
    )
    .unwrap();
    let path = file.0.to_str().unwrap().to_owned();
    let out = chaser(&["rules", "check", &path]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{path}:2:13: company.time_zone: unknown time zone `Mars/Olympus`"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{path}:7:12: cadences.default.steps[0].template: unknown template `frendly`"
        )),
        "{err}"
    );
    assert!(err.contains("2 problem(s)"), "{err}");
}

#[test]
fn a_missing_rules_file_is_a_clear_error_not_a_panic() {
    let out = chaser(&["rules", "check", "no/such/rules.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: cannot read no/such/rules.toml"),
        "{}",
        stderr(&out)
    );
}

fn tempfile() -> (std::path::PathBuf, std::fs::File) {
    let dir = std::env::temp_dir().join(format!("chaser-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rules.toml");
    let file = std::fs::File::create(&path).unwrap();
    (path, file)
}
