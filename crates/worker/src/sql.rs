//! Small helpers over the Durable Object SQLite API, shared by both object classes.

use backorder_service::protocol::Fault;
use worker::{SqlStorage, SqlStorageValue};

pub type Row = Vec<SqlStorageValue>;

/// Runs a statement whose rows are not needed.
pub fn exec(sql: &SqlStorage, query: &str, bindings: Vec<SqlStorageValue>) -> Result<(), Fault> {
    sql.exec(query, bindings).map(drop).map_err(|e| Fault::new("writing", e))
}

/// Runs a query and returns every row.
pub fn rows(sql: &SqlStorage, query: &str, bindings: Vec<SqlStorageValue>) -> Result<Vec<Row>, Fault> {
    let cursor = sql.exec(query, bindings).map_err(|e| Fault::new("reading", e))?;
    let mut rows = Vec::new();
    for row in cursor.raw() {
        rows.push(row.map_err(|e| Fault::new("reading a row", e))?);
    }
    Ok(rows)
}

pub fn text(row: &[SqlStorageValue], column: usize) -> Option<&str> {
    match row.get(column) {
        Some(SqlStorageValue::String(text)) => Some(text),
        _ => None,
    }
}

pub fn integer(row: &[SqlStorageValue], column: usize) -> Option<i64> {
    match row.get(column) {
        Some(SqlStorageValue::Integer(value)) => Some(*value),
        Some(SqlStorageValue::Float(value)) => Some(*value as i64),
        _ => None,
    }
}

/// Applies `migrations` in order, each once: the count applied is kept in a `meta` table,
/// so an object upgrades its own schema the first time new code opens it.
pub fn migrate(sql: &SqlStorage, migrations: &[&str]) -> Result<(), Fault> {
    exec(sql, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)", vec![])?;
    let applied = rows(sql, "SELECT value FROM meta WHERE key = 'schema_version'", vec![])?
        .first()
        .and_then(|row| text(row, 0))
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    for (index, migration) in migrations.iter().enumerate().skip(applied) {
        sql.exec(migration, None).map_err(|e| Fault::new("migrating", e))?;
        exec(
            sql,
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
            vec![(index + 1).to_string().into()],
        )?;
    }
    Ok(())
}

pub fn int(value: i64) -> SqlStorageValue {
    SqlStorageValue::Integer(value)
}

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = "
export function transaction_sync(storage, run) {
  try {
    storage.transactionSync(() => {
      if (!run()) throw new Error('rolled back');
    });
    return true;
  } catch (error) {
    return false;
  }
}")]
extern "C" {
    /// Runs `run` inside `storage.transactionSync`: its SQL writes commit together, or roll
    /// back together when it returns false.
    pub fn transaction_sync(storage: &wasm_bindgen::JsValue, run: &mut dyn FnMut() -> bool) -> bool;
}

/// Runs `act` over `store` inside `storage.transactionSync`: all its writes commit, or none
/// when it fails (its fault is answered).
pub fn in_transaction<S, T>(
    storage: &wasm_bindgen::JsValue,
    store: &mut S,
    act: impl FnOnce(&mut S) -> Result<T, Fault>,
) -> Result<T, Fault> {
    let mut act = Some(act);
    let mut outcome = None;
    let committed = transaction_sync(storage, &mut || {
        let Some(act) = act.take() else { return false };
        let result = act(store);
        let ok = result.is_ok();
        outcome = Some(result);
        ok
    });
    match outcome {
        Some(Ok(value)) if committed => Ok(value),
        Some(Err(fault)) => Err(fault),
        _ => Err(Fault("the transaction did not commit".into())),
    }
}
