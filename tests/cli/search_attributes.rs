//! `chaser search-attributes`: the list the demo and operators register, from the workflows'
//! own constant.

use chaser_tests::{chaser, stderr, stdout};
use chaser_workflows::names::search_attribute::REGISTRATION;

#[test]
fn search_attributes_prints_each_name_and_type_without_any_config() {
    let out = chaser(&["search-attributes"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let expected: String = REGISTRATION
        .iter()
        .map(|(name, kind)| format!("{name}={kind}\n"))
        .collect();
    assert_eq!(stdout(&out), expected);
}
