//! Compiled guidepath rules as SQL: one query that evaluates every row of
//! a table of patients inside DuckDB, PostgreSQL or Spark SQL, with the
//! answers of `guidepath-eval`, missing data included.
//!
//! ```
//! use guidepath_sql::{compile, Dialect, Options};
//! # let artifact = guidepath_ir::Artifact::from_json(include_str!("../../eval/tests/data/mini.json"))?;
//! let query = compile(&artifact, Dialect::DuckDb, &Options::default())?;
//! assert!(query.sql.starts_with("WITH"));
//! assert_eq!(query.columns[0].name, "errors");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The contract (input table, column types, output columns) is
//! `docs/sql.md`. Like the evaluator, this crate depends on
//! `guidepath-ir` only: a registry generates SQL from a published
//! artifact without the compiler.

mod dialect;
mod lower;
mod query;

pub use dialect::Dialect;
use guidepath_ir::Artifact;

/// The version of the SQL contract (`docs/sql.md`): the input table and
/// the output columns. A change that removes or changes a column bumps
/// the major version; new columns bump the minor one.
pub const SQL_CONTRACT: &str = "1.0";

/// Where the patients are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The input table (`schema.table` is two names).
    pub table: String,
    /// The key column, passed through to the output unchanged.
    pub key: String,
}

impl Default for Options {
    fn default() -> Options {
        Options { table: "patients".into(), key: "id".into() }
    }
}

/// A column of the output, after the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Boolean,
    Double,
    Date,
    Text,
    TextArray,
}

impl ColumnType {
    /// The type's name in a dialect.
    pub fn sql(self, dialect: Dialect) -> &'static str {
        match self {
            ColumnType::Boolean => "BOOLEAN",
            ColumnType::Double => dialect.double_type(),
            ColumnType::Date => "DATE",
            ColumnType::Text => dialect.text_type(),
            ColumnType::TextArray => dialect.text_array_type(),
        }
    }
}

/// A query and the columns it returns.
#[derive(Debug, Clone)]
pub struct Query {
    pub sql: String,
    pub columns: Vec<Column>,
}

/// Why no query was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SqlError {
    /// Something the dialect cannot compute exactly as the evaluator does.
    #[error("{construct}{} cannot be written in {dialect} SQL with the evaluator's meaning", at.as_ref().map(|a| format!(" at {a}")).unwrap_or_default())]
    Unsupported { construct: String, at: Option<String>, dialect: &'static str },
    /// Rules nested deeper than the query builder follows.
    #[error("the rules nest too deeply to write as {dialect} SQL")]
    TooDeep { dialect: &'static str },
    /// Two results would have one column name.
    #[error("two results would both be the column `{name}`")]
    NameClash { name: String },
    /// The key column is also an input.
    #[error("the key column `{key}` is also an input of the guideline; choose another with --key")]
    KeyIsInput { key: String },
    #[error("invalid artifact: {0}")]
    Invalid(String),
}

/// The query that evaluates every row of `options.table`.
pub fn compile(artifact: &Artifact, dialect: Dialect, options: &Options) -> Result<Query, SqlError> {
    check(artifact, options)?;
    let (sql, columns) = query::build(artifact, dialect, options)?;
    Ok(Query { sql, columns })
}

/// The `CREATE TABLE` of the input table: the key (as text), then one
/// column per input.
pub fn schema(artifact: &Artifact, dialect: Dialect, options: &Options) -> Result<String, SqlError> {
    check(artifact, options)?;
    Ok(query::schema(artifact, dialect, options))
}

/// What both the query and the table need: a valid artifact, and a key
/// column that is not one of its inputs.
fn check(artifact: &Artifact, options: &Options) -> Result<(), SqlError> {
    artifact.validate().map_err(|e| SqlError::Invalid(e.to_string()))?;
    match artifact.inputs.iter().find(|i| i.path == options.key) {
        Some(input) => Err(SqlError::KeyIsInput { key: input.path.clone() }),
        None => Ok(()),
    }
}
