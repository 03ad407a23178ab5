//! ARCHITECTURE.md's table of crates says which of our crates each may depend on; every
//! manifest is held to it, so a new dependency between layers is a change to that file first.

use std::collections::{BTreeMap, BTreeSet};

use crate::{parse, read};

/// `crate -> allowed chaser-* dependencies`, from the table's rows.
fn allowed() -> BTreeMap<String, (String, BTreeSet<String>)> {
    let text = read("ARCHITECTURE.md");
    let mut rows = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("| `chaser-")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (name, folder) = cells[1].split_once(" (").unwrap();
        let name = name.trim_matches('`').to_owned();
        let folder = folder
            .trim_end_matches(')')
            .trim_matches('`')
            .trim_end_matches('/');
        let deps = cells[2]
            .split(',')
            .map(|d| d.trim().trim_matches('`').to_owned())
            .filter(|d| d.starts_with("chaser-"))
            .collect();
        rows.insert(name, (folder.to_owned(), deps));
    }
    rows
}

#[test]
fn every_crate_depends_only_on_the_layers_architecture_md_allows() {
    let rows = allowed();
    let workspace = parse("Cargo.toml");
    let mut members: BTreeSet<String> = workspace["workspace"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect();
    members.insert("fuzz".to_owned());
    let described: BTreeSet<String> = rows.values().map(|(folder, _)| folder.clone()).collect();
    assert_eq!(
        described, members,
        "ARCHITECTURE.md's table and the workspace's crates differ"
    );
    for (name, (folder, allowed)) in &rows {
        let manifest = parse(&format!("{folder}/Cargo.toml"));
        assert_eq!(manifest["package"]["name"].as_str(), Some(name.as_str()));
        let used: BTreeSet<String> = manifest
            .get("dependencies")
            .and_then(toml::Value::as_table)
            .into_iter()
            .flat_map(|deps| deps.keys())
            .filter(|d| d.starts_with("chaser-"))
            .cloned()
            .collect();
        let beyond: Vec<_> = used.difference(allowed).collect();
        assert!(
            beyond.is_empty(),
            "{name} depends on {beyond:?}, which ARCHITECTURE.md does not allow it"
        );
        let unused: Vec<_> = allowed.difference(&used).collect();
        assert!(
            unused.is_empty(),
            "ARCHITECTURE.md lets {name} depend on {unused:?}, which it does not: keep the table exact"
        );
    }
}
