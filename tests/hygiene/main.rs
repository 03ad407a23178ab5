//! The build's own promises, which no compiler checks: files that must agree with each other
//! or with the code, read and compared.

#![allow(clippy::unwrap_used)]

mod determinism_lint;
mod dockerfile;
mod layers;
mod modules;
mod search_attributes;
mod toolchain;

use chaser_tests::repo_root;

/// A file of the repository, by its path from the root.
fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A TOML file of the repository.
fn parse(path: &str) -> toml::Table {
    read(path).parse().unwrap_or_else(|e| panic!("{path}: {e}"))
}
