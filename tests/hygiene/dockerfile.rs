//! What the Dockerfile relies on and no build here runs: it is built only where Docker is.

use crate::{parse, read};

/// The dependency layer forgets the stubs' build by the `chaser-*` fingerprints.
#[test]
fn every_workspace_crate_is_named_chaser_something() {
    let workspace = parse("Cargo.toml");
    for member in workspace["workspace"]["members"].as_array().unwrap() {
        let member = member.as_str().unwrap();
        let manifest = parse(&format!("{member}/Cargo.toml"));
        let name = manifest["package"]["name"].as_str().unwrap();
        assert!(name.starts_with("chaser-"), "{member}/Cargo.toml: {name}");
    }
}

#[test]
fn the_image_runs_as_a_user_that_is_not_root() {
    let dockerfile = read("Dockerfile");
    let user = dockerfile
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("USER "))
        .expect("the Dockerfile sets no USER: the worker would run as root");
    let user = user.split(':').next().unwrap().trim();
    assert!(!matches!(user, "0" | "root"), "USER {user}");
    assert!(
        user.parse::<u32>().is_ok(),
        "USER {user}: numeric, so a runtime can check it is not root"
    );
}
