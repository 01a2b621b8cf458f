#!/usr/bin/env python3
"""Times the Skåne query in DuckDB and PostgreSQL beside `guidepath eval
--ndjson` over the same patients (BENCHMARKS.md, "SQL").

    bench.py GUIDEPATH --patients 10000000 --pg-patients 1000000 --pg DSN

Patients are generated inside DuckDB (seeded), written as NDJSON for the
evaluator and as CSV for PostgreSQL. Loading is timed apart from the query;
each query writes its whole result into a table, as the evaluator writes
every result. Wall time and CPU time (this process's and its children's,
or the server's for PostgreSQL) are printed.
"""

import argparse
import os
import resource
import subprocess
import tempfile
import time

GUIDE = "guidelines/se/skane_mms.guide"

PATIENTS = """
CREATE TABLE patients AS
SELECT 'P' || i AS id,
       CASE WHEN random() < 0.1 THEN NULL ELSE CAST(10 + floor(random() * 70) AS BIGINT) END AS age,
       CASE WHEN random() < 0.1 THEN NULL
            ELSE ['P2M', 'P3M', 'P90D', 'P2M29D', 'P6M', 'P1Y', 'P100D'][1 + CAST(floor(random() * 7) AS INT)] END
         AS pain_duration,
       CASE WHEN random() < 0.1 THEN NULL
            ELSE list_filter(['neck', 'shoulders', 'low_back', 'generalized', 'other'], lambda x: random() < 0.4) END
         AS pain_sites,
       CASE WHEN random() < 0.1 THEN NULL ELSE CAST(floor(random() * 101) AS BIGINT) END AS linton_score,
       CASE WHEN random() < 0.1 THEN NULL ELSE DATE '2024-01-01' + CAST(floor(random() * 366) AS INT) END
         AS referral_date,
       CASE WHEN random() < 0.2 THEN NULL ELSE random() < 0.3 END AS very_pronounced_symptoms,
       CASE WHEN random() < 0.2 THEN NULL ELSE random() < 0.3 END AS very_long_sick_leave,
       CASE WHEN random() < 0.2 THEN NULL ELSE random() < 0.5 END AS previous_treatment_failed,
       CASE WHEN random() < 0.2 THEN NULL ELSE random() < 0.1 END AS unsuitable_for_treatment
FROM range(?) t(i)
"""


