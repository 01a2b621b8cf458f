#!/usr/bin/env python3
"""Differential test of `guidepath sql` against the evaluator.

For each guideline: generate patients (missing values, boundary values,
every enum and set value, a share of invalid rows), evaluate them with
`guidepath eval --ndjson`, turn each result into the row the SQL contract
(docs/sql.md) says it is, run the query of each dialect in its real engine
over the same patients, and compare row by row, column by column.

    differential.py --guidepath BIN --engines duckdb,postgres,spark \
        --patients 100000 [--pg DSN] GUIDELINE...

Exit status 1 on any difference, with the first few shown.
"""

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time

EPOCH = dt.date(1970, 1, 1)


# ------------------------------------------------------------ artifact --

def walk(x, out):
    """Every quantity, date and text constant of the rules."""
    if isinstance(x, dict):
        if "quantity" in x and isinstance(x["quantity"], dict):
            q = x["quantity"]
            out["qty"].add((q["value"], q.get("unit")))
        if "in_range" in x:
            r = x["in_range"]
            out["qty"].add((r["lo"], r.get("unit")))
            out["qty"].add((r["hi"], r.get("unit")))
        if "date" in x and isinstance(x["date"], int):
            out["dates"].add(x["date"])
        if "text" in x and isinstance(x["text"], str):
            out["texts"].add(x["text"])
        if "amount" in x and isinstance(x["amount"], dict):
            a = x["amount"]
            if a.get("months"):
                out["qty"].add((a["months"], "months"))
            if a.get("days"):
                out["qty"].add((a["days"], "days"))
        for v in x.values():
            walk(v, out)
    elif isinstance(x, list):
        for v in x:
            walk(v, out)


def constants(artifact):
    out = {"qty": set(), "dates": set(), "texts": set()}
    walk(artifact["nodes"], out)
    walk(artifact["recommendations"], out)
    walk(artifact["pathways"], out)
    return out


# ------------------------------------------------------------ patients --

def iso_date(days):
    return (EPOCH + dt.timedelta(days=days)).isoformat()


def month_ends():
    out = []
    for y in (2023, 2024, 2000, 1900):
        for m in range(1, 13):
            nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
            out.append((nxt - dt.timedelta(days=1)).isoformat())
    return out


def duration_pool(consts):
    pool = ["P0D", "P1D", "P1M", "P1Y", "P2W", "PT12H", "P1Y6M", "P3M", "P90D", "P2M29D", "P2M27D",
            "P2M28D", "P3M1D", "P89D", "P92D", "P93D", "P84D", "P6M", "P12W", "P100D", "PT1440M", "P007D",
            "P0000000000000003M", "P1W2D", "P10000Y", "PT0M", "P0Y0M0W0DT0H0M"]
    for value, unit in consts["qty"]:
        if unit not in ("years", "months", "weeks", "days", "hours", "minutes") or value != int(value):
            continue
        q = int(value)
        if unit in ("years", "months"):
            m = q * 12 if unit == "years" else q
            pool += [f"P{m}M", f"P{max(m - 1, 0)}M", f"P{m + 1}M", f"P{max(m - 1, 0)}M27D",
                     f"P{max(m - 1, 0)}M28D", f"P{max(m - 1, 0)}M30D", f"P{m}M1D", f"P{m * 28}D",
                     f"P{max(m * 28 - 1, 0)}D", f"P{m * 30}D", f"P{m * 31}D", f"P{m * 31 + 1}D"]
            if m % 12 == 0:
                pool.append(f"P{m // 12}Y")
        elif unit in ("weeks", "days"):
            d = q * 7 if unit == "weeks" else q
            pool += [f"P{d}D", f"P{max(d - 1, 0)}D", f"P{d + 1}D", f"P{d // 28}M", f"P{d // 28 + 1}M"]
            if d % 7 == 0:
                pool.append(f"P{d // 7}W")
        else:
            mins = q * 60 if unit == "hours" else q
            pool += [f"PT{mins}M", f"PT{mins + 1}M", f"P{mins // 1440}D"]
    return sorted(set(pool))


def number_pool(inp, consts, integer):
    lo, hi = inp.get("range") or (None, None)
    pool = []
    for value, unit in consts["qty"]:
        if unit in ("months", "days", "weeks", "years", "hours", "minutes") and unit != inp.get("unit"):
            continue
        for d in ((-1, 0, 1) if integer else (-1, -0.5, 0, 0.5, 1)):
            pool.append(value + d)
    if lo is not None:
        pool += [lo, hi, lo + 1, hi - 1]
    else:
        pool += [-1, 0, 1, 50, 200]
    out = []
    for x in pool:
        if integer:
            x = int(x)
        if lo is not None and not (lo <= x <= hi):
            continue
        out.append(x)
    return sorted(set(out)) or [0]


