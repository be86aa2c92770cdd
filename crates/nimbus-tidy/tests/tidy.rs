//! The tidy test: ARCHITECTURE.md's invariants about the source tree, checked on every
//! `cargo test`. Each rule's checker lives in `nimbus-tidy`'s library, with unit tests that
//! show it failing on a small violating input; this file runs them on the real tree and
//! holds the explicit exceptions, each with its reason.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use nimbus_tidy::{deps, files, layers, modules, ops, read_rs_files};

/// The crates of one AWS service each.
const SERVICE_CRATES: &[&str] = &[
    "nimbus-s3",
    "nimbus-sqs",
    "nimbus-lambda",
    "nimbus-iam",
    "nimbus-cloudwatch",
];

/// Libraries any crate may depend on, services included, because they are pure: no
/// service, no wire layer, no gateway beneath them (`nimbus-policy`, the policy evaluator
/// S3, SQS, Lambda and IAM share).
const PURE_LIBRARIES: &[&str] = &["nimbus-policy"];

/// What a pure library must not depend on.
const NOT_BENEATH_PURE_LIBRARIES: &[&str] = &["nimbus-wire", "nimbus-gateway", "nimbus"];

/// Files allowed past [`files::MAX_LINES`] production lines, with the reason or the plan to
/// split them (from the architecture review's table of large files). An entry that no
/// longer needs its exception fails the test, so this list only shrinks.
const LARGE_FILES: &[(&str, &str)] = &[
    (
        "crates/nimbus-lambda/src/ops/functions.rs",
        "shapes, runtime lists and per-member checks: shrinks with one shared constraint helper",
    ),
    (
        "crates/nimbus-lambda/src/runtime/mod.rs",
        "Executor, Pool and the Environment trait could become sibling modules",
    ),
];

/// The files where each service writes its operation table (see [`ops::table_rows`]), by
/// the service's name in `scripts/compat-status.json`.
const OPERATION_LISTS: &[(&str, &str)] = &[
    ("sqs", "crates/nimbus-sqs/src/ops/mod.rs"),
    ("iam", "crates/nimbus-iam/src/lib.rs"),
    ("sts", "crates/nimbus-iam/src/sts.rs"),
    ("s3", "crates/nimbus-s3/src/ops/mod.rs"),
    ("lambda", "crates/nimbus-lambda/src/ops/mod.rs"),
    ("logs", "crates/nimbus-lambda/src/logs/service.rs"),
    ("cloudwatch", "crates/nimbus-cloudwatch/src/ops/mod.rs"),
];

/// Where `docs/compat.md`'s supported and partial operations (`scripts/compat-status.json`)
/// and the tables' served rows differ, as (service, operation, reason).
const COMPAT_EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "s3",
        "PreflightRequest",
        "a CORS preflight is no operation of botocore's model",
    ),
    (
        "s3",
        "GetBucketNotification",
        "the deprecated name of GetBucketNotificationConfiguration, answered by its row",
    ),
    (
        "s3",
        "PutBucketNotification",
        "the deprecated name of PutBucketNotificationConfiguration, answered by its row",
    ),
    (
        "s3",
        "ListDirectoryBuckets",
        "answered by the ListBuckets row (nimbus has no directory buckets)",
    ),
    (
        "s3",
        "GetAccountPublicAccessBlock",
        "S3 Control's GetPublicAccessBlock (account level), served by S3 and listed under s3control",
    ),
    (
        "s3",
        "PutAccountPublicAccessBlock",
        "S3 Control's PutPublicAccessBlock (account level), served by S3 and listed under s3control",
    ),
    (
        "s3",
        "DeleteAccountPublicAccessBlock",
        "S3 Control's DeletePublicAccessBlock (account level), served by S3 and listed under s3control",
    ),
    (
        "lambda",
        "GetFunctionCode",
        "nimbus's download of the package GetFunction's Code.Location points at",
    ),
];

/// Modules that know no HTTP and no wire layer, as (directory from the repository root,
/// why): a service's engine takes parsed inputs and returns typed results, and its `ops/`
/// speaks the protocol.
const HTTP_FREE: &[(&str, &str)] = &[
    (
        "crates/nimbus-s3/src/engine",
        "S3's engine: ops/ keeps the restXml codec",
    ),
    (
        "crates/nimbus-sqs/src/engine",
        "SQS's engine: ops/ parses awsJson and awsQuery",
    ),
];

