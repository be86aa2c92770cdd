//! IAM's storage of users, their inline policies, attachments and access keys, and what the
//! identity directory reads of the whole database at start and after each IAM write
//! ([`Store::snapshot`]), and the per-data-directory key that seals STS sessions.

use rusqlite::{OptionalExtension, params};

use crate::error::IamError;
use crate::store::{PolicyRecord, RoleRecord, Store, TagTarget, Tx};

/// A user as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UserRecord {
    /// The name, with the case it was created with.
    pub(crate) name: String,
    /// `/` or `/…/`.
    pub(crate) path: String,
    /// `AIDA…`.
    pub(crate) user_id: String,
    /// `arn:aws:iam::<account>:user<path><name>`.
    pub(crate) arn: String,
    /// Milliseconds since the epoch.
    pub(crate) create_date: u64,
    /// The ARN of the managed policy set as permissions boundary, if any.
    pub(crate) permissions_boundary: Option<String>,
}

/// An access key of a user, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AccessKeyRecord {
    /// `AKIA…`.
    pub(crate) access_key_id: String,
    /// The account of its user.
    pub(crate) account: String,
    /// Its user's name.
    pub(crate) user_name: String,
    /// The secret access key.
    pub(crate) secret: String,
    /// `Active` or `Inactive`.
    pub(crate) status: String,
    /// Milliseconds since the epoch.
    pub(crate) create_date: u64,
}

/// Whose inline policy or attachment a row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Holder {
    /// A role.
    Role,
    /// A user.
    User,
}

/// Everything the identity directory compiles, across accounts.
#[derive(Default)]
pub(crate) struct Snapshot {
    /// `(account, role)`.
    pub(crate) roles: Vec<(String, RoleRecord)>,
    /// `(account, user)`.
    pub(crate) users: Vec<(String, UserRecord)>,
    /// `(holder, account, holder's name, document)`.
    pub(crate) inline: Vec<(Holder, String, String, String)>,
    /// `(holder, account, holder's name, policy ARN)`.
    pub(crate) attached: Vec<(Holder, String, String, String)>,
    /// Every customer managed policy.
    pub(crate) policies: Vec<PolicyRecord>,
    /// Every access key.
    pub(crate) keys: Vec<AccessKeyRecord>,
}

const USER_COLUMNS: &str = "name, path, user_id, arn, create_date, permissions_boundary";

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        name: r.get(0)?,
        path: r.get(1)?,
        user_id: r.get(2)?,
        arn: r.get(3)?,
        create_date: r.get::<_, i64>(4)? as u64,
        permissions_boundary: r.get(5)?,
    })
}

const KEY_COLUMNS: &str = "access_key_id, account, user_name, secret, status, create_date";

fn key_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccessKeyRecord> {
    Ok(AccessKeyRecord {
        access_key_id: r.get(0)?,
        account: r.get(1)?,
        user_name: r.get(2)?,
        secret: r.get(3)?,
        status: r.get(4)?,
        create_date: r.get::<_, i64>(5)? as u64,
    })
}

fn boxed(e: rusqlite::Error) -> IamError {
    IamError::from(e)
}

