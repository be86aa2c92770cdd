//! Crate layering: a service crate depends on no other service crate and not on the gateway;
//! a pure library (the policy evaluator) on no service, nor on the wire layer or the gateway.
//!
//! Read from the manifest's `[dependencies]` (and target-specific dependencies); dev- and
//! build-dependencies are not part of what the crate links into nimbus.

/// The names `[dependencies]` tables of `cargo_toml` list (`name = …`, `name.workspace = …`,
/// and `[dependencies.name]` tables; target-specific `[target.….dependencies]` included).
pub fn dependencies(cargo_toml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_deps = false;
    for line in cargo_toml.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let header = header.trim();
            let normal = |h: &str| h == "dependencies" || h.ends_with(".dependencies");
            if let Some(name) = header
                .strip_prefix("dependencies.")
                .or_else(|| header.split_once(".dependencies.").map(|(_, n)| n))
            {
                out.push(name.trim_matches('"').to_string());
                in_deps = false;
            } else {
                in_deps = normal(header);
            }
            continue;
        }
        if in_deps && let Some((key, _)) = line.split_once('=') {
            let name = key.trim().split('.').next().unwrap_or("").trim_matches('"');
            if !name.is_empty() {
                out.push(name.to_string());
            }
        }
    }
    out
}

/// The dependencies of `cargo_toml` that are in `forbidden`.
pub fn forbidden_dependencies(cargo_toml: &str, forbidden: &[&str]) -> Vec<String> {
    dependencies(cargo_toml)
        .into_iter()
        .filter(|d| forbidden.contains(&d.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_dependency_is_read_and_dev_dependencies_are_not() {
        let toml = r#"
[package]
name = "nimbus-sqs"

[dependencies]
nimbus-core = { workspace = true }
nimbus-s3.workspace = true # a service
tokio = "1"

[dependencies.nimbus-gateway]
path = "../nimbus-gateway"

[target.'cfg(unix)'.dependencies]
nimbus-lambda = { path = "../nimbus-lambda" }

[dev-dependencies]
nimbus-iam = { workspace = true }
"#;
        assert_eq!(
            dependencies(toml),
            [
                "nimbus-core",
                "nimbus-s3",
                "tokio",
                "nimbus-gateway",
                "nimbus-lambda"
            ]
        );
        let bad = forbidden_dependencies(
            toml,
            &["nimbus-s3", "nimbus-lambda", "nimbus-iam", "nimbus-gateway"],
        );
        assert_eq!(bad, ["nimbus-s3", "nimbus-gateway", "nimbus-lambda"]);
    }
}
