//! Configuration: command-line flags, `NIMBUS_*` environment variables and an optional
//! `nimbus.toml`, in that order of precedence.

use std::path::{Path, PathBuf};

use nimbus_core::{AccountId, Durability};
use serde::Deserialize;

pub use nimbus_gateway::AuthMode;

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// One access key accepted by `--auth strict` (`[[credentials]]` in `nimbus.toml`, with
/// kebab-case keys like every other key of the file; `access_key`/`secret_key` also read).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CredentialConfig {
    /// The access key id.
    #[serde(alias = "access_key")]
    pub access_key: String,
    /// Its secret.
    #[serde(alias = "secret_key")]
    pub secret_key: String,
    /// The account it acts in (the default account when absent).
    #[serde(default)]
    pub account: Option<String>,
    /// The IAM user or role it acts as (`arn:aws:iam::ACCOUNT:user/alice`); absent: the
    /// account's root user.
    #[serde(default)]
    pub arn: Option<String>,
}

/// Everything a sandbox is started with.
#[derive(Clone, Debug)]
pub struct Config {
    /// The address to listen on (127.0.0.1 unless told otherwise).
    pub host: String,
    /// The port (4566, LocalStack's edge port; 0 picks a free one).
    pub port: u16,
    /// Where state is kept.
    pub data_dir: PathBuf,
    /// Keep everything in memory instead.
    pub in_memory: bool,
    /// How hard acknowledged writes are committed.
    pub durability: Durability,
    /// The default region.
    pub region: String,
    /// The default account.
    pub account: AccountId,
    /// Off (any credentials) or strict (configured credentials, verified signatures).
    pub auth: AuthMode,
    /// The credentials strict mode accepts.
    pub credentials: Vec<CredentialConfig>,
    /// Evaluate IAM identity policies (`--enforce-iam`).
    pub enforce_iam: bool,
    /// Text or JSON log lines.
    pub log_format: LogFormat,
    /// A tracing filter (`info`, `debug`, `nimbus_sqs=trace`…).
    pub log_level: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 4566,
            data_dir: PathBuf::from("./.nimbus"),
            in_memory: false,
            durability: Durability::Process,
            region: nimbus_core::DEFAULT_REGION.into(),
            account: AccountId::default(),
            auth: AuthMode::Off,
            credentials: Vec::new(),
            enforce_iam: false,
            log_format: LogFormat::Text,
            log_level: "info".into(),
        }
    }
}

/// Checks that `arn` names an IAM user or role (or the root user) of `account`.
fn check_principal_arn(arn: &str, account: &str) -> Result<(), &'static str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [arn_lit, _partition, service, region, arn_account, resource] = parts[..] else {
        return Err("expected arn:aws:iam::ACCOUNT:user/NAME or role/NAME");
    };
    if arn_lit != "arn" || service != "iam" || !region.is_empty() {
        return Err("expected arn:aws:iam::ACCOUNT:user/NAME or role/NAME");
    }
    if arn_account != account {
        return Err("its account is not the credential's account");
    }
    let named = |p: &str| resource.strip_prefix(p).is_some_and(|n| !n.is_empty());
    if resource == "root" || named("user/") || named("role/") {
        Ok(())
    } else {
        Err("expected arn:aws:iam::ACCOUNT:user/NAME or role/NAME")
    }
}

/// A configuration error: printed on one line, exit status 2.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// The keys of `nimbus.toml`; each mirrors a flag.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileConfig {
    host: Option<String>,
    port: Option<u16>,
    data_dir: Option<PathBuf>,
    in_memory: Option<bool>,
    durability: Option<String>,
    region: Option<String>,
    account: Option<String>,
    auth: Option<String>,
    enforce_iam: Option<bool>,
    log_format: Option<String>,
    log_level: Option<String>,
    #[serde(default)]
    credentials: Vec<CredentialConfig>,
}

