//! The crate's layering, checked on its source: no import circle between
//! top-level modules, no module below `cmd` reaching into it, exporters that
//! see only the report, an analysis that never sees rows, and no source file
//! over 1,000 lines.
//!
//! A module "uses" another when its non-test, non-comment code names
//! `crate::other`; `super::` stays inside a module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module of a source file (`src/io/read/csv.rs` → `io`).
fn top_module(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The code of a file without its comment lines and its test-only items:
/// an item after `#[cfg(test)]` (a `use` or `mod` line, or a block up to
/// its closing brace at the start of a line), and everything from a
/// `#[cfg(test)] mod … {` on (test modules come last).
fn code(text: &str) -> String {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t.starts_with("//") {
            continue;
        }
        if t != "#[cfg(test)]" {
            out.push(line);
            continue;
        }
        let Some(item) = lines.next() else { break };
        let item = item.trim_start();
        if item.starts_with("mod ") && item.ends_with('{') {
            break;
        }
        if item.ends_with(';') {
            continue;
        }
        if item.starts_with("use ") {
            for l in lines.by_ref() {
                if l.trim_end().ends_with(';') {
                    break;
                }
            }
            continue;
        }
        for l in lines.by_ref() {
            if l == "}" {
                break;
            }
        }
    }
    out.join("\n")
}

/// The files compiled only for tests: `#[cfg(test)] mod name;`.
fn test_only_files(files: &[PathBuf]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(f).unwrap();
        let mut lines = text.lines().map(str::trim);
        while let Some(l) = lines.next() {
            if l == "#[cfg(test)]"
                && let Some(m) = lines.next()
                && let Some(name) = m.strip_prefix("mod ").and_then(|m| m.strip_suffix(';'))
            {
                out.insert(name.to_string());
            }
        }
    }
    out
}

/// Every `crate::name` a piece of code refers to.
fn crate_refs(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
    }
    out
}

/// Module → the modules it uses.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let tests = test_only_files(&files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        if tests.contains(&stem) {
            continue;
        }
        let from = top_module(&src, &f);
        if from == "main" || from == "lib" {
            continue;
        }
        let uses = crate_refs(&code(&std::fs::read_to_string(&f).unwrap()));
        let entry = g.entry(from.clone()).or_default();
        entry.extend(uses.into_iter().filter(|m| *m != from));
    }
    g
}

/// Strongly connected components with more than one module (Tarjan).
fn circles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        let g = s.g;
        for w in g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.stack.contains(&w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn no_two_modules_use_each_other_even_through_others() {
    let g = graph();
    let found = circles(&g);
    let edges: Vec<String> = found
        .iter()
        .flat_map(|c| {
            c.iter().flat_map(|a| {
                g[a].iter()
                    .filter(|b| c.contains(b))
                    .map(move |b| format!("{a} → {b}"))
            })
        })
        .collect();
    assert!(found.is_empty(), "import circles {found:?}: {edges:?}");
}

#[test]
fn the_circle_check_finds_a_circle() {
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    g.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    g.insert("d".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(circles(&g), [["a", "b", "c"]]);
}

#[test]
fn layers_keep_to_their_place() {
    let g = graph();
    for (module, uses) in &g {
        if module != "app" && module != "cmd" {
            assert!(!uses.contains("cmd"), "{module} reaches into cmd");
        }
    }
    let forbidden = |module: &str, below: &[&str]| {
        let uses = &g[module];
        for b in below {
            assert!(!uses.contains(*b), "{module} uses {b}");
        }
    };
    forbidden(
        "export",
        &["cli", "cmd", "settings", "reduce", "analysis", "io"],
    );
    forbidden(
        "report",
        &["cli", "cmd", "settings", "export", "reduce", "analysis"],
    );
    forbidden("analysis", &["cli", "cmd", "reduce", "warehouse"]);
    forbidden(
        "diff",
        &[
            "cli", "cmd", "settings", "export", "reduce", "analysis", "io",
        ],
    );
}

#[test]
fn the_analysis_never_sees_rows() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/analysis");
    let mut files = Vec::new();
    sources(&dir, &mut files);
    assert!(!files.is_empty());
    for f in files {
        let code = code(&std::fs::read_to_string(&f).unwrap());
        for rows in ["Dataset", "Exposures", "Orders", "Loaded", "io::load"] {
            assert!(!code.contains(rows), "{} names {rows}", f.display());
        }
    }
}

#[test]
fn no_source_file_is_over_a_thousand_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (n > 1000).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "{long:?}");
}
