//! What differs between the engines: quoting, type names, and the few
//! functions that are not standard SQL.

/// An SQL engine the query is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    DuckDb,
    Postgres,
    Spark,
}

impl Dialect {
    pub const ALL: [Dialect; 3] = [Dialect::DuckDb, Dialect::Postgres, Dialect::Spark];

    /// The name the CLI takes (`duckdb`, `postgres`, `spark`).
    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Postgres => "postgres",
            Dialect::Spark => "spark",
        }
    }

    pub fn parse(name: &str) -> Option<Dialect> {
        Dialect::ALL.into_iter().find(|d| d.name() == name)
    }

    /// A quoted identifier: any text is taken literally.
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// A table name as given: `schema.table` is two quoted parts.
    pub fn table(self, name: &str) -> String {
        name.split('.').map(|p| self.ident(p)).collect::<Vec<_>>().join(".")
    }

    /// A string literal. Spark reads backslash escapes in literals (and
    /// joins adjacent ones), so there both quote and backslash are escaped
    /// with a backslash; the others double the quote.
    pub fn string(self, text: &str) -> String {
        match self {
            Dialect::Spark => format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'")),
            _ => format!("'{}'", text.replace('\'', "''")),
        }
    }

    pub fn double_type(self) -> &'static str {
        match self {
            Dialect::Postgres => "DOUBLE PRECISION",
            _ => "DOUBLE",
        }
    }

    pub fn text_type(self) -> &'static str {
        match self {
            Dialect::DuckDb => "VARCHAR",
            Dialect::Postgres => "TEXT",
            Dialect::Spark => "STRING",
        }
    }

    pub fn text_array_type(self) -> &'static str {
        match self {
            Dialect::DuckDb => "VARCHAR[]",
            Dialect::Postgres => "TEXT[]",
            Dialect::Spark => "ARRAY<STRING>",
        }
    }

    /// A DOUBLE constant, exactly: the shortest text that reads back as
    /// the same binary64, parsed by the engine.
    pub fn double(self, x: f64) -> String {
        let text = if x == f64::INFINITY {
            "Infinity".to_string()
        } else if x == f64::NEG_INFINITY {
            "-Infinity".to_string()
        } else if x.fract() == 0.0 && x.abs() < 1e15 {
            format!("{}", x as i64)
        } else {
            format!("{x:e}")
        };
        format!("CAST('{text}' AS {})", self.double_type())
    }

    /// Whether the array `arr` holds the text `item` (neither NULL).
    pub fn contains(self, arr: &str, item: &str) -> String {
        match self {
            Dialect::DuckDb => format!("list_contains({arr}, {item})"),
            Dialect::Postgres => format!("({item} = ANY({arr}))"),
            Dialect::Spark => format!("array_contains({arr}, {item})"),
        }
    }

    /// Whether every element of `arr` is one of `items` (literals); false
    /// for a NULL element.
    pub fn all_within(self, arr: &str, items: &[String]) -> String {
        let list = items.join(", ");
        match self {
            Dialect::DuckDb => {
                format!("(len(list_filter({arr}, lambda x: x IS NULL OR x NOT IN ({list}))) = 0)")
            }
            Dialect::Postgres => format!("({arr} <@ ARRAY[{list}]::TEXT[] AND array_position({arr}, NULL) IS NULL)"),
            Dialect::Spark => format!("(size(array_except({arr}, array({list}))) = 0)"),
        }
    }

    /// Whether `text` matches the regular expression `pattern` (anchored
    /// by the pattern itself).
    pub fn matches(self, text: &str, pattern: &str) -> String {
        let p = self.string(pattern);
        match self {
            Dialect::DuckDb => format!("regexp_matches({text}, {p})"),
            Dialect::Postgres => format!("({text} ~ {p})"),
            Dialect::Spark => format!("({text} RLIKE {p})"),
        }
    }

    /// Every capture group of `pattern` in `text` at once, where the
    /// engine has that (one match instead of one per group): DuckDB's
    /// struct of named groups and PostgreSQL's array. Spark has none.
    pub fn captures(self, text: &str, pattern: &str, groups: usize) -> Option<String> {
        let p = self.string(pattern);
        match self {
            Dialect::DuckDb => {
                let names: Vec<String> = (1..=groups).map(|k| format!("'g{k}'")).collect();
                Some(format!("regexp_extract({text}, {p}, [{}])", names.join(", ")))
            }
            Dialect::Postgres => Some(format!("regexp_match({text}, {p})")),
            Dialect::Spark => None,
        }
    }

    /// Capture group `group` (1-based): of the value [`Dialect::captures`]
    /// made when there is one, else of `pattern` in `text`. Empty or NULL
    /// when the group took no part.
    pub fn capture(self, all: Option<&str>, text: &str, pattern: &str, group: usize) -> String {
        match (self, all) {
            (Dialect::DuckDb, Some(all)) => format!("struct_extract({all}, 'g{group}')"),
            (Dialect::Postgres, Some(all)) => format!("{all}[{group}]"),
            _ => format!("regexp_extract({text}, {}, {group})", self.string(pattern)),
        }
    }

    /// `text` without leading zeros.
    pub fn strip_zeros(self, text: &str) -> String {
        match self {
            Dialect::Spark => format!("TRIM(LEADING '0' FROM {text})"),
            _ => format!("ltrim({text}, '0')"),
        }
    }

    /// `date` plus a whole number of calendar months, clamped to the end of
    /// the month as the evaluator does (2024-01-31 + 1 month = 2024-02-29).
    pub fn add_months(self, date: &str, months: &str) -> String {
        match self {
            Dialect::DuckDb => format!("CAST({date} + to_months(CAST({months} AS INTEGER)) AS DATE)"),
            Dialect::Postgres => format!("CAST({date} + make_interval(months => CAST({months} AS INTEGER)) AS DATE)"),
            Dialect::Spark => format!("add_months({date}, CAST({months} AS INT))"),
        }
    }

    /// `date` plus a whole number of days.
    pub fn add_days(self, date: &str, days: &str) -> String {
        match self {
            Dialect::DuckDb | Dialect::Postgres => format!("({date} + CAST({days} AS INTEGER))"),
            Dialect::Spark => format!("date_add({date}, CAST({days} AS INT))"),
        }
    }

    /// `x` floor-divided by the positive constant `k`, as BIGINT.
    pub fn floor_div(self, x: &str, k: i64) -> String {
        // Exact: x is far below 2^53 and the quotient is whole after floor.
        format!("CAST(FLOOR(CAST({x} AS {}) / {k}) AS BIGINT)", self.double_type())
    }

    /// Text comparison in code point order, as the evaluator compares.
    pub fn text_cmp(self, a: &str, op: &str, b: &str) -> String {
        match self {
            Dialect::Postgres => format!("({a} COLLATE \"C\" {op} {b})"),
            _ => format!("({a} {op} {b})"),
        }
    }

    /// An array of the texts whose condition holds, in the given order;
    /// conditions are never NULL.
    pub fn texts_where(self, items: &[(String, String)]) -> String {
        if items.is_empty() {
            return match self {
                Dialect::DuckDb => "CAST([] AS VARCHAR[])".into(),
                Dialect::Postgres => "CAST(ARRAY[] AS TEXT[])".into(),
                Dialect::Spark => "CAST(array() AS ARRAY<STRING>)".into(),
            };
        }
        let elems: Vec<String> =
            items.iter().map(|(cond, text)| format!("CASE WHEN {cond} THEN {} END", self.string(text))).collect();
        let list = elems.join(", ");
        match self {
            Dialect::DuckDb => format!("[x FOR x IN [{list}] IF x IS NOT NULL]"),
            Dialect::Postgres => format!("array_remove(ARRAY[{list}]::TEXT[], NULL)"),
            Dialect::Spark => format!("filter(array({list}), x -> x IS NOT NULL)"),
        }
    }

    /// What keeps a subquery's columns computed once per row: PostgreSQL
    /// pulls simple subqueries up into their reader and would copy each
    /// column's expression into every place that reads it; `OFFSET 0`
    /// keeps the subquery apart.
    pub fn layer_fence(self) -> &'static str {
        match self {
            Dialect::Postgres => " OFFSET 0",
            _ => "",
        }
    }

    /// The end of `CREATE TABLE … (…)`.
    pub fn create_suffix(self) -> &'static str {
        match self {
            Dialect::Spark => " USING parquet",
            _ => "",
        }
    }
}