def generator(artifact, rng):
    consts = constants(artifact)
    dates = month_ends() + ["2024-02-29", "2023-03-01", "2024-01-30", "0001-01-01", "9999-12-31", "1999-12-31"]
    dates += [iso_date(d + k) for d in consts["dates"] for k in (-1, 0, 1)]
    durations = duration_pool(consts)
    texts = sorted(consts["texts"]) + ["", "x", "ÅÄÖ"]
    gens = []
    for inp in artifact["inputs"]:
        ty = inp["type"]
        if ty == "boolean":
            gens.append(lambda: rng.random() < 0.5)
        elif ty in ("integer", "decimal"):
            integer = ty == "integer"
            pool = number_pool(inp, consts, integer)
            lo, hi = inp.get("range") or (-1000, 1000)

            def g(pool=pool, lo=lo, hi=hi, integer=integer):
                if rng.random() < 0.7:
                    return rng.choice(pool)
                return rng.randint(int(lo), int(hi)) if integer else round(rng.uniform(lo, hi), 2)
            gens.append(g)
        elif ty == "date":
            gens.append(lambda: rng.choice(dates) if rng.random() < 0.6 else iso_date(rng.randint(-25000, 25000)))
        elif ty == "duration":
            gens.append(lambda: rng.choice(durations) if rng.random() < 0.85
                        else f"P{rng.randint(0, 40)}M{rng.randint(0, 40)}D")
        elif ty == "text":
            gens.append(lambda: rng.choice(texts))
        elif ty == "enum":
            gens.append(lambda vs=inp["values"]: rng.choice(vs))
        elif ty == "set":
            gens.append(lambda vs=inp["values"]: [v for v in vs if rng.random() < 0.35])
        else:
            raise SystemExit(f"unknown input type {ty}")
    return gens


def invalid_value(inp, rng):
    """A value the evaluator refuses, or None when the type has none."""
    ty = inp["type"]
    if ty in ("integer", "decimal") and inp.get("range"):
        hi = inp["range"][1] + 1
        return int(hi) if ty == "integer" else hi
    if ty == "enum":
        return "not-a-value"
    if ty == "set":
        return [inp["values"][0], "not-a-value"]
    if ty == "duration":
        return rng.choice(["P1X", "P", "PT", "P1YT", "P99999999999999Y", "P10001Y", "4M"])
    return None


def patients(artifact, n, seed):
    rng = random.Random(seed)
    gens = generator(artifact, rng)
    inputs = artifact["inputs"]
    rows = []
    for _ in range(n):
        # Each patient has its own share of missing answers, so that fully
        # answered and mostly unanswered patients both occur.
        missing = rng.choice((0.0, 0.1, 0.3, 0.7))
        row = [None if rng.random() < missing else g() for g in gens]
        if inputs and rng.random() < 0.01:
            k = rng.randrange(len(inputs))
            bad = invalid_value(inputs[k], rng)
            if bad is not None:
                row[k] = bad
        rows.append(row)
    return rows


def nested(inputs, row):
    """A patient as the evaluator reads it: dotted paths as objects."""
    out = {}
    for inp, v in zip(inputs, row):
        if v is None:
            continue
        node = out
        parts = inp["path"].split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = v
    return out


# -------------------------------------------------- the contract, from JSON --

STATE_APPLIES = {"decided": True, "not_applicable": False, "undecided": None}


def expected_row(result, inputs):
    """The row docs/sql.md says a JSON result is."""
    row = {}
    if "error" in result:
        paths = {e["path"] for e in result.get("errors", [])}
        row["errors"] = [i["path"] for i in inputs if i["path"] in paths]
        return row, True
    row["errors"] = []
    for s in result["strata"]:
        row[f"stratum.{s['id']}"] = s["stratum"]
        row[f"needs.{s['id']}"] = s.get("needs")
    for s in result["scores"]:
        row[f"score.{s['id']}.min"] = s["min"]
        row[f"score.{s['id']}.max"] = s["max"]
        row[f"needs.{s['id']}"] = s.get("needs")
    for r in result["recommendations"]:
        row[f"rec.{r['id']}"] = r["applies"]
        row[f"needs.{r['id']}"] = r.get("needs")
    for p in result["pathways"]:
        row[f"pathway.{p['id']}"] = p["applies"]
        row[f"needs.{p['id']}"] = p.get("needs")
        for s in p["steps"]:
            sid = f"{p['id']}.{s['id']}"
            row[f"step.{sid}"] = s["applies"]
            row[f"needs.{sid}"] = s.get("needs")
            d = s.get("deadline")
            if d is not None:
                row[f"due.{sid}"] = d["due"]
                row[f"deadline.{sid}.applies"] = STATE_APPLIES[d["state"]]
                row[f"needs.{sid}.due"] = d.get("needs")
    return row, False