impl FileConfig {
    /// Reads `path`; a missing file is an error only when `required`.
    pub fn load(path: &Path, required: bool) -> Result<FileConfig, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text)
                .map_err(|e| ConfigError(format!("{}: {}", path.display(), e.message()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                Ok(FileConfig::default())
            }
            Err(e) => Err(ConfigError(format!("cannot read {}: {e}", path.display()))),
        }
    }
}

/// Values given on the command line or in the environment (`None` = not given).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--host`.
    pub host: Option<String>,
    /// `--port`.
    pub port: Option<u16>,
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--in-memory`.
    pub in_memory: Option<bool>,
    /// `--durability`.
    pub durability: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--account`.
    pub account: Option<String>,
    /// `--auth`.
    pub auth: Option<String>,
    /// `--log-format`.
    pub log_format: Option<String>,
    /// `--log-level`.
    pub log_level: Option<String>,
    /// `--credential ACCESS_KEY:SECRET[:ACCOUNT[:ARN]]`, repeatable.
    pub credentials: Vec<String>,
    /// `--enforce-iam`.
    pub enforce_iam: Option<bool>,
}

impl Config {
    /// Merges flags/env (`o`) over the file (`f`) over the defaults, and validates.
    pub fn resolve(o: Overrides, f: FileConfig) -> Result<Config, ConfigError> {
        let d = Config::default();
        let host = o.host.or(f.host).unwrap_or(d.host);
        if host.parse::<std::net::IpAddr>().is_err() && host != "localhost" {
            return Err(ConfigError(format!(
                "invalid --host '{host}': expected an IP address or localhost"
            )));
        }
        let durability = match o.durability.or(f.durability).as_deref() {
            None | Some("process") => Durability::Process,
            Some("fsync") => Durability::Fsync,
            Some(x) => {
                return Err(ConfigError(format!(
                    "invalid --durability '{x}': expected process or fsync"
                )));
            }
        };
        let region = o.region.or(f.region).unwrap_or(d.region);
        if !nimbus_core::account::is_valid_region(&region) {
            return Err(ConfigError(format!("invalid --region '{region}'")));
        }
        let account = match o.account.or(f.account) {
            None => d.account,
            Some(a) => AccountId::parse(&a).ok_or_else(|| {
                ConfigError(format!("invalid --account '{a}': expected 12 digits"))
            })?,
        };
        let auth = match o.auth.or(f.auth).as_deref() {
            None | Some("off") => AuthMode::Off,
            Some("strict") => AuthMode::Strict,
            Some(x) => {
                return Err(ConfigError(format!(
                    "invalid --auth '{x}': expected off or strict"
                )));
            }
        };
        let log_format = match o.log_format.or(f.log_format).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(x) => {
                return Err(ConfigError(format!(
                    "invalid --log-format '{x}': expected text or json"
                )));
            }
        };
        let mut credentials = f.credentials;
        for c in &o.credentials {
            // The ARN has colons of its own: it is everything after the third.
            let mut parts = c.splitn(4, ':');
            let invalid = || {
                ConfigError(format!(
                    "invalid --credential '{c}': expected ACCESS_KEY:SECRET[:ACCOUNT[:ARN]]"
                ))
            };
            let (Some(ak), Some(sk)) = (parts.next(), parts.next()) else {
                return Err(invalid());
            };
            if ak.is_empty() || sk.is_empty() {
                return Err(invalid());
            }
            credentials.push(CredentialConfig {
                access_key: ak.into(),
                secret_key: sk.into(),
                account: parts.next().map(str::to_owned),
                arn: parts.next().map(str::to_owned),
            });
        }
        for c in &credentials {
            if let Some(a) = &c.account
                && AccountId::parse(a).is_none()
            {
                return Err(ConfigError(format!(
                    "invalid account '{a}' for access key {}: expected 12 digits",
                    c.access_key
                )));
            }
            if let Some(arn) = &c.arn {
                let account = c.account.as_deref().unwrap_or(account.as_str());
                check_principal_arn(arn, account).map_err(|why| {
                    ConfigError(format!(
                        "invalid ARN '{arn}' for access key {}: {why}",
                        c.access_key
                    ))
                })?;
            }
        }
        if auth == AuthMode::Strict && credentials.is_empty() {
            return Err(ConfigError(
                "--auth strict needs at least one credential (--credential ACCESS_KEY:SECRET[:ACCOUNT] or [[credentials]] in nimbus.toml)".into(),
            ));
        }
        Ok(Config {
            host,
            port: o.port.or(f.port).unwrap_or(d.port),
            data_dir: o.data_dir.or(f.data_dir).unwrap_or(d.data_dir),
            in_memory: o.in_memory.or(f.in_memory).unwrap_or(false),
            durability,
            region,
            account,
            auth,
            credentials,
            enforce_iam: o.enforce_iam.or(f.enforce_iam).unwrap_or(false),
            log_format,
            log_level: o.log_level.or(f.log_level).unwrap_or(d.log_level),
        })
    }

    /// The gateway's view of the credentials.
    pub fn auth_config(&self) -> nimbus_gateway::AuthConfig {
        nimbus_gateway::AuthConfig {
            mode: self.auth,
            credentials: self
                .credentials
                .iter()
                .map(|c| nimbus_gateway::Credentials {
                    access_key: c.access_key.clone(),
                    secret_key: c.secret_key.clone(),
                    account: c
                        .account
                        .as_deref()
                        .and_then(AccountId::parse)
                        .unwrap_or_else(|| self.account.clone()),
                    principal_arn: c.arn.clone(),
                })
                .collect(),
            default_account: self.account.clone(),
            enforce_iam: self.enforce_iam,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_flags_over_file_over_defaults() {
        let f: FileConfig = toml::from_str("port = 5000\nregion = \"eu-west-1\"\n").unwrap();
        let o = Overrides {
            port: Some(6000),
            ..Default::default()
        };
        let c = Config::resolve(o, f).unwrap();
        assert_eq!(c.port, 6000);
        assert_eq!(c.region, "eu-west-1");
        assert_eq!(c.host, "127.0.0.1");
    }

    #[test]
    fn rejects_bad_values() {
        let bad = |o: Overrides| Config::resolve(o, FileConfig::default()).unwrap_err();
        bad(Overrides {
            auth: Some("maybe".into()),
            ..Default::default()
        });
        bad(Overrides {
            account: Some("12".into()),
            ..Default::default()
        });
        bad(Overrides {
            durability: Some("never".into()),
            ..Default::default()
        });
        bad(Overrides {
            auth: Some("strict".into()),
            ..Default::default()
        });
        bad(Overrides {
            credentials: vec!["nocolon".into()],
            ..Default::default()
        });
        assert!(toml::from_str::<FileConfig>("prot = 1").is_err());
    }

    #[test]
    fn file_credentials_use_the_documented_keys() {
        for text in [
            "[[credentials]]\naccess-key = \"AK\"\nsecret-key = \"S\"\naccount = \"111122223333\"\n",
            "[[credentials]]\naccess_key = \"AK\"\nsecret_key = \"S\"\naccount = \"111122223333\"\n",
        ] {
            let f: FileConfig = toml::from_str(text).unwrap();
            let c = Config::resolve(Overrides::default(), f).unwrap();
            assert_eq!(c.credentials[0].access_key, "AK");
            assert_eq!(c.credentials[0].secret_key, "S");
        }
        assert!(toml::from_str::<FileConfig>("[[credentials]]\nkey = \"AK\"\n").is_err());
    }

    #[test]
    fn strict_with_credentials() {
        let o = Overrides {
            auth: Some("strict".into()),
            credentials: vec!["AKID:secret:111122223333".into()],
            ..Default::default()
        };
        let c = Config::resolve(o, FileConfig::default()).unwrap();
        let a = c.auth_config();
        assert_eq!(a.credentials[0].account.as_str(), "111122223333");
    }
}
