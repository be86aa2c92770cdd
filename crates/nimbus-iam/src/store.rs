//! IAM's storage: one SQLite database, every row keyed by account.
//!
//! On disk the database is `<data-dir>/iam/iam.db`, opened with
//! [`nimbus_core::storage::sqlite::open`]: WAL mode, `synchronous=NORMAL` for
//! [`Durability::Process`](nimbus_core::Durability::Process) and `FULL` for
//! [`Durability::Fsync`](nimbus_core::Durability::Fsync); without a data directory it
//! lives in memory with the same semantics. Every operation runs in one transaction and
//! answers only after it committed, so an acknowledged change survives a killed process.
//!
//! Isolation between accounts is structural: a [`Tx`] is opened for one account and every
//! statement it runs is scoped to that account.

use std::collections::HashMap;

use nimbus_core::StorageConfig;
use nimbus_core::storage::sqlite;
use parking_lot::Mutex;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::error::IamError;

/// The schema version this code writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS roles (
    account TEXT NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE,
    path TEXT NOT NULL,
    role_id TEXT NOT NULL,
    arn TEXT NOT NULL,
    create_date INTEGER NOT NULL,
    assume_role_policy TEXT NOT NULL,
    description TEXT,
    max_session_duration INTEGER NOT NULL,
    permissions_boundary TEXT,
    PRIMARY KEY (account, name)
);
CREATE TABLE IF NOT EXISTS role_policies (
    account TEXT NOT NULL,
    role_name TEXT NOT NULL COLLATE NOCASE,
    policy_name TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (account, role_name, policy_name)
);
CREATE TABLE IF NOT EXISTS policies (
    account TEXT NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE,
    path TEXT NOT NULL,
    policy_id TEXT NOT NULL,
    arn TEXT NOT NULL,
    description TEXT,
    document TEXT NOT NULL,
    create_date INTEGER NOT NULL,
    update_date INTEGER NOT NULL,
    PRIMARY KEY (account, name)
);
CREATE TABLE IF NOT EXISTS attachments (
    account TEXT NOT NULL,
    role_name TEXT NOT NULL COLLATE NOCASE,
    policy_arn TEXT NOT NULL,
    PRIMARY KEY (account, role_name, policy_arn)
);
CREATE INDEX IF NOT EXISTS attachments_by_policy ON attachments (account, policy_arn);
CREATE TABLE IF NOT EXISTS tags (
    account TEXT NOT NULL,
    kind TEXT NOT NULL,
    entity TEXT NOT NULL COLLATE NOCASE,
    key TEXT NOT NULL COLLATE NOCASE,
    value TEXT NOT NULL,
    PRIMARY KEY (account, kind, entity, key)
);
CREATE TABLE IF NOT EXISTS users (
    account TEXT NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE,
    path TEXT NOT NULL,
    user_id TEXT NOT NULL,
    arn TEXT NOT NULL,
    create_date INTEGER NOT NULL,
    permissions_boundary TEXT,
    PRIMARY KEY (account, name)
);
CREATE TABLE IF NOT EXISTS user_policies (
    account TEXT NOT NULL,
    user_name TEXT NOT NULL COLLATE NOCASE,
    policy_name TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (account, user_name, policy_name)
);
CREATE TABLE IF NOT EXISTS user_attachments (
    account TEXT NOT NULL,
    user_name TEXT NOT NULL COLLATE NOCASE,
    policy_arn TEXT NOT NULL,
    PRIMARY KEY (account, user_name, policy_arn)
);
CREATE TABLE IF NOT EXISTS access_keys (
    access_key_id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    user_name TEXT NOT NULL COLLATE NOCASE,
    secret TEXT NOT NULL,
    status TEXT NOT NULL,
    create_date INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

/// A role as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RoleRecord {
    /// The name, with the case it was created with.
    pub(crate) name: String,
    /// `/` or `/…/`.
    pub(crate) path: String,
    /// `AROA…`.
    pub(crate) role_id: String,
    /// `arn:aws:iam::<account>:role<path><name>`.
    pub(crate) arn: String,
    /// Milliseconds since the epoch.
    pub(crate) create_date: u64,
    /// The trust policy, as given.
    pub(crate) assume_role_policy: String,
    /// The description, if any.
    pub(crate) description: Option<String>,
    /// Seconds, 3600–43200.
    pub(crate) max_session_duration: i64,
    /// The ARN of the managed policy set as permissions boundary, if any.
    pub(crate) permissions_boundary: Option<String>,
}