impl Store {
    /// The key STS seals its session tokens and derives their secrets with: random, made
    /// on first use and kept in the database, so sessions survive a restart.
    pub(crate) fn session_key(&self) -> Result<String, IamError> {
        let conn = self.conn.lock();
        let existing: Option<String> = conn
            .query_row(
                "SELECT value FROM settings WHERE name = 'session_key'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(boxed)?;
        if let Some(k) = existing {
            return Ok(k);
        }
        let key = nimbus_core::ids::random_hex(32);
        conn.execute(
            "INSERT INTO settings (name, value) VALUES ('session_key', ?1)",
            params![key],
        )
        .map_err(boxed)?;
        Ok(key)
    }

    /// Reads every principal, policy and key, in one read transaction.
    pub(crate) fn snapshot(&self) -> Result<Snapshot, IamError> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction().map_err(boxed)?;
        let mut out = Snapshot::default();
        {
            let sql = "SELECT account, name, path, role_id, arn, create_date, assume_role_policy, \
                       description, max_session_duration, permissions_boundary FROM roles";
            let mut stmt = tx.prepare(sql)?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    RoleRecord {
                        name: r.get(1)?,
                        path: r.get(2)?,
                        role_id: r.get(3)?,
                        arn: r.get(4)?,
                        create_date: r.get::<_, i64>(5)? as u64,
                        assume_role_policy: r.get(6)?,
                        description: r.get(7)?,
                        max_session_duration: r.get(8)?,
                        permissions_boundary: r.get(9)?,
                    },
                ))
            })?;
            out.roles = rows.collect::<Result<_, _>>()?;
            let mut stmt = tx.prepare(&format!("SELECT account, {USER_COLUMNS} FROM users"))?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    UserRecord {
                        name: r.get(1)?,
                        path: r.get(2)?,
                        user_id: r.get(3)?,
                        arn: r.get(4)?,
                        create_date: r.get::<_, i64>(5)? as u64,
                        permissions_boundary: r.get(6)?,
                    },
                ))
            })?;
            out.users = rows.collect::<Result<_, _>>()?;
            for (holder, sql) in [
                (
                    Holder::Role,
                    "SELECT account, role_name, document FROM role_policies",
                ),
                (
                    Holder::User,
                    "SELECT account, user_name, document FROM user_policies",
                ),
            ] {
                let mut stmt = tx.prepare(sql)?;
                let rows = stmt.query_map([], |r| Ok((holder, r.get(0)?, r.get(1)?, r.get(2)?)))?;
                for row in rows {
                    out.inline.push(row?);
                }
            }
            for (holder, sql) in [
                (
                    Holder::Role,
                    "SELECT account, role_name, policy_arn FROM attachments",
                ),
                (
                    Holder::User,
                    "SELECT account, user_name, policy_arn FROM user_attachments",
                ),
            ] {
                let mut stmt = tx.prepare(sql)?;
                let rows = stmt.query_map([], |r| Ok((holder, r.get(0)?, r.get(1)?, r.get(2)?)))?;
                for row in rows {
                    out.attached.push(row?);
                }
            }
            let mut stmt = tx.prepare(
                "SELECT name, path, policy_id, arn, description, document, create_date, \
                 update_date FROM policies",
            )?;
            let rows = stmt.query_map([], |r| {
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
            })?;
            out.policies = rows.collect::<Result<_, _>>()?;
            let mut stmt = tx.prepare(&format!("SELECT {KEY_COLUMNS} FROM access_keys"))?;
            let rows = stmt.query_map([], key_from_row)?;
            out.keys = rows.collect::<Result<_, _>>()?;
        }
        Ok(out)
    }
}

