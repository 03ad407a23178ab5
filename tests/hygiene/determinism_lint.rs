//! The determinism lint of `workflows` and `domain` (their `clippy.toml`). Clippy reads a
//! crate's own file instead of the root one and says nothing when an entry is missing, so
//! these tests are what keeps the lint in place.

use crate::{parse, read};

/// The crates whose code a workflow replays.
const CRATES: [&str; 2] = ["workflows", "domain"];

/// Wall clocks, randomness, threads and tasks: what replays differently.
const METHODS: [&str; 12] = [
    "std::time::SystemTime::now",
    "std::time::Instant::now",
    "jiff::Timestamp::now",
    "jiff::Zoned::now",
    "rand::random",
    "rand::thread_rng",
    "uuid::Uuid::new_v4",
    "std::thread::spawn",
    "std::thread::sleep",
    "tokio::spawn",
    "tokio::time::sleep",
    "chrono::Utc::now",
];

/// Maps whose iteration order is random per process.
const TYPES: [&str; 2] = ["std::collections::HashMap", "std::collections::HashSet"];

#[test]
fn workflows_and_domain_share_one_determinism_lint() {
    assert_eq!(
        read("domain/clippy.toml"),
        read("workflows/clippy.toml"),
        "domain/clippy.toml must be a copy of workflows/clippy.toml"
    );
}

#[test]
fn the_lint_forbids_clocks_randomness_threads_and_hash_maps_each_with_a_reason() {
    for krate in CRATES {
        let path = format!("{krate}/clippy.toml");
        let lint = parse(&path);
        for (key, wanted) in [
            ("disallowed-methods", &METHODS[..]),
            ("disallowed-types", &TYPES[..]),
        ] {
            let entries = lint
                .get(key)
                .and_then(toml::Value::as_array)
                .unwrap_or_else(|| panic!("{path} has no {key}"));
            for entry in entries {
                let reason = entry.get("reason").and_then(toml::Value::as_str);
                assert!(
                    reason.is_some_and(|r| !r.trim().is_empty()),
                    "{path}: {entry} has no reason"
                );
            }
            for want in wanted {
                assert!(
                    entries
                        .iter()
                        .any(|e| e.get("path").and_then(toml::Value::as_str) == Some(want)),
                    "{path}: {key} does not list {want}"
                );
            }
        }
    }
}

#[test]
fn the_crate_lint_keeps_every_root_setting() {
    let root = parse("clippy.toml");
    for krate in CRATES {
        let path = format!("{krate}/clippy.toml");
        let lint = parse(&path);
        for (key, value) in &root {
            assert_eq!(
                lint.get(key),
                Some(value),
                "{path}: {key} differs from clippy.toml"
            );
        }
    }
}