/// A customer managed policy as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PolicyRecord {
    /// The name, with the case it was created with.
    pub(crate) name: String,
    /// `/` or `/…/`.
    pub(crate) path: String,
    /// `ANPA…`.
    pub(crate) policy_id: String,
    /// `arn:aws:iam::<account>:policy<path><name>`.
    pub(crate) arn: String,
    /// The description, if any.
    pub(crate) description: Option<String>,
    /// The document of its one version (`v1`), as given.
    pub(crate) document: String,
    /// Milliseconds since the epoch.
    pub(crate) create_date: u64,
    /// Milliseconds since the epoch.
    pub(crate) update_date: u64,
}

/// What a tag belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TagTarget {
    /// A role, by name.
    Role,
    /// A customer managed policy, by name.
    Policy,
    /// A user, by name.
    User,
}

impl TagTarget {
    fn as_str(self) -> &'static str {
        match self {
            TagTarget::Role => "role",
            TagTarget::Policy => "policy",
            TagTarget::User => "user",
        }
    }
}

/// IAM's database.
pub(crate) struct Store {
    pub(crate) conn: Mutex<Connection>,
}

impl Store {
    /// Opens (creating if needed) `<data-dir>/<service>/<file>`, or an in-memory database
    /// when `storage` has no data directory.
    pub(crate) fn open(
        storage: &StorageConfig,
        service: &str,
        file: &str,
    ) -> Result<Store, Box<dyn std::error::Error + Send + Sync>> {
        let conn = match storage.service_dir(service)? {
            Some(dir) => sqlite::open(&dir.join(file), storage.durability)?,
            None => Connection::open_in_memory()?,
        };
        Self::init(&conn)?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    fn init(conn: &Connection) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(format!(
                "the IAM database was written by a newer nimbus (schema {version}, this one \
                 knows {SCHEMA_VERSION})"
            )
            .into());
        }
        conn.execute_batch(SCHEMA)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        Ok(())
    }

    /// Runs `f` in a write transaction for `account`, committing if it succeeds.
    pub(crate) fn write<T>(
        &self,
        account: &str,
        f: impl FnOnce(&Tx<'_>) -> Result<T, IamError>,
    ) -> Result<T, IamError> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let t = Tx { tx, account };
        let out = f(&t)?;
        t.tx.commit()?;
        Ok(out)
    }

    /// Runs `f` in a read transaction for `account`.
    pub(crate) fn read<T>(
        &self,
        account: &str,
        f: impl FnOnce(&Tx<'_>) -> Result<T, IamError>,
    ) -> Result<T, IamError> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let t = Tx { tx, account };
        f(&t)
    }

    /// Checkpoints the WAL into the database file (on shutdown).
    pub(crate) fn checkpoint(&self) {
        let conn = self.conn.lock();
        if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)") {
            tracing::warn!(error = %e, "IAM checkpoint failed");
        }
    }
}

/// One transaction, scoped to one account.
pub(crate) struct Tx<'a> {
    pub(crate) tx: Transaction<'a>,
    account: &'a str,
}

fn role_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RoleRecord> {
    Ok(RoleRecord {
        name: r.get(0)?,
        path: r.get(1)?,
        role_id: r.get(2)?,
        arn: r.get(3)?,
        create_date: r.get::<_, i64>(4)? as u64,
        assume_role_policy: r.get(5)?,
        description: r.get(6)?,
        max_session_duration: r.get(7)?,
        permissions_boundary: r.get(8)?,
    })
}

const ROLE_COLUMNS: &str = "name, path, role_id, arn, create_date, assume_role_policy, \
                            description, max_session_duration, permissions_boundary";

fn policy_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PolicyRecord> {
    Ok(PolicyRecord {
        name: r.get(0)?,
        path: r.get(1)?,
        policy_id: r.get(2)?,
        arn: r.get(3)?,
        description: r.get(4)?,
        document: r.get(5)?,
        create_date: r.get::<_, i64>(6)? as u64,
        update_date: r.get::<_, i64>(7)? as u64,
    })
}

const POLICY_COLUMNS: &str =
    "name, path, policy_id, arn, description, document, create_date, update_date";

