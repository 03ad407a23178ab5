//! One Rust release, named in three places: `rust-toolchain.toml` (what rustup builds with),
//! the workspace's `rust-version`, and the Dockerfile's build image.

use crate::{parse, read};

#[test]
fn the_toolchain_file_the_workspace_and_the_dockerfile_name_one_rust_release() {
    let toolchain = parse("rust-toolchain.toml");
    let channel = toolchain["toolchain"]["channel"].as_str().unwrap();
    let workspace = parse("Cargo.toml");
    assert_eq!(
        workspace["workspace"]["package"]["rust-version"].as_str(),
        Some(channel),
        "Cargo.toml's rust-version is not rust-toolchain.toml's {channel}"
    );
    let dockerfile = read("Dockerfile");
    let images: Vec<&str> = dockerfile
        .lines()
        .filter_map(|line| line.strip_prefix("FROM rust:"))
        .collect();
    assert!(!images.is_empty(), "the Dockerfile builds on no rust image");
    for image in images {
        assert!(
            image.starts_with(&format!("{channel}-")),
            "the Dockerfile builds on rust:{image}, not rust-toolchain.toml's {channel}"
        );
    }
}

#[test]
fn the_toolchain_has_what_make_lint_runs() {
    let toolchain = parse("rust-toolchain.toml");
    let components: Vec<&str> = toolchain["toolchain"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(toml::Value::as_str)
        .collect();
    assert!(components.contains(&"rustfmt"), "{components:?}");
    assert!(components.contains(&"clippy"), "{components:?}");
}