/// The crates [`HTTP_FREE`] modules must not name.
const HTTP_CRATES: &[&str] = &["http", "nimbus_wire"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every crate directory under `crates/`, by name.
fn crates() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(root().join("crates"))
        .expect("crates/ is readable")
        .map(|e| e.expect("crates/ entry").path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    out.sort();
    out
}

/// Every `.rs` file under each crate's `src/`: (path from the repository root, path under
/// `src/`, contents), grouped by crate.
fn sources() -> Vec<(String, Vec<(String, String)>)> {
    crates()
        .into_iter()
        .map(|(name, dir)| {
            let files = read_rs_files(&dir.join("src")).expect("src/ is readable");
            (name, files)
        })
        .collect()
}

fn fail_if_any(problems: Vec<String>, rule: &str) {
    assert!(problems.is_empty(), "{rule}:\n  {}", problems.join("\n  "));
}

#[test]
fn service_crates_depend_on_no_other_service_nor_on_the_gateway() {
    let crates = crates();
    for s in SERVICE_CRATES {
        assert!(
            crates.iter().any(|(n, _)| n == s),
            "service crate {s} is missing"
        );
    }
    let mut problems = Vec::new();
    for (name, dir) in &crates {
        if !SERVICE_CRATES.contains(&name.as_str()) {
            continue;
        }
        let toml = std::fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml");
        let forbidden: Vec<&str> = SERVICE_CRATES
            .iter()
            .copied()
            .filter(|s| s != name)
            .chain(["nimbus-gateway"])
            .collect();
        for dep in deps::forbidden_dependencies(&toml, &forbidden) {
            problems.push(format!(
                "{name} depends on {dep} (services reach each other through nimbus_core::bus)"
            ));
        }
    }
    fail_if_any(
        problems,
        "service crates must not depend on each other or on the gateway",
    );
}

#[test]
fn pure_libraries_depend_on_no_service_nor_on_the_wire_layer() {
    let crates = crates();
    let mut problems = Vec::new();
    for lib in PURE_LIBRARIES {
        let Some((_, dir)) = crates.iter().find(|(n, _)| n == lib) else {
            problems.push(format!("pure library {lib} is missing"));
            continue;
        };
        assert!(
            !SERVICE_CRATES.contains(lib),
            "{lib} is listed as a service"
        );
        let toml = std::fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml");
        let forbidden: Vec<&str> = SERVICE_CRATES
            .iter()
            .chain(NOT_BENEATH_PURE_LIBRARIES)
            .copied()
            .collect();
        for dep in deps::forbidden_dependencies(&toml, &forbidden) {
            problems.push(format!(
                "{lib} depends on {dep} (services depend on it, so it stays beneath them)"
            ));
        }
    }
    fail_if_any(problems, "pure libraries stay pure");
}

#[test]
fn service_engines_know_no_http_and_no_wire_layer() {
    let mut problems = Vec::new();
    for (dir, why) in HTTP_FREE {
        assert!(!why.is_empty());
        let files = read_rs_files(&root().join(dir)).expect("engine directory is readable");
        assert!(!files.is_empty(), "{dir} has no source files");
        for (rel, src) in files {
            for (krate, line) in layers::named_crates(&src, HTTP_CRATES) {
                problems.push(format!("{dir}/{rel}:{line} names `{krate}` ({why})"));
            }
        }
    }
    fail_if_any(
        problems,
        "engines take parsed inputs and know neither http nor nimbus_wire",
    );
}

#[test]
fn no_crate_has_a_module_cycle() {
    let mut problems = Vec::new();
    for (name, files) in sources() {
        for cycle in modules::cycles(&files) {
            problems.push(format!("{name}: {cycle}"));
        }
    }
    fail_if_any(
        problems,
        "module cycles (move the shared item to a module both can use)",
    );
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let mut problems = Vec::new();
    for (name, files) in sources() {
        for (rel, src) in files {
            if !files::has_module_doc(&src) {
                problems.push(format!("crates/{name}/src/{rel}"));
            }
        }
    }
    fail_if_any(problems, "files without a leading `//!` module doc");
}

#[test]
fn no_source_file_passes_800_lines_outside_the_allow_list() {
    let mut problems = Vec::new();
    let mut large = BTreeSet::new();
    for (name, files) in sources() {
        let tests = modules::test_module_files(&files);
        for (rel, src) in &files {
            if tests.contains(rel) {
                continue;
            }
            let path = format!("crates/{name}/src/{rel}");
            let lines = files::production_lines(src);
            if lines > files::MAX_LINES {
                large.insert(path.clone());
                if !LARGE_FILES.iter().any(|(p, _)| *p == path) {
                    problems.push(format!(
                        "{path}: {lines} lines outside tests (more than {}); split it",
                        files::MAX_LINES
                    ));
                }
            }
        }
    }
    for (path, reason) in LARGE_FILES {
        assert!(!reason.is_empty());
        if !large.contains(*path) {
            problems.push(format!(
                "{path} is on LARGE_FILES but no longer passes {} lines: remove its entry",
                files::MAX_LINES
            ));
        }
    }
    fail_if_any(problems, "file sizes");
}

#[test]
fn the_gateway_names_no_service_operation() {
    let mut names = BTreeSet::new();
    for (_, list) in OPERATION_LISTS {
        let src = std::fs::read_to_string(root().join(list)).expect("operation list");
        let found = ops::operation_names(&src);
        assert!(
            !found.is_empty(),
            "{list} lists no operation: has its form changed?"
        );
        names.extend(found);
    }
    // Sanity: one operation of each service is seen.
    for op in [
        "SendMessage",
        "PutObject",
        "Invoke",
        "CreateRole",
        "AssumeRole",
        "GetLogEvents",
    ] {
        assert!(
            names.contains(op),
            "{op} missing from the services' operation lists"
        );
    }
    let gateway = read_rs_files(&root().join("crates/nimbus-gateway/src")).expect("gateway src");
    let mut problems = Vec::new();
    for (rel, src) in &gateway {
        for (op, line) in ops::mentions(src, &names) {
            problems.push(format!(
                "crates/nimbus-gateway/src/{rel}:{line} names the operation {op}: the gateway only routes (services claim their actions through `Service::bindings`)"
            ));
        }
    }
    fail_if_any(problems, "the gateway knows no operation of any service");
}

#[test]
fn every_service_writes_its_operations_in_one_table() {
    let mut problems = Vec::new();
    for (_, list) in OPERATION_LISTS {
        let src = std::fs::read_to_string(root().join(list)).expect("operation list");
        if !src.contains("nimbus_wire::operations! {") {
            problems.push(format!(
                "{list} has no `nimbus_wire::operations!` table (one row per operation: name, binding, handler)"
            ));
        }
    }
    fail_if_any(problems, "operation tables");
}

#[test]
fn services_return_errors_and_only_the_gateway_renders_them() {
    let render: BTreeSet<String> = ["render".to_string()].into();
    let mut problems = Vec::new();
    for (name, files) in sources() {
        if !SERVICE_CRATES.contains(&name.as_str()) {
            continue;
        }
        for (rel, src) in &files {
            // `nimbus_wire::error::render` is reached only through `nimbus_wire::error`
            // (the crate root does not re-export it): a `render` of the service's own (the
            // metric store's Prometheus text) is no wire error renderer.
            if !src.contains("error::render") && !src.contains("nimbus_wire::error::{") {
                continue;
            }
            for (_, line) in ops::mentions(src, &render) {
                problems.push(format!(
                    "crates/{name}/src/{rel}:{line} calls `render`: return the `ServiceError` from `Service::call` and the gateway renders it"
                ));
            }
        }
    }
    fail_if_any(problems, "errors are rendered once, by the gateway");
}

/// `scripts/compat-status.json`'s operations, by service (every one it lists is supported or
/// partial). It is written two spaces per level: services at two, operations at four.
fn compat_status() -> std::collections::BTreeMap<String, BTreeSet<String>> {
    let text =
        std::fs::read_to_string(root().join("scripts/compat-status.json")).expect("compat status");
    let mut out = std::collections::BTreeMap::<String, BTreeSet<String>>::new();
    let mut service = None;
    for line in text.lines() {
        let key = |indent: usize| {
            let rest = line.strip_prefix(&" ".repeat(indent))?.strip_prefix('"')?;
            rest.split_once('"').map(|(k, _)| k.to_string())
        };
        if let Some(s) = key(2) {
            service = Some(s);
        } else if let (Some(op), Some(s)) = (key(4), &service)
            && !op.starts_with('_')
        {
            out.entry(s.clone()).or_default().insert(op);
        }
    }
    out
}

#[test]
fn docs_compat_lists_exactly_the_operations_the_tables_serve() {
    let status = compat_status();
    let mut problems = Vec::new();
    for (service, list) in OPERATION_LISTS {
        let src = std::fs::read_to_string(root().join(list)).expect("operation list");
        let (served, _) = ops::table_rows(&src);
        let listed = status.get(*service).cloned().unwrap_or_default();
        let excepted = |op: &str| {
            COMPAT_EXCEPTIONS
                .iter()
                .any(|(s, o, _)| s == service && *o == op)
        };
        for op in served.difference(&listed).filter(|op| !excepted(op)) {
            problems.push(format!(
                "{list} serves {op}, which scripts/compat-status.json does not list for {service}"
            ));
        }
        for op in listed.difference(&served).filter(|op| !excepted(op)) {
            problems.push(format!(
                "scripts/compat-status.json marks {service} {op} served, but {list} has no row for it"
            ));
        }
    }
    for (service, op, reason) in COMPAT_EXCEPTIONS {
        assert!(!reason.is_empty());
        let listed = status.get(*service).is_some_and(|l| l.contains(*op));
        let served = OPERATION_LISTS
            .iter()
            .filter(|(s, _)| s == service)
            .any(|(_, list)| {
                let src = std::fs::read_to_string(root().join(list)).expect("operation list");
                ops::table_rows(&src).0.contains(*op)
            });
        if listed == served {
            problems.push(format!(
                "{service} {op} is on COMPAT_EXCEPTIONS but no longer differs: remove its entry"
            ));
        }
    }
    fail_if_any(problems, "docs/compat.md and the operation tables");
}