def cpu_self():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("guidepath")
    ap.add_argument("--patients", type=int, default=10_000_000)
    ap.add_argument("--pg-patients", type=int, default=1_000_000)
    ap.add_argument("--pg")
    args = ap.parse_args()
    import duckdb
    work = tempfile.mkdtemp(prefix="guidepath-sqlbench-")
    sql = {d: subprocess.run([args.guidepath, "sql", GUIDE, "--dialect", d], capture_output=True, text=True,
                             check=True).stdout.strip().rstrip(";") for d in ("duckdb", "postgres")}
    con = duckdb.connect()
    con.execute("SELECT setseed(0.42)")
    t = time.time()
    con.execute(PATIENTS, [args.patients])
    print(f"generate {args.patients} patients in DuckDB: {time.time() - t:.1f} s")
    # Loading, timed apart: the table from a Parquet export, as a registry
    # would load one.
    parquet = os.path.join(work, "patients.parquet")
    con.execute(f"COPY patients TO '{parquet}' (FORMAT parquet)")
    con.execute("DROP TABLE patients")
    t = time.time()
    con.execute(f"CREATE TABLE patients AS SELECT * FROM read_parquet('{parquet}')")
    print(f"load {args.patients} patients from Parquet ({os.path.getsize(parquet) / 1e6:.0f} MB): "
          f"{time.time() - t:.2f} s")
    os.remove(parquet)

    # DuckDB: the query alone, its whole result into a table, three times.
    for run in range(3):
        c0, t0 = cpu_self(), time.time()
        con.execute("CREATE OR REPLACE TABLE results AS " + sql["duckdb"])
        wall, cpu = time.time() - t0, cpu_self() - c0
        print(f"duckdb query run {run + 1}: {args.patients} patients, wall {wall:.2f} s, cpu {cpu:.2f} s, "
              f"{args.patients / wall:,.0f} patients/s")
    counts = con.sql('SELECT count(*), count(*) FILTER (WHERE "rec.mms_referral"), '
                     'count(*) FILTER (WHERE "rec.mms_referral" IS NULL) FROM results').fetchall()[0]
    print(f"  rows {counts[0]}, mms_referral true {counts[1]}, unknown {counts[2]}")

    # The evaluator over the same patients as NDJSON (load apart).
    nd = os.path.join(work, "patients.ndjson")
    t = time.time()
    con.execute(f"""COPY (SELECT age, pain_duration, pain_sites, linton_score,
                        strftime(referral_date, '%Y-%m-%d') AS referral_date, very_pronounced_symptoms,
                        very_long_sick_leave, previous_treatment_failed, unsuitable_for_treatment
                        FROM patients ORDER BY id) TO '{nd}' (FORMAT json)""")
    print(f"write NDJSON: {time.time() - t:.1f} s, {os.path.getsize(nd) / 1e6:.0f} MB")
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    with open(nd) as f, open(os.devnull, "w") as out:
        subprocess.run([args.guidepath, "eval", GUIDE, "--ndjson"], stdin=f, stdout=out, check=False)
    wall = time.time() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    print(f"guidepath eval --ndjson: {args.patients} patients, wall {wall:.2f} s, cpu {cpu:.2f} s, "
          f"{args.patients / wall:,.0f} patients/s")
    os.remove(nd)

    if args.pg:
        import psycopg
        csv = os.path.join(work, "patients.csv")
        con.execute(f"""COPY (SELECT id, age, pain_duration,
                            CASE WHEN pain_sites IS NULL THEN NULL
                                 ELSE '{{' || array_to_string(pain_sites, ',') || '}}' END AS pain_sites,
                            linton_score, referral_date, very_pronounced_symptoms, very_long_sick_leave,
                            previous_treatment_failed, unsuitable_for_treatment
                            FROM patients ORDER BY id LIMIT {args.pg_patients}) TO '{csv}' (FORMAT csv, HEADER false)""")
        schema = subprocess.run([args.guidepath, "sql", GUIDE, "--dialect", "postgres", "--schema"],
                                capture_output=True, text=True, check=True).stdout
        with psycopg.connect(args.pg, autocommit=True) as pg:
            pg.execute("DROP TABLE IF EXISTS patients")
            pg.execute("DROP TABLE IF EXISTS results")
            pg.execute(schema)
            t = time.time()
            with pg.cursor().copy("COPY patients FROM STDIN (FORMAT csv)") as cp, open(csv, "rb") as f:
                while chunk := f.read(1 << 20):
                    cp.write(chunk)
            pg.execute("ANALYZE patients")
            print(f"load {args.pg_patients} patients into PostgreSQL: {time.time() - t:.1f} s")
            pid = pg.execute("SELECT pg_backend_pid()").fetchone()[0]
            # PostgreSQL compiles large queries with LLVM (jit, on by default
            # above a cost); the second run is without it.
            for run in range(2):
                if run == 1:
                    pg.execute("SET jit = off")
                pg.execute("DROP TABLE IF EXISTS results")
                c0 = server_cpu(pid)
                t0 = time.time()
                pg.execute("CREATE TABLE results AS " + sql["postgres"])
                wall = time.time() - t0
                cpu = server_cpu(pid) - c0
                jit = "jit off" if run == 1 else "jit default"
                print(f"postgres query ({jit}): {args.pg_patients} patients, wall {wall:.2f} s, "
                      f"cpu {cpu:.2f} s, {args.pg_patients / wall:,.0f} patients/s")
        os.remove(csv)


def server_cpu(pid):
    """CPU seconds of a PostgreSQL backend (it runs the query)."""
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(parts[11]) + int(parts[12])) / tick


if __name__ == "__main__":
    main()
