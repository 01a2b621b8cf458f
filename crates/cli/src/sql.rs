//! `guidepath sql`: the query that evaluates a table of patients in
//! DuckDB, PostgreSQL or Spark SQL (`docs/sql.md`).

use guidepath_analysis::gate::Policy;
use guidepath_sql::{Dialect, Options};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// The dialects by the names the command line takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DialectArg {
    Duckdb,
    Postgres,
    Spark,
}

impl From<DialectArg> for Dialect {
    fn from(d: DialectArg) -> Dialect {
        match d {
            DialectArg::Duckdb => Dialect::DuckDb,
            DialectArg::Postgres => Dialect::Postgres,
            DialectArg::Spark => Dialect::Spark,
        }
    }
}

/// Prints the query, or with `schema` the input table's CREATE TABLE.
/// Exit status: 0 printed; 1 the guideline has errors or uses something
/// the dialect cannot express exactly; 2 usage, I/O or artifact errors.
pub fn run(guideline: &Path, dialect: DialectArg, table: &str, key: &str, schema: bool, policy: Policy) -> ExitCode {
    let evaluator = match crate::load::evaluator(guideline, policy) {
        Ok(e) => e,
        Err(e) => return e.exit(),
    };
    let dialect = Dialect::from(dialect);
    let options = Options { table: table.to_string(), key: key.to_string() };
    let text = if schema {
        guidepath_sql::schema(evaluator.artifact(), dialect, &options)
    } else {
        guidepath_sql::compile(evaluator.artifact(), dialect, &options).map(|q| format!("{};\n", q.sql))
    };
    match text {
        Ok(t) => {
            if std::io::stdout().lock().write_all(t.as_bytes()).is_err() {
                return ExitCode::from(2);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}: {e}", guideline.display());
            ExitCode::from(1)
        }
    }
}