def norm(v):
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()[:10]
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, (list, tuple)):
        return [norm(x) for x in v]
    try:  # numpy arrays from Spark's Arrow path, and the like
        return [norm(x) for x in list(v)]
    except TypeError:
        return v


# ------------------------------------------------------------- engines --

def flat_types(inputs, key):
    ty = {"boolean": "BOOLEAN", "integer": "BIGINT", "decimal": "DOUBLE", "date": "DATE",
          "duration": "VARCHAR", "text": "VARCHAR", "enum": "VARCHAR", "set": "VARCHAR[]"}
    cols = {key: "VARCHAR"}
    for i in inputs:
        cols[i["path"]] = ty[i["type"]]
    return cols


def load_duckdb(con, schema_sql, flat_path, inputs, key):
    con.execute("DROP TABLE IF EXISTS patients")
    con.execute(schema_sql)
    cols = flat_types(inputs, key)
    spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in cols.items()) + "}"
    con.execute(f"INSERT INTO patients SELECT * FROM read_json('{flat_path}', format='newline_delimited', "
                f"columns={spec}, dateformat='%Y-%m-%d')")


# The contract's column types (docs/sql.md), by the column's kind, as each
# engine names them.
TYPES = {
    "duckdb": {"bool": "BOOLEAN", "double": "DOUBLE", "date": "DATE", "text": "VARCHAR", "texts": "VARCHAR[]"},
    "postgres": {"bool": 16, "double": 701, "date": 1082, "text": 25, "texts": 1009},
    "spark": {"bool": "BooleanType()", "double": "DoubleType()", "date": "DateType()", "text": "StringType()",
              "texts": "ArrayType(StringType(), True)"},
}


def kind(col):
    """The contract's type of an output column, from its name."""
    if col == "errors" or col.startswith("needs."):
        return "texts"
    if col.startswith("score."):
        return "double"
    if col.startswith("due."):
        return "date"
    if col.startswith("stratum."):
        return "text"
    return "bool"


def check_types(engine, name, types, key):
    bad = 0
    for col, ty in types.items():
        if col == key:
            continue
        want = TYPES[engine][kind(col)]
        if str(ty) != str(want):
            bad += 1
            print(f"  {engine} {name}: column {col} is {ty}, the contract says {want}")
    return bad


def run_duckdb(ctx, sql):
    cur = ctx["duckdb"].execute(sql)
    names = [d[0] for d in cur.description]
    ctx["types"] = {d[0]: d[1] for d in cur.description}
    return names, cur.fetchall()


def run_postgres(ctx, schema_sql, sql, rows, inputs, key):
    con = ctx["postgres"]
    with con.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS patients")
        cur.execute(schema_sql)
        cols = ", ".join('"' + c.replace('"', '""') + '"' for c in [key] + [i["path"] for i in inputs])
        with cur.copy(f"COPY patients ({cols}) FROM STDIN") as cp:
            for n, row in enumerate(rows):
                vals = [str(n)]
                for inp, v in zip(inputs, row):
                    if v is not None and inp["type"] == "date":
                        v = dt.date.fromisoformat(v)
                    vals.append(v)
                cp.write_row(vals)
        con.commit()
        cur.execute(sql)
        names = [d.name for d in cur.description]
        ctx["types"] = {d.name: d.type_code for d in cur.description}
        out = cur.fetchall()
    con.commit()
    return names, out


def run_spark(ctx, parquet, sql):
    spark = ctx["spark"]
    spark.read.parquet(parquet).createOrReplaceTempView("patients")
    df = spark.sql(sql)
    names = df.columns
    ctx["types"] = {f.name: repr(f.dataType) for f in df.schema.fields}
    return names, [tuple(r) for r in df.collect()]


# ---------------------------------------------------------------- main --

