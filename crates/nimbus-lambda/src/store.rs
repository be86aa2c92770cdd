//! Where functions are kept: an in-memory map, written through to SQLite
//! (`<data-dir>/lambda/functions.sqlite`) before any change is acknowledged. Code packages are
//! files under `<data-dir>/lambda/code/` (a temporary directory in memory mode: processes
//! need real files to run).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nimbus_core::access::policy::Policy;

use nimbus_core::ServiceEnv;
use nimbus_core::storage::sqlite;
use parking_lot::{Mutex, RwLock};
use rusqlite::{Connection, params};

use crate::error::{LambdaError, LambdaErrorCode};
use crate::model::{FunctionKey, FunctionRecord};

/// The function registry.
pub struct FunctionStore {
    functions: RwLock<BTreeMap<FunctionKey, FunctionRecord>>,
    db: Option<Mutex<Connection>>,
    root: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

fn db_err(e: rusqlite::Error) -> LambdaError {
    LambdaError::new(LambdaErrorCode::Service, format!("storage error: {e}"))
}

impl FunctionStore {
    /// Opens (or creates) the store for `env`; loads every stored function.
    pub fn open(
        env: &ServiceEnv,
    ) -> Result<FunctionStore, Box<dyn std::error::Error + Send + Sync>> {
        let dir = env.storage.service_dir("lambda")?;
        let (root, tmp, db) = match dir {
            Some(dir) => {
                let conn = sqlite::open(&dir.join("functions.sqlite"), env.storage.durability)?;
                conn.execute_batch(
                    "CREATE TABLE IF NOT EXISTS functions (
                        account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
                        record TEXT NOT NULL, PRIMARY KEY (account, region, name))",
                )?;
                (dir, None, Some(conn))
            }
            None => {
                let t = tempfile::Builder::new()
                    .prefix("nimbus-lambda-")
                    .tempdir()?;
                (t.path().to_owned(), Some(t), None)
            }
        };
        let mut functions = BTreeMap::new();
        if let Some(conn) = &db {
            let mut stmt = conn.prepare("SELECT record FROM functions")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            for row in rows {
                match serde_json::from_str::<FunctionRecord>(&row?) {
                    Ok(mut rec) => {
                        rec.compile_policy();
                        functions.insert(rec.key.clone(), rec);
                    }
                    Err(e) => tracing::warn!("skipping unreadable stored function: {e}"),
                }
            }
        }
        Ok(FunctionStore {
            functions: RwLock::new(functions),
            db: db.map(Mutex::new),
            root,
            _tmp: tmp,
        })
    }

    /// The directory code packages and caches live under.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory for one package of `key`'s code.
    pub fn code_dir(&self, key: &FunctionKey, revision: &str) -> PathBuf {
        self.root
            .join("code")
            .join(&key.account)
            .join(&key.region)
            .join(&key.name)
            .join(revision)
    }

    /// A snapshot of one function.
    pub fn get(&self, key: &FunctionKey) -> Option<FunctionRecord> {
        self.functions.read().get(key).cloned()
    }

    /// Every function of an account in a region, by name.
    pub fn list(&self, account: &str, region: &str) -> Vec<FunctionRecord> {
        self.functions
            .read()
            .values()
            .filter(|f| f.key.account == account && f.key.region == region)
            .cloned()
            .collect()
    }

    /// The compiled resource-based policy of `key`, if it exists and has one (without
    /// copying the record: this is on every invocation's path).
    pub fn policy(&self, key: &FunctionKey) -> Option<Arc<Policy>> {
        self.functions
            .read()
            .get(key)
            .and_then(|f| f.compiled_policy.clone())
    }

    /// Every function (for start-up work such as hot-reload watches).
    pub fn all(&self) -> Vec<FunctionRecord> {
        self.functions.read().values().cloned().collect()
    }

    fn persist(&self, rec: &FunctionRecord) -> Result<(), LambdaError> {
        if let Some(db) = &self.db {
            let json = serde_json::to_string(rec)
                .map_err(|e| LambdaError::new(LambdaErrorCode::Service, e.to_string()))?;
            db.lock()
                .execute(
                    "INSERT OR REPLACE INTO functions (account, region, name, record) VALUES (?1, ?2, ?3, ?4)",
                    params![rec.key.account, rec.key.region, rec.key.name, json],
                )
                .map_err(db_err)?;
        }
        Ok(())
    }

    /// Adds a new function; `ResourceConflictException` if the name is taken.
    pub fn insert(&self, rec: FunctionRecord) -> Result<FunctionRecord, LambdaError> {
        let mut map = self.functions.write();
        if map.contains_key(&rec.key) {
            return Err(LambdaError::new(
                LambdaErrorCode::ResourceConflict,
                format!("Function already exist: {}", rec.key.name),
            ));
        }
        self.persist(&rec)?;
        map.insert(rec.key.clone(), rec.clone());
        Ok(rec)
    }

    /// Applies `f` to a function and stores the result; the function is unchanged if `f`
    /// fails.
    pub fn update(
        &self,
        key: &FunctionKey,
        f: impl FnOnce(&mut FunctionRecord) -> Result<(), LambdaError>,
    ) -> Result<FunctionRecord, LambdaError> {
        let mut map = self.functions.write();
        let current = map
            .get(key)
            .ok_or_else(|| LambdaError::function_not_found(&key.arn()))?;
        let mut next = current.clone();
        f(&mut next)?;
        self.persist(&next)?;
        map.insert(key.clone(), next.clone());
        Ok(next)
    }

    /// Removes a function; returns it.
    pub fn delete(&self, key: &FunctionKey) -> Result<FunctionRecord, LambdaError> {
        let mut map = self.functions.write();
        if !map.contains_key(key) {
            return Err(LambdaError::function_not_found(&key.arn()));
        }
        if let Some(db) = &self.db {
            db.lock()
                .execute(
                    "DELETE FROM functions WHERE account = ?1 AND region = ?2 AND name = ?3",
                    params![key.account, key.region, key.name],
                )
                .map_err(db_err)?;
        }
        Ok(map.remove(key).expect("checked above"))
    }
}
