//! One list of search attributes: `names::search_attribute::REGISTRATION`. docker-compose.yml
//! cannot ask the binary for it, so its copy is checked here, as is the README's table; the
//! scripts ask `chaser search-attributes` and keep none.

use chaser_workflows::names::search_attribute::REGISTRATION;

use crate::read;

fn registration() -> Vec<String> {
    REGISTRATION
        .iter()
        .map(|(name, kind)| format!("{name}={kind}"))
        .collect()
}

#[test]
fn the_compose_file_registers_exactly_the_chasers_search_attributes() {
    let compose = read("docker-compose.yml");
    let listed: Vec<String> = compose
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- --search-attribute="))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        listed,
        registration(),
        "docker-compose.yml's temporal command"
    );
}

#[test]
fn the_readme_table_lists_exactly_the_chasers_search_attributes() {
    let readme = read("README.md");
    let section = readme
        .split("### Search attributes")
        .nth(1)
        .and_then(|rest| rest.split("\n#").next())
        .unwrap();
    let rows: Vec<String> = section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .map(|row| {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            format!("{}={}", cells[0].trim_end_matches('`'), cells[1])
        })
        .collect();
    assert_eq!(rows, registration(), "README.md, Search attributes");
}

#[test]
fn no_script_keeps_a_copy_of_the_list() {
    let scripts = chaser_tests::repo_root().join("scripts");
    for entry in std::fs::read_dir(&scripts).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for pair in registration() {
            assert!(
                !text.contains(&pair),
                "{} names {pair}: ask `chaser search-attributes` instead",
                path.display()
            );
        }
    }
}
