//! The shape of each crate's files: no file leans on a file that leans back on it (an import
//! cycle between files of one crate), and no source file grows past a few screens.
//!
//! A file depends on another when it names it through a `crate::`, `super::` or `self::`
//! path, in a `use` or inline, followed through the `pub use` re-exports of the module it
//! lands in (so `use crate::Money` is a dependency on `money.rs`). `pub use` lines are the
//! facade, not a dependency, and a file's `#[cfg(test)]` tail is its own tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chaser_tests::repo_root;

/// Every crate's library or binary sources.
const CRATES: [&str; 12] = [
    "domain",
    "links",
    "codec",
    "extract",
    "intake",
    "workflows",
    "activities",
    "app",
    "api",
    "worker",
    "tests",
    "bench",
];

/// The longest a source file may be.
const MAX_LINES: usize = 600;

/// Files allowed to be longer, and why: table data, not code.
const LONG_TABLES: [(&str, &str); 1] = [(
    "extract/tests/generate/corpus.rs",
    "25 literal invoices that the corpus generator renders; the code around them is ~400 lines",
)];

type Module = Vec<String>;

#[test]
fn no_file_of_a_crate_depends_on_itself_through_others() {
    let mut cycles = vec![];
    for krate in CRATES {
        let files = modules(&repo_root().join(krate).join("src"));
        let reexports = reexports(&files);
        let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for (module, path) in &files {
            let text = own_code(&read(path));
            let edges = graph.entry(module.clone()).or_default();
            for target in references(module, &text) {
                let to = resolve(&files, &reexports, &target);
                if &to != module && files.contains_key(&to) {
                    edges.insert(to);
                }
            }
        }
        for cycle in strongly_connected(&graph) {
            let names: Vec<String> = cycle.iter().map(name).collect();
            cycles.push(format!("{krate}/src: {}", names.join(" <-> ")));
        }
    }
    assert!(
        cycles.is_empty(),
        "files that depend on each other (move what they share into a lower module):\n{}",
        cycles.join("\n")
    );
}