impl Tx<'_> {
    /// The account this transaction is scoped to.
    pub(crate) fn account(&self) -> &str {
        self.account
    }

    // ---- roles ----

    /// The role named `name` (case-insensitively, as IAM matches names).
    pub(crate) fn role(&self, name: &str) -> Result<Option<RoleRecord>, IamError> {
        let sql = format!("SELECT {ROLE_COLUMNS} FROM roles WHERE account = ?1 AND name = ?2");
        Ok(self
            .tx
            .query_row(&sql, params![self.account, name], role_from_row)
            .optional()?)
    }

    /// Every role of the account.
    pub(crate) fn roles(&self) -> Result<Vec<RoleRecord>, IamError> {
        let sql = format!("SELECT {ROLE_COLUMNS} FROM roles WHERE account = ?1");
        let mut stmt = self.tx.prepare(&sql)?;
        let rows = stmt.query_map(params![self.account], role_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many roles the account has.
    pub(crate) fn role_count(&self) -> Result<usize, IamError> {
        let n: i64 = self.tx.query_row(
            "SELECT count(*) FROM roles WHERE account = ?1",
            params![self.account],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// Stores a new role.
    pub(crate) fn insert_role(&self, r: &RoleRecord) -> Result<(), IamError> {
        self.tx.execute(
            &format!(
                "INSERT INTO roles (account, {ROLE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ),
            params![
                self.account,
                r.name,
                r.path,
                r.role_id,
                r.arn,
                r.create_date as i64,
                r.assume_role_policy,
                r.description,
                r.max_session_duration,
                r.permissions_boundary
            ],
        )?;
        Ok(())
    }

    /// Replaces a role's stored fields (found by its name).
    pub(crate) fn update_role(&self, r: &RoleRecord) -> Result<(), IamError> {
        self.tx.execute(
            "UPDATE roles SET assume_role_policy = ?3, description = ?4, \
             max_session_duration = ?5, permissions_boundary = ?6 \
             WHERE account = ?1 AND name = ?2",
            params![
                self.account,
                r.name,
                r.assume_role_policy,
                r.description,
                r.max_session_duration,
                r.permissions_boundary
            ],
        )?;
        Ok(())
    }

    /// Deletes a role and its tags.
    pub(crate) fn delete_role(&self, name: &str) -> Result<(), IamError> {
        self.tx.execute(
            "DELETE FROM roles WHERE account = ?1 AND name = ?2",
            params![self.account, name],
        )?;
        self.delete_tags(TagTarget::Role, name)
    }

    /// How many roles and users use each permissions boundary, by policy ARN.
    pub(crate) fn boundary_usage(&self) -> Result<HashMap<String, usize>, IamError> {
        let mut stmt = self.tx.prepare(
            "SELECT permissions_boundary, count(*) FROM \
             (SELECT permissions_boundary FROM roles WHERE account = ?1 \
              UNION ALL SELECT permissions_boundary FROM users WHERE account = ?1) \
             WHERE permissions_boundary IS NOT NULL GROUP BY permissions_boundary",
        )?;
        let rows = stmt.query_map(params![self.account], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    // ---- inline role policies ----

    /// A role's inline policies, `(name, document)`, by name.
    pub(crate) fn inline_policies(&self, role: &str) -> Result<Vec<(String, String)>, IamError> {
        let mut stmt = self.tx.prepare(
            "SELECT policy_name, document FROM role_policies \
             WHERE account = ?1 AND role_name = ?2 ORDER BY policy_name",
        )?;
        let rows = stmt.query_map(params![self.account, role], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Creates or replaces an inline policy.
    pub(crate) fn put_inline_policy(
        &self,
        role: &str,
        name: &str,
        document: &str,
    ) -> Result<(), IamError> {
        self.tx.execute(
            "INSERT INTO role_policies (account, role_name, policy_name, document) \
             VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (account, role_name, policy_name) DO UPDATE SET document = excluded.document",
            params![self.account, role, name, document],
        )?;
        Ok(())
    }

    /// Deletes an inline policy; `false` if there was none.
    pub(crate) fn delete_inline_policy(&self, role: &str, name: &str) -> Result<bool, IamError> {
        let n = self.tx.execute(
            "DELETE FROM role_policies WHERE account = ?1 AND role_name = ?2 AND policy_name = ?3",
            params![self.account, role, name],
        )?;
        Ok(n > 0)
    }

    // ---- customer managed policies ----

    /// The customer managed policy named `name` (case-insensitively).
    pub(crate) fn policy(&self, name: &str) -> Result<Option<PolicyRecord>, IamError> {
        let sql = format!("SELECT {POLICY_COLUMNS} FROM policies WHERE account = ?1 AND name = ?2");
        Ok(self
            .tx
            .query_row(&sql, params![self.account, name], policy_from_row)
            .optional()?)
    }

    /// Every customer managed policy of the account.
    pub(crate) fn policies(&self) -> Result<Vec<PolicyRecord>, IamError> {
        let sql = format!("SELECT {POLICY_COLUMNS} FROM policies WHERE account = ?1");
        let mut stmt = self.tx.prepare(&sql)?;
        let rows = stmt.query_map(params![self.account], policy_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many customer managed policies the account has.
    pub(crate) fn policy_count(&self) -> Result<usize, IamError> {
        let n: i64 = self.tx.query_row(
            "SELECT count(*) FROM policies WHERE account = ?1",
            params![self.account],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// Stores a new customer managed policy.
    pub(crate) fn insert_policy(&self, p: &PolicyRecord) -> Result<(), IamError> {
        self.tx.execute(
            &format!(
                "INSERT INTO policies (account, {POLICY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ),
            params![
                self.account,
                p.name,
                p.path,
                p.policy_id,
                p.arn,
                p.description,
                p.document,
                p.create_date as i64,
                p.update_date as i64
            ],
        )?;
        Ok(())
    }

    /// Deletes a customer managed policy and its tags.
    pub(crate) fn delete_policy(&self, name: &str) -> Result<(), IamError> {
        self.tx.execute(
            "DELETE FROM policies WHERE account = ?1 AND name = ?2",
            params![self.account, name],
        )?;
        self.delete_tags(TagTarget::Policy, name)
    }

    // ---- attachments ----

    /// The ARNs of the managed policies attached to a role.
    pub(crate) fn attached_policies(&self, role: &str) -> Result<Vec<String>, IamError> {
        let mut stmt = self
            .tx
            .prepare("SELECT policy_arn FROM attachments WHERE account = ?1 AND role_name = ?2")?;
        let rows = stmt.query_map(params![self.account, role], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Attaches a policy to a role; `false` if it already was.
    pub(crate) fn attach(&self, role: &str, policy_arn: &str) -> Result<bool, IamError> {
        let n = self.tx.execute(
            "INSERT OR IGNORE INTO attachments (account, role_name, policy_arn) VALUES (?1, ?2, ?3)",
            params![self.account, role, policy_arn],
        )?;
        Ok(n > 0)
    }

    /// Detaches a policy from a role; `false` if it was not attached.
    pub(crate) fn detach(&self, role: &str, policy_arn: &str) -> Result<bool, IamError> {
        let n = self.tx.execute(
            "DELETE FROM attachments WHERE account = ?1 AND role_name = ?2 AND policy_arn = ?3",
            params![self.account, role, policy_arn],
        )?;
        Ok(n > 0)
    }

    /// How many roles and users each policy is attached to, by policy ARN.
    pub(crate) fn attachment_counts(&self) -> Result<HashMap<String, usize>, IamError> {
        let mut stmt = self.tx.prepare(
            "SELECT policy_arn, count(*) FROM (SELECT policy_arn FROM attachments \
             WHERE account = ?1 UNION ALL SELECT policy_arn FROM user_attachments \
             WHERE account = ?1) GROUP BY policy_arn",
        )?;
        let rows = stmt.query_map(params![self.account], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many roles and users one policy is attached to.
    pub(crate) fn attachment_count(&self, policy_arn: &str) -> Result<usize, IamError> {
        let n: i64 = self.tx.query_row(
            "SELECT (SELECT count(*) FROM attachments WHERE account = ?1 AND policy_arn = ?2) \
             + (SELECT count(*) FROM user_attachments WHERE account = ?1 AND policy_arn = ?2)",
            params![self.account, policy_arn],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// The roles one policy is attached to, by name.
    pub(crate) fn roles_attached_to(&self, policy_arn: &str) -> Result<Vec<String>, IamError> {
        let mut stmt = self.tx.prepare(
            "SELECT r.name FROM attachments a JOIN roles r \
             ON r.account = a.account AND r.name = a.role_name \
             WHERE a.account = ?1 AND a.policy_arn = ?2",
        )?;
        let rows = stmt.query_map(params![self.account, policy_arn], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    // ---- tags ----

    /// An entity's tags, in the order they were first set.
    pub(crate) fn tags(
        &self,
        target: TagTarget,
        entity: &str,
    ) -> Result<Vec<(String, String)>, IamError> {
        let mut stmt = self.tx.prepare(
            "SELECT key, value FROM tags WHERE account = ?1 AND kind = ?2 AND entity = ?3 \
             ORDER BY rowid",
        )?;
        let rows = stmt.query_map(params![self.account, target.as_str(), entity], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Adds tags, replacing the values of keys that exist (keys match case-insensitively).
    pub(crate) fn put_tags(
        &self,
        target: TagTarget,
        entity: &str,
        tags: &[(String, String)],
    ) -> Result<(), IamError> {
        let mut stmt = self.tx.prepare(
            "INSERT INTO tags (account, kind, entity, key, value) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (account, kind, entity, key) DO UPDATE SET value = excluded.value",
        )?;
        for (k, v) in tags {
            stmt.execute(params![self.account, target.as_str(), entity, k, v])?;
        }
        Ok(())
    }

    /// Removes the tags with these keys; keys that are not set are ignored.
    pub(crate) fn remove_tags(
        &self,
        target: TagTarget,
        entity: &str,
        keys: &[String],
    ) -> Result<(), IamError> {
        let mut stmt = self.tx.prepare(
            "DELETE FROM tags WHERE account = ?1 AND kind = ?2 AND entity = ?3 AND key = ?4",
        )?;
        for k in keys {
            stmt.execute(params![self.account, target.as_str(), entity, k])?;
        }
        Ok(())
    }

    pub(crate) fn delete_tags(&self, target: TagTarget, entity: &str) -> Result<(), IamError> {
        self.tx.execute(
            "DELETE FROM tags WHERE account = ?1 AND kind = ?2 AND entity = ?3",
            params![self.account, target.as_str(), entity],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nimbus_core::Durability;

    fn role(name: &str) -> RoleRecord {
        RoleRecord {
            name: name.into(),
            path: "/".into(),
            role_id: "AROAEXAMPLE".into(),
            arn: format!("arn:aws:iam::000000000000:role/{name}"),
            create_date: 1,
            assume_role_policy: "{}".into(),
            description: None,
            max_session_duration: 3600,
            permissions_boundary: None,
        }
    }

    #[test]
    fn accounts_are_isolated_and_names_case_insensitive() {
        let s = Store::open(&StorageConfig::in_memory(), "iam", "iam.db").unwrap();
        s.write("000000000000", |t| t.insert_role(&role("Lambda")))
            .unwrap();
        let found = s.read("000000000000", |t| t.role("lambda")).unwrap();
        assert_eq!(found.unwrap().name, "Lambda");
        assert!(
            s.read("111111111111", |t| t.role("Lambda"))
                .unwrap()
                .is_none()
        );
        assert!(
            s.write("000000000000", |t| t.insert_role(&role("LAMBDA")))
                .is_err()
        );
    }

    #[test]
    fn failed_operations_roll_back() {
        let s = Store::open(&StorageConfig::in_memory(), "iam", "iam.db").unwrap();
        let r: Result<(), IamError> = s.write("000000000000", |t| {
            t.insert_role(&role("a"))?;
            Err(IamError::new(
                crate::error::IamErrorCode::InvalidInput,
                "no",
            ))
        });
        assert!(r.is_err());
        assert!(s.read("000000000000", |t| t.role("a")).unwrap().is_none());
    }

    #[test]
    fn persists_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let storage = StorageConfig {
            data_dir: Some(dir.path().to_owned()),
            durability: Durability::Process,
        };
        {
            let s = Store::open(&storage, "iam", "iam.db").unwrap();
            s.write("000000000000", |t| {
                t.insert_role(&role("r"))?;
                t.put_tags(TagTarget::Role, "r", &[("k".into(), "v".into())])?;
                t.put_tags(TagTarget::Role, "r", &[("K".into(), "w".into())])
            })
            .unwrap();
        }
        let s = Store::open(&storage, "iam", "iam.db").unwrap();
        assert!(s.read("000000000000", |t| t.role("r")).unwrap().is_some());
        let tags = s
            .read("000000000000", |t| t.tags(TagTarget::Role, "R"))
            .unwrap();
        assert_eq!(tags, vec![("k".to_string(), "w".to_string())]);
        assert!(dir.path().join("iam").join("iam.db").exists());
    }
}
