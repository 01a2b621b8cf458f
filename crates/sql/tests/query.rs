//! What `guidepath-sql` refuses, and the shape of what it writes. Whether the
//! queries give the evaluator's answers is for the engines to say:
//! `tests/sql/run` runs them in DuckDB, PostgreSQL and Spark.

use guidepath_ir::{Artifact, Scoring};
use guidepath_sql::{compile, schema, ColumnType, Dialect, Options, SqlError};
use std::path::Path;

fn artifact(path: &str) -> Artifact {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    guidepath_check::compile(&guidepath_check::Disk, &root.join(path)).lowered.expect("compiles").artifact
}

#[test]
fn columns_follow_the_json_result() {
    let art = artifact("guidelines/se/skane_mms.guide");
    let q = compile(&art, Dialect::DuckDb, &Options::default()).unwrap();
    let names: Vec<&str> = q.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(&names[..4], ["errors", "stratum.care_level", "needs.care_level", "rec.mms_referral"]);
    assert!(names.contains(&"due.mms.first_visit"));
    assert!(names.contains(&"deadline.mms.first_visit.applies"));
    assert!(names.contains(&"needs.mms.first_visit.due"));
    let ty = |n: &str| q.columns.iter().find(|c| c.name == n).map(|c| c.ty);
    assert_eq!(ty("rec.mms_referral"), Some(ColumnType::Boolean));
    assert_eq!(ty("due.mms.first_visit"), Some(ColumnType::Date));
    assert_eq!(ty("needs.care_level"), Some(ColumnType::TextArray));
    let sb = artifact("guidelines/instruments/start_back.guide");
    let q = compile(&sb, Dialect::Spark, &Options::default()).unwrap();
    assert!(q.columns.iter().any(|c| c.name == "score.start_back.total.min" && c.ty == ColumnType::Double));
    // The key leads; every column name quoted as the dialect quotes.
    assert!(q.sql.contains("_k AS `id`"));
    assert!(q.sql.contains("AS `stratum.start_back.risk`"));
}

#[test]
fn the_schema_has_a_column_per_input() {
    let art = artifact("guidelines/instruments/start_back.guide");
    let opts = Options { table: "registry.start_back".into(), key: "person".into() };
    let pg = schema(&art, Dialect::Postgres, &opts).unwrap();
    assert!(pg.starts_with("CREATE TABLE \"registry\".\"start_back\" (\n  \"person\" TEXT NOT NULL,"));
    assert!(pg.contains("\"start_back.q1\" BOOLEAN"));
    assert!(pg.contains("\"start_back.q9\" TEXT"));
    let spark = schema(&art, Dialect::Spark, &opts).unwrap();
    assert!(spark.contains("`start_back.q1` BOOLEAN") && spark.ends_with("USING parquet;\n"));
    let skane = schema(&artifact("guidelines/se/skane_mms.guide"), Dialect::DuckDb, &Options::default()).unwrap();
    assert!(skane.contains("\"pain_sites\" VARCHAR[]") && skane.contains("\"referral_date\" DATE"));
}

#[test]
fn names_and_texts_are_quoted_for_each_dialect() {
    assert_eq!(Dialect::DuckDb.ident("a\"b"), "\"a\"\"b\"");
    assert_eq!(Dialect::Spark.ident("a`b"), "`a``b`");
    assert_eq!(Dialect::Postgres.string("it's"), "'it''s'");
    // Spark reads backslash escapes and joins adjacent literals.
    assert_eq!(Dialect::Spark.string("it's a\\b"), "'it\\'s a\\\\b'");
    assert_eq!(Dialect::DuckDb.double(0.1), "CAST('1e-1' AS DOUBLE)");
    assert_eq!(Dialect::Postgres.double(f64::NEG_INFINITY), "CAST('-Infinity' AS DOUBLE PRECISION)");
}

#[test]
fn a_key_that_is_an_input_is_refused() {
    let art = artifact("guidelines/se/skane_mms.guide");
    let opts = Options { key: "age".into(), ..Options::default() };
    for d in Dialect::ALL {
        let e = compile(&art, d, &opts).unwrap_err();
        assert_eq!(e, SqlError::KeyIsInput { key: "age".into() });
        assert!(schema(&art, d, &opts).is_err());
    }
}

#[test]
fn what_cannot_be_computed_exactly_is_an_error_naming_it() {
    // Boolean scoring on an integer item: the compiler never writes it, and
    // the evaluator's points would be unknown for some answers only.
    let mut art = artifact("guidelines/instruments/start_back.guide");
    let item = art.inputs.iter_mut().find(|i| i.path == "start_back.q9").unwrap();
    item.scoring = Some(Scoring::Boolean);
    let e = compile(&art, Dialect::Postgres, &Options::default()).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("start_back.q9") && msg.contains("postgres"), "{msg}");
}

#[test]
fn an_invalid_artifact_is_refused() {
    let mut art = artifact("guidelines/instruments/start_back.guide");
    art.schema = "9.0".into();
    assert!(matches!(compile(&art, Dialect::DuckDb, &Options::default()), Err(SqlError::Invalid(_))));
}