#[test]
fn no_source_file_is_longer_than_a_few_screens() {
    let mut long = vec![];
    for krate in CRATES.iter().chain(&["fuzz"]) {
        for path in rust_files(&repo_root().join(krate)) {
            let relative = path.strip_prefix(repo_root()).unwrap_or(&path);
            let relative = relative.to_string_lossy().replace('\\', "/");
            let lines = read(&path).lines().count();
            if lines > MAX_LINES && !LONG_TABLES.iter().any(|(p, _)| *p == relative) {
                long.push(format!("{relative}: {lines} lines"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "source files over {MAX_LINES} lines (split them by job):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_long_files_allowed_exist_and_are_long() {
    for (path, why) in LONG_TABLES {
        let lines = read(&repo_root().join(path)).lines().count();
        assert!(
            lines > MAX_LINES,
            "{path} ({why}) is {lines} lines now: drop it from the list"
        );
    }
}

#[test]
fn the_checker_finds_a_cycle_through_a_reexport() {
    let files: BTreeMap<Module, PathBuf> = [
        (vec![], "lib.rs"),
        (vec!["a".to_owned()], "a.rs"),
        (vec!["b".to_owned()], "b.rs"),
    ]
    .into_iter()
    .map(|(m, p)| (m, PathBuf::from(p)))
    .collect();
    let reexports = BTreeMap::from([((vec![], "B".to_owned()), vec!["b".to_owned()])]);
    let a = references(&vec!["a".to_owned()], "use crate::{B, x::Y};\nfn f() {}");
    let b = references(
        &vec!["b".to_owned()],
        "pub use super::a::Z;\nfn g() { super::a::h() }",
    );
    let a: BTreeSet<Module> = a.iter().map(|t| resolve(&files, &reexports, t)).collect();
    let b: BTreeSet<Module> = b.iter().map(|t| resolve(&files, &reexports, t)).collect();
    assert!(a.contains(&vec!["b".to_owned()]), "{a:?}");
    assert_eq!(b, BTreeSet::from([vec!["a".to_owned()]]));
    let graph = BTreeMap::from([(vec!["a".to_owned()], a), (vec!["b".to_owned()], b)]);
    assert_eq!(strongly_connected(&graph).len(), 1);
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let skip = ["target", "fixtures", "corpus", "artifacts"];
        if path.is_dir() && !skip.iter().any(|s| path.ends_with(s)) {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The crate's modules and the file of each (`bin/` targets are crates of their own).
fn modules(src: &Path) -> BTreeMap<Module, PathBuf> {
    rust_files(src)
        .into_iter()
        .filter(|p| !p.strip_prefix(src).is_ok_and(|r| r.starts_with("bin")))
        .map(|p| {
            let relative = p.strip_prefix(src).unwrap_or(&p).with_extension("");
            let mut module: Module = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if module
                .last()
                .is_some_and(|l| ["lib", "main", "mod"].contains(&l.as_str()))
            {
                module.pop();
            }
            (module, p)
        })
        .collect()
}

fn name(module: &Module) -> String {
    if module.is_empty() {
        "lib".to_owned()
    } else {
        module.join("::")
    }
}

/// The file without its unit tests.
fn own_code(text: &str) -> String {
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_owned(),
        None => text.to_owned(),
    }
}

/// `(module, name)` re-exported by a module's `pub use`, and the module path it comes from.
fn reexports(files: &BTreeMap<Module, PathBuf>) -> BTreeMap<(Module, String), Module> {
    let mut out = BTreeMap::new();
    for (module, path) in files {
        for (public, tree) in use_items(&own_code(&read(path))) {
            if !public {
                continue;
            }
            for used in expand(&tree) {
                let mut segments: Vec<String> = used.split("::").map(str::to_owned).collect();
                let Some(last) = segments.pop() else { continue };
                let from = match segments.first().map(String::as_str) {
                    Some("crate") => segments[1..].to_vec(),
                    Some("self") => [module.clone(), segments[1..].to_vec()].concat(),
                    Some("super") => relative(module, &segments),
                    _ => [module.clone(), segments].concat(),
                };
                out.insert((module.clone(), last), from);
            }
        }
    }
    out
}

/// Every `use` item of a file: whether it is `pub` (any visibility), and its tree.
fn use_items(text: &str) -> Vec<(bool, String)> {
    let mut out = vec![];
    let mut rest = text;
    while let Some(at) = rest.find("use ") {
        let before = &rest[..at];
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        let prefix = before[line_start..].trim();
        let at_item = prefix.is_empty() || prefix.starts_with("pub");
        let boundary = at == 0 || !rest.as_bytes()[at - 1].is_ascii_alphanumeric();
        let Some(end) = rest[at..].find(';') else {
            break;
        };
        if at_item && boundary {
            out.push((prefix.starts_with("pub"), rest[at + 4..at + end].to_owned()));
        }
        rest = &rest[at + end + 1..];
    }
    out
}

/// `a::{b, c::{d, e}}` as `a::b`, `a::c::d`, `a::c::e` (aliases dropped).
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    fn go(prefix: &str, tree: &str, out: &mut Vec<String>) {
        let tree = tree.trim();
        let Some(open) = tree.find('{') else {
            let path = tree.split(" as ").next().unwrap_or(tree).trim();
            out.push(format!("{prefix}{path}").trim_end_matches("::").to_owned());
            return;
        };
        let head = format!("{prefix}{}", &tree[..open]);
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let (mut depth, mut start) = (0, 0);
        for (i, ch) in inner.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    go(&head, &inner[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        if !inner[start..].trim().is_empty() {
            go(&head, &inner[start..], out);
        }
    }
    let mut out = vec![];
    go("", &tree, &mut out);
    out.retain(|p| !p.is_empty() && !p.ends_with("self") && !p.ends_with('*'));
    out
}

/// `super::super::x` from `module`: the path it names.
fn relative(module: &Module, segments: &[String]) -> Module {
    let mut base = module.clone();
    let mut rest = segments;
    while rest.first().is_some_and(|s| s == "super") {
        base.pop();
        rest = &rest[1..];
    }
    [base, rest.to_vec()].concat()
}

/// Every crate-relative path a file names outside its `pub use` lines.
fn references(module: &Module, text: &str) -> Vec<Module> {
    let mut paths = vec![];
    let mut code = text.to_owned();
    for (public, tree) in use_items(text) {
        code = code.replacen(&tree, "", 1);
        if !public {
            paths.extend(expand(&tree));
        }
    }
    for start in ["crate::", "super::", "self::"] {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(start) {
            let boundary = at == 0 || {
                let c = rest.as_bytes()[at - 1];
                !(c.is_ascii_alphanumeric() || c == b'_' || c == b':')
            };
            let len = rest[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len() - at);
            if boundary {
                paths.push(rest[at..at + len].trim_end_matches(':').to_owned());
            }
            rest = &rest[at + len..];
        }
    }
    paths
        .into_iter()
        .filter_map(|path| {
            let segments: Vec<String> = path.split("::").map(str::to_owned).collect();
            match segments.first().map(String::as_str) {
                Some("crate") => Some(segments[1..].to_vec()),
                Some("self") => Some([module.clone(), segments[1..].to_vec()].concat()),
                Some("super") => Some(relative(module, &segments)),
                _ => None,
            }
        })
        .collect()
}

/// The file a path lands in: its longest prefix that is a module, followed through that
/// module's re-exports.
fn resolve(
    files: &BTreeMap<Module, PathBuf>,
    reexports: &BTreeMap<(Module, String), Module>,
    path: &Module,
) -> Module {
    for len in (0..=path.len()).rev() {
        let module = path[..len].to_vec();
        if !files.contains_key(&module) {
            continue;
        }
        if let Some(next) = path.get(len)
            && let Some(from) = reexports.get(&(module.clone(), next.clone()))
            && *from != module
        {
            let mut target = from.clone();
            target.push(next.clone());
            return resolve(files, reexports, &target);
        }
        return module;
    }
    vec![]
}

/// The sets of two or more files that reach each other (Tarjan's algorithm).
fn strongly_connected(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<Module, usize>,
        low: BTreeMap<Module, usize>,
        stack: Vec<Module>,
        found: Vec<Vec<Module>>,
    }
    impl Walk<'_> {
        fn visit(&mut self, v: &Module) {
            let n = self.index.len();
            self.index.insert(v.clone(), n);
            self.low.insert(v.clone(), n);
            self.stack.push(v.clone());
            for w in self.graph.get(v).into_iter().flatten() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v.clone(), low);
                } else if self.stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v.clone(), low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut set = vec![];
                while let Some(w) = self.stack.pop() {
                    let done = &w == v;
                    set.push(w);
                    if done {
                        break;
                    }
                }
                if set.len() > 1 {
                    set.sort();
                    self.found.push(set);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        found: vec![],
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.found
}
