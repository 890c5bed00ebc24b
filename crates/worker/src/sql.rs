//! Small helpers over the Durable Object SQLite API, shared by both object classes.

use backorder_api::ApiError;
use worker::{SqlStorage, SqlStorageValue};

pub type Row = Vec<SqlStorageValue>;

pub fn internal(context: &str, error: impl std::fmt::Display) -> ApiError {
    ApiError::new(500, "internal", format!("{context}: {error}"))
}

/// Runs a statement whose rows are not needed.
pub fn exec(sql: &SqlStorage, query: &str, bindings: Vec<SqlStorageValue>) -> Result<(), ApiError> {
    sql.exec(query, bindings).map(drop).map_err(|e| internal("writing", e))
}

/// Runs a query and returns every row.
pub fn rows(sql: &SqlStorage, query: &str, bindings: Vec<SqlStorageValue>) -> Result<Vec<Row>, ApiError> {
    let cursor = sql.exec(query, bindings).map_err(|e| internal("reading", e))?;
    let mut rows = Vec::new();
    for row in cursor.raw() {
        rows.push(row.map_err(|e| internal("reading a row", e))?);
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

pub fn int(value: i64) -> SqlStorageValue {
    SqlStorageValue::Integer(value)
}