def compare(name, engine, names, got_rows, expected, key_index, limit=5):
    bad = 0
    seen = set()
    for got in got_rows:
        rowid = int(got[key_index])
        seen.add(rowid)
        want, invalid = expected[rowid]
        gotd = dict(zip(names, got))
        for col, w in want.items():
            g = gotd.get(col, "<missing column>")
            if invalid and col != "errors":
                continue
            if norm(g) != norm(w):
                bad += 1
                if bad <= limit:
                    print(f"  {engine} {name} row {rowid}: {col}: engine {norm(g)!r}, evaluator {norm(w)!r}")
        if invalid:
            for col, g in gotd.items():
                if col not in ("errors",) and names.index(col) != key_index and g is not None:
                    bad += 1
                    if bad <= limit:
                        print(f"  {engine} {name} row {rowid}: {col} is {g!r} on an invalid row")
        extra = set(names) - set(want) - {names[key_index]}
        if extra and not invalid:
            bad += 1
            if bad <= limit:
                print(f"  {engine} {name}: columns the contract does not name: {sorted(extra)}")
    if len(seen) != len(expected):
        bad += 1
        print(f"  {engine} {name}: {len(seen)} rows for {len(expected)} patients")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--guidepath", required=True)
    ap.add_argument("--engines", default="duckdb,postgres,spark")
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pg", help="PostgreSQL connection string")
    ap.add_argument("guidelines", nargs="+")
    args = ap.parse_args()
    engines = args.engines.split(",")
    ctx = {}
    import duckdb  # a missing engine fails the run
    ctx["duckdb"] = duckdb.connect()
    if "postgres" in engines:
        import psycopg
        ctx["postgres"] = psycopg.connect(args.pg)
    if "spark" in engines:
        from pyspark.sql import SparkSession
        ctx["spark"] = (SparkSession.builder.master("local[2]").appName("guidepath-sql")
                        .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "2")
                        .config("spark.driver.memory", "2g").getOrCreate())
        ctx["spark"].sparkContext.setLogLevel("ERROR")
    failures = 0
    total = 0
    work = tempfile.mkdtemp(prefix="guidepath-sql-")
    for g in args.guidelines:
        art = subprocess.run([args.guidepath, "compile", g], capture_output=True, text=True)
        if art.returncode != 0:
            print(f"error: {g} does not compile", file=sys.stderr)
            failures += 1
            continue
        artifact = json.loads(art.stdout)
        inputs = artifact["inputs"]
        key = "id" if all(i["path"] != "id" for i in inputs) else "patient_key"
        rows = patients(artifact, args.patients, args.seed)
        nd = os.path.join(work, "patients.ndjson")
        flat = os.path.join(work, "flat.ndjson")
        with open(nd, "w") as f, open(flat, "w") as h:
            for n, row in enumerate(rows):
                f.write(json.dumps(nested(inputs, row)) + "\n")
                rec = {key: str(n)}
                rec.update({i["path"]: v for i, v in zip(inputs, row)})
                h.write(json.dumps(rec) + "\n")
        with open(nd) as f:
            ev = subprocess.run([args.guidepath, "eval", g, "--ndjson"], stdin=f, capture_output=True, text=True)
        results = [json.loads(line) for line in ev.stdout.splitlines()]
        if len(results) != len(rows):
            print(f"error: {g}: {len(results)} results for {len(rows)} patients: {ev.stderr[:500]}")
            failures += 1
            continue
        expected = [expected_row(r, inputs) for r in results]
        invalid = sum(1 for _, bad in expected if bad)
        # The table once per guideline: DuckDB's (from --schema) holds it,
        # and Spark reads it as Parquet.
        load_duckdb(ctx["duckdb"], sql_text(args.guidepath, g, "duckdb", key, schema=True), flat, inputs, key)
        parquet = os.path.join(work, "patients.parquet")
        if "spark" in engines:
            ctx["duckdb"].execute(f"COPY patients TO '{parquet}' (FORMAT parquet)")
        for engine in engines:
            try:
                sql = sql_text(args.guidepath, g, engine, key)
                schema = sql_text(args.guidepath, g, engine, key, schema=True)
            except subprocess.CalledProcessError as e:
                print(f"error: {g}: guidepath sql --dialect {engine}: {e.stderr}")
                failures += 1
                continue
            t1 = time.time()
            if engine == "duckdb":
                names, got = run_duckdb(ctx, sql)
            elif engine == "postgres":
                names, got = run_postgres(ctx, schema, sql, rows, inputs, key)
            else:
                names, got = run_spark(ctx, parquet, sql)
            bad = compare(g, engine, names, got, expected, names.index(key))
            bad += check_types(engine, g, ctx["types"], key)
            total += len(got)
            print(f"{'ok' if not bad else 'FAIL'} {engine:8} {g}: {len(got)} rows ({invalid} invalid), "
                  f"{len(names)} columns, {time.time() - t1:.1f} s")
            failures += bool(bad)
    if "spark" in ctx:
        ctx["spark"].stop()
    print(f"sql differential: {total} rows compared, {failures} failures")
    return 1 if failures else 0


def sql_text(guidepath, g, dialect, key, schema=False):
    """`guidepath sql`'s query (without its final `;`) or, with `schema`, its CREATE TABLE."""
    cmd = [guidepath, "sql", g, "--dialect", dialect, "--key", key] + (["--schema"] if schema else [])
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return out if schema else out.strip().rstrip(";")


if __name__ == "__main__":
    sys.exit(main())