impl Tx<'_> {
    // ---- users ----

    /// The user named `name` (case-insensitively).
    pub(crate) fn user(&self, name: &str) -> Result<Option<UserRecord>, IamError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE account = ?1 AND name = ?2");
        Ok(self
            .tx
            .query_row(&sql, params![self.account(), name], user_from_row)
            .optional()?)
    }

    /// Every user of the account.
    pub(crate) fn users(&self) -> Result<Vec<UserRecord>, IamError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE account = ?1");
        let mut stmt = self.tx.prepare(&sql)?;
        let rows = stmt.query_map(params![self.account()], user_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores a new user.
    pub(crate) fn insert_user(&self, u: &UserRecord) -> Result<(), IamError> {
        self.tx.execute(
            &format!(
                "INSERT INTO users (account, {USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            ),
            params![
                self.account(),
                u.name,
                u.path,
                u.user_id,
                u.arn,
                u.create_date as i64,
                u.permissions_boundary
            ],
        )?;
        Ok(())
    }

    /// Renames or moves a user (`old` is its current name), with everything that names it.
    pub(crate) fn update_user(&self, old: &str, u: &UserRecord) -> Result<(), IamError> {
        let a = self.account();
        self.tx.execute(
            "UPDATE users SET name = ?3, path = ?4, arn = ?5, permissions_boundary = ?6 \
             WHERE account = ?1 AND name = ?2",
            params![a, old, u.name, u.path, u.arn, u.permissions_boundary],
        )?;
        for table in ["user_policies", "user_attachments", "access_keys"] {
            self.tx.execute(
                &format!("UPDATE {table} SET user_name = ?3 WHERE account = ?1 AND user_name = ?2"),
                params![a, old, u.name],
            )?;
        }
        self.tx.execute(
            "UPDATE tags SET entity = ?3 WHERE account = ?1 AND kind = 'user' AND entity = ?2",
            params![a, old, u.name],
        )?;
        Ok(())
    }

    /// Deletes a user and its tags.
    pub(crate) fn delete_user(&self, name: &str) -> Result<(), IamError> {
        self.tx.execute(
            "DELETE FROM users WHERE account = ?1 AND name = ?2",
            params![self.account(), name],
        )?;
        self.delete_tags(TagTarget::User, name)
    }

    // ---- inline user policies ----

    /// A user's inline policies, `(name, document)`, by name.
    pub(crate) fn user_policies(&self, user: &str) -> Result<Vec<(String, String)>, IamError> {
        let mut stmt = self.tx.prepare(
            "SELECT policy_name, document FROM user_policies \
             WHERE account = ?1 AND user_name = ?2 ORDER BY policy_name",
        )?;
        let rows = stmt.query_map(params![self.account(), user], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Creates or replaces a user's inline policy.
    pub(crate) fn put_user_policy(
        &self,
        user: &str,
        name: &str,
        document: &str,
    ) -> Result<(), IamError> {
        self.tx.execute(
            "INSERT INTO user_policies (account, user_name, policy_name, document) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (account, user_name, policy_name) \
             DO UPDATE SET document = excluded.document",
            params![self.account(), user, name, document],
        )?;
        Ok(())
    }

    /// Deletes a user's inline policy; `false` if there was none.
    pub(crate) fn delete_user_policy(&self, user: &str, name: &str) -> Result<bool, IamError> {
        let n = self.tx.execute(
            "DELETE FROM user_policies WHERE account = ?1 AND user_name = ?2 AND policy_name = ?3",
            params![self.account(), user, name],
        )?;
        Ok(n > 0)
    }

    // ---- user attachments ----

    /// The ARNs of the managed policies attached to a user.
    pub(crate) fn user_attached(&self, user: &str) -> Result<Vec<String>, IamError> {
        let mut stmt = self.tx.prepare(
            "SELECT policy_arn FROM user_attachments WHERE account = ?1 AND user_name = ?2",
        )?;
        let rows = stmt.query_map(params![self.account(), user], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Attaches a policy to a user; `false` if it already was.
    pub(crate) fn attach_user(&self, user: &str, arn: &str) -> Result<bool, IamError> {
        let n = self.tx.execute(
            "INSERT OR IGNORE INTO user_attachments (account, user_name, policy_arn) \
             VALUES (?1, ?2, ?3)",
            params![self.account(), user, arn],
        )?;
        Ok(n > 0)
    }

    /// Detaches a policy from a user; `false` if it was not attached.
    pub(crate) fn detach_user(&self, user: &str, arn: &str) -> Result<bool, IamError> {
        let n = self.tx.execute(
            "DELETE FROM user_attachments WHERE account = ?1 AND user_name = ?2 AND policy_arn = ?3",
            params![self.account(), user, arn],
        )?;
        Ok(n > 0)
    }

    /// The users one policy is attached to, by name.
    pub(crate) fn users_attached_to(&self, policy_arn: &str) -> Result<Vec<String>, IamError> {
        let mut stmt = self.tx.prepare(
            "SELECT u.name FROM user_attachments a JOIN users u \
             ON u.account = a.account AND u.name = a.user_name \
             WHERE a.account = ?1 AND a.policy_arn = ?2",
        )?;
        let rows = stmt.query_map(params![self.account(), policy_arn], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    // ---- access keys ----

    /// A user's access keys, oldest first.
    pub(crate) fn access_keys(&self, user: &str) -> Result<Vec<AccessKeyRecord>, IamError> {
        let mut stmt = self.tx.prepare(&format!(
            "SELECT {KEY_COLUMNS} FROM access_keys WHERE account = ?1 AND user_name = ?2 \
             ORDER BY create_date, access_key_id"
        ))?;
        let rows = stmt.query_map(params![self.account(), user], key_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores a new access key.
    pub(crate) fn insert_access_key(&self, k: &AccessKeyRecord) -> Result<(), IamError> {
        self.tx.execute(
            &format!("INSERT INTO access_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
            params![
                k.access_key_id,
                self.account(),
                k.user_name,
                k.secret,
                k.status,
                k.create_date as i64
            ],
        )?;
        Ok(())
    }

    /// Sets a key's status; `false` if the user has no such key.
    pub(crate) fn set_access_key_status(
        &self,
        user: &str,
        id: &str,
        status: &str,
    ) -> Result<bool, IamError> {
        let n = self.tx.execute(
            "UPDATE access_keys SET status = ?4 WHERE account = ?1 AND user_name = ?2 \
             AND access_key_id = ?3",
            params![self.account(), user, id, status],
        )?;
        Ok(n > 0)
    }

    /// Deletes a key; `false` if the user has no such key.
    pub(crate) fn delete_access_key(&self, user: &str, id: &str) -> Result<bool, IamError> {
        let n = self.tx.execute(
            "DELETE FROM access_keys WHERE account = ?1 AND user_name = ?2 AND access_key_id = ?3",
            params![self.account(), user, id],
        )?;
        Ok(n > 0)
    }
}
