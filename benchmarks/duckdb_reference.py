"""An independent reference implementation of the flow and census indicators in DuckDB SQL.

Written from ``records.md`` and ``indicators.md`` alone (not from the package's pandas code), so
that two separate computations of the same counts can be compared: the benchmark
(``benchmarks/run.py``) and ``tests/test_duckdb_reference.py`` check that the package and this
reference agree exactly on every numerator and denominator.

Covered: JJ01, JJ02, JJ03, JJ06 (deaths and the average-daily-population, census or
distinct-children denominator), JJ07, JJ08, JJ09, JJ10, JJ11, each by ``total/all``, ``sex`` and
``age_group``, and by ``offence`` (JJ01, JJ09, JJ10), ``facility_type`` (JJ02, JJ03, JJ07, JJ08)
and ``legal_status`` (JJ02, JJ07, JJ08), with ``count_unit`` ``event`` or ``child``. The
dataset is assumed valid (the package refuses to compute an invalid one); the reference does
not validate.

The files are read directly by DuckDB (``.csv`` with every column as text and then typed casts,
so codes stay text: ``01`` is not ``1``; or ``.parquet``); ``dataset.toml`` with ``tomllib``.

Usage::

    python benchmarks/duckdb_reference.py DATASET_DIR [--count-unit child]

    from duckdb_reference import compute_reference
    cells = compute_reference("path/to/dataset")   # DataFrame: indicator, dimension, group,
                                                   # numerator, denominator, value
"""

from __future__ import annotations

import argparse
import datetime as _dt
import time
import tomllib
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

__all__ = [
    "REFERENCE_INDICATORS",
    "compare_cells",
    "compute_reference",
    "load_dataset",
    "reference_cells",
]

REFERENCE_INDICATORS = ("JJ01", "JJ02", "JJ03", "JJ06", "JJ07", "JJ08", "JJ09", "JJ10", "JJ11")
RATE_INDICATORS = ("JJ01", "JJ02", "JJ03", "JJ06")
AGE_GROUPS = ("0-13", "14-15", "16-17")
EXTRA_DIMENSIONS = ("offence", "facility_type", "legal_status")

# The columns each table needs, with their kind (records.md); other columns are not read.
COLUMNS: dict[str, dict[str, str]] = {
    "children": {"child_id": "text", "sex": "text", "date_of_birth": "date"},
    "population": {"year": "int", "sex": "text", "age": "int", "population": "int"},
    "arrests": {
        "arrest_id": "text",
        "child_id": "text",
        "arrest_date": "date",
        "offence_category": "text",
        "age_years": "int",
    },
    "detentions": {
        "episode_id": "text",
        "child_id": "text",
        "facility_id": "text",
        "admission_date": "date",
        "release_date": "date",
        "end_reason": "text",
        "sentence_date": "date",
        "wholly_separated_from_adults": "bool",
        "received_aftercare": "bool",
    },
    "dispositions": {
        "disposition_id": "text",
        "child_id": "text",
        "decision_date": "date",
        "decision": "text",
        "offence_date": "date",
        "offence_category": "text",
    },
    "family_visits": {"child_id": "text", "visit_date": "date"},
    "facilities": {"facility_id": "text", "facility_type": "text"},
}
TRUE_WORDS = ("true", "yes", "1", "y", "t")
FALSE_WORDS = ("false", "no", "0", "n", "f")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _source(folder: Path, table: str) -> str | None:
    """The DuckDB table function reading a table's file, or None when the file is absent."""
    csv = folder / f"{table}.csv"
    parquet = folder / f"{table}.parquet"
    if parquet.is_file():
        return f"read_parquet({_literal(str(parquet))})"
    if csv.is_file():
        # Every column as text: codes and ids keep their leading zeros; types are cast below.
        return (
            f"read_csv({_literal(str(csv))}, all_varchar = true, header = true, delim = ',', "
            "quote = '\"', escape = '\"', encoding = 'utf-8')"
        )
    return None


def _typed(name: str, kind: str, source_type: str | None) -> str:
    """A typed SQL expression for one column, whatever the file's type for it."""
    if source_type is None:  # an optional column left out of the file
        sql_type = {"text": "VARCHAR", "date": "DATE", "bool": "BOOLEAN", "int": "BIGINT"}[kind]
        return f"CAST(NULL AS {sql_type}) AS {_quote(name)}"
    col = _quote(name)
    text = f"NULLIF(trim(CAST({col} AS VARCHAR)), '')"
    upper = source_type.upper()
    if kind == "text":
        expr = text
    elif kind == "date":
        if upper.startswith(("DATE", "TIMESTAMP")):
            expr = f"CAST({col} AS DATE)"
        else:
            expr = f"CAST(try_strptime({text}, '%Y-%m-%d') AS DATE)"
    elif kind == "bool":
        if upper == "BOOLEAN":
            expr = col
        else:
            low = f"lower({text})"
            trues = ", ".join(_literal(w) for w in TRUE_WORDS)
            falses = ", ".join(_literal(w) for w in FALSE_WORDS)
            expr = f"CASE WHEN {low} IN ({trues}) THEN true WHEN {low} IN ({falses}) THEN false END"
    elif kind == "int":
        if any(t in upper for t in ("INT", "DOUBLE", "FLOAT", "DECIMAL")):
            expr = f"CAST({col} AS BIGINT)"
        else:
            expr = f"TRY_CAST({text} AS BIGINT)"
    else:  # pragma: no cover
        raise ValueError(kind)
    return f"{expr} AS {col}"


def _date(value: Any) -> _dt.date | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value))


def load_dataset(con: duckdb.DuckDBPyConnection, path: str | Path) -> dict[str, Any]:
    """Read ``dataset.toml`` and load each needed table into a typed DuckDB table.

    Returns the metadata (period_start, period_end, census_date, parameters, tables present).
    A missing optional table becomes an empty table, and is listed as absent in the metadata.
    """
    folder = Path(path)
    meta = tomllib.loads((folder / "dataset.toml").read_text(encoding="utf-8-sig"))
    start = _date(meta["period_start"])
    end = _date(meta["period_end"])
    census = _date(meta.get("census_date")) or end
    present = []
    for table, columns in COLUMNS.items():
        source = _source(folder, table)
        if source is not None:
            described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
            types = {row[0]: row[1] for row in described}
            exprs = ", ".join(_typed(c, k, types.get(c)) for c, k in columns.items())
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {exprs} FROM {source}")
            present.append(table)
        else:
            exprs = ", ".join(_typed(c, k, None) for c, k in columns.items())
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {exprs} LIMIT 0")
    params = meta.get("parameters") if isinstance(meta.get("parameters"), dict) else {}
    return {
        "country": meta.get("country"),
        "period_start": start,
        "period_end": end,
        "census_date": census,
        "days_in_period": (end - start).days + 1,
        "parameters": dict(params),
        "tables": tuple(present),
    }


# --------------------------------------------------------------------------------------------
# SQL. Dates are bound as literals; every query is plain DuckDB SQL.

_MACROS = """
-- Completed years on day d: a (month, day) before the birthday's (month, day) has not reached
-- it yet, so a 29 February birthday is reached on 1 March in other years.
CREATE OR REPLACE MACRO age_on(dob, d) AS
    year(d) - year(dob)
    - CASE WHEN month(d) < month(dob) OR (month(d) = month(dob) AND day(d) < day(dob))
           THEN 1 ELSE 0 END;
CREATE OR REPLACE MACRO age_group_of(age) AS
    CASE WHEN age IS NULL THEN 'unknown'
         WHEN age < 14 THEN '0-13'
         WHEN age < 16 THEN '14-15'
         WHEN age < 18 THEN '16-17' END;
-- The day a child reaches age k (29 February births: 1 March in a common year).
CREATE OR REPLACE MACRO birthday(dob, k) AS
    CASE WHEN month(dob) = 2 AND day(dob) = 29 AND NOT (
              (year(dob) + k) % 4 = 0 AND ((year(dob) + k) % 100 <> 0 OR (year(dob) + k) % 400 = 0))
         THEN make_date(CAST(year(dob) + k AS BIGINT), 3, 1)
         ELSE make_date(CAST(year(dob) + k AS BIGINT), month(dob), day(dob)) END;
-- Days of the half-open interval [a, b) that fall in [lo, hi).
CREATE OR REPLACE MACRO overlap_days(a, b, lo, hi) AS
    greatest(0, date_diff('day', greatest(a, lo), least(b, hi)));
"""

# Episodes numbered per child in time order, chained into spells: a new spell starts at an
# episode whose previous episode did not end in a transfer, or whose admission_date is not the
# previous episode's release_date (gaps and islands).
_SPELLS = """
CREATE OR REPLACE TABLE episodes AS
WITH ordered AS (
    SELECT d.*,
           row_number() OVER (PARTITION BY child_id
                              ORDER BY admission_date, release_date NULLS LAST, episode_id) AS seq
    FROM detentions d
), linked AS (
    SELECT o.*,
           lag(release_date) OVER w AS previous_release,
           lag(end_reason) OVER w AS previous_end_reason
    FROM ordered o
    WINDOW w AS (PARTITION BY child_id ORDER BY seq)
)
SELECT l.*,
       sum(CASE WHEN previous_end_reason = 'transfer' AND previous_release = admission_date
                THEN 0 ELSE 1 END)
           OVER (PARTITION BY child_id ORDER BY seq ROWS UNBOUNDED PRECEDING) AS spell_no
FROM linked l;

CREATE OR REPLACE TABLE spells AS
WITH s AS (
    SELECT child_id, spell_no,
           min(admission_date) AS spell_admission,
           min(sentence_date) AS spell_sentence_date,
           max(seq) AS last_seq
    FROM episodes GROUP BY child_id, spell_no
)
SELECT s.*, e.release_date AS spell_end, e.end_reason AS spell_end_reason,
       e.received_aftercare AS spell_received_aftercare
FROM s JOIN episodes e ON e.child_id = s.child_id AND e.seq = s.last_seq;
"""


def _cells_sql(records: str, indicator: str, distinct: bool, extra: tuple[str, ...] = ()) -> str:
    """Aggregate a records relation (child_id, sex, age_group, num, den, *extra) into cells.

    One cell for the total, one per sex, age group and group of each ``extra`` dimension
    (offence, facility_type, legal_status); a record without a value for an extra dimension is
    in no group of it.
    """
    if distinct:
        num = "count(DISTINCT child_id) FILTER (WHERE num)"
        den = "count(DISTINCT child_id) FILTER (WHERE den)"
    else:
        num = "count(*) FILTER (WHERE num)"
        den = "count(*) FILTER (WHERE den)"
    dims = ("sex", "age_group", *extra)
    dimension = " ".join(f"WHEN grouping({d}) = 0 THEN '{d}'" for d in dims)
    group = " ".join(f"WHEN grouping({d}) = 0 THEN CAST({d} AS VARCHAR)" for d in dims)
    sets = ", ".join(f"({d})" for d in dims)
    return f"""
    WITH r AS ({records})
    SELECT * FROM (
        SELECT '{indicator}' AS indicator,
               CASE {dimension} ELSE 'total' END AS dimension,
               CASE {group} ELSE 'all' END AS "group",
               {num} AS numerator, {den} AS denominator, 0 AS child_days
        FROM r
        GROUP BY GROUPING SETS ((), {sets}))
    WHERE "group" IS NOT NULL
    """


def _indicator_queries(
    meta: dict[str, Any], count_unit: str, deaths_denominator: str
) -> tuple[list[str], str]:
    """The statements preparing shared tables, and the query of every cell."""
    ps = f"DATE '{meta['period_start'].isoformat()}'"
    pe = f"DATE '{meta['period_end'].isoformat()}'"
    c = f"DATE '{meta['census_date'].isoformat()}'"
    by_child = count_unit == "child"
    queries = []

    # JJ01: arrests in P; age on arrest_date, from date_of_birth, else age_years.
    queries.append(_cells_sql(f"""
        SELECT * FROM (
            SELECT a.child_id, ch.sex,
                   age_group_of(CASE WHEN ch.date_of_birth IS NOT NULL
                                     THEN age_on(ch.date_of_birth, a.arrest_date)
                                     ELSE a.age_years END) AS age_group,
                   true AS num, false AS den, a.offence_category AS offence
            FROM arrests a LEFT JOIN children ch USING (child_id)
            WHERE a.arrest_date BETWEEN {ps} AND {pe})
        WHERE age_group IS NOT NULL  -- aged 18 or over: left out
        """, "JJ01", by_child, ("offence",)))

    # Children in detention on C, once each (episodes of a child never overlap), with the
    # status on C from the spell's sentence_date, separation from the episode on C, and whether
    # a family visit falls in (C minus 3 calendar months, C].
    census = f"""
        SELECT e.child_id, ch.sex,
               age_group_of(age_on(ch.date_of_birth, {c})) AS age_group,
               (s.spell_sentence_date IS NOT NULL AND s.spell_sentence_date <= {c}) AS sentenced,
               CASE WHEN s.spell_sentence_date <= {c} THEN 'sentenced' ELSE 'pre_sentence' END
                   AS legal_status,
               f.facility_type,
               e.wholly_separated_from_adults AS separated,
               EXISTS (SELECT 1 FROM family_visits v
                       WHERE v.child_id = e.child_id
                         AND v.visit_date > CAST({c} - INTERVAL 3 MONTH AS DATE)
                         AND v.visit_date <= {c}) AS visited
        FROM episodes e
        JOIN spells s ON s.child_id = e.child_id AND s.spell_no = e.spell_no
        LEFT JOIN children ch ON ch.child_id = e.child_id
        LEFT JOIN facilities f ON f.facility_id = e.facility_id
        WHERE e.admission_date <= {c} AND (e.release_date IS NULL OR e.release_date > {c})
    """
    # Derived tables used by several indicators are materialised once.
    prepare = [f"CREATE OR REPLACE TEMP TABLE held AS "
               f"SELECT * FROM ({census}) WHERE age_group IS NOT NULL"]
    held = "SELECT * FROM held"
    cols = "child_id, sex, age_group, facility_type, legal_status"
    queries.append(_cells_sql(
        f"SELECT {cols}, true AS num, false AS den FROM ({held})",
        "JJ02", True, ("facility_type", "legal_status")))
    queries.append(_cells_sql(
        f"SELECT {cols}, NOT sentenced AS num, false AS den FROM ({held})",
        "JJ03", True, ("facility_type",)))
    queries.append(_cells_sql(
        f"SELECT {cols}, separated = false AS num, separated IS NOT NULL AS den FROM ({held})",
        "JJ07", True, ("facility_type", "legal_status")))
    queries.append(_cells_sql(
        f"SELECT {cols}, visited AS num, true AS den FROM ({held})",
        "JJ08", True, ("facility_type", "legal_status")))

    # JJ06: deaths in P (age on the date of death), and the denominator.
    deaths = f"""
        SELECT e.child_id, ch.sex,
               age_group_of(age_on(ch.date_of_birth, e.release_date)) AS age_group
        FROM episodes e LEFT JOIN children ch USING (child_id)
        WHERE e.end_reason = 'death' AND e.release_date BETWEEN {ps} AND {pe}
    """
    if deaths_denominator == "average_daily_population":
        # Detention days in P (admission day counted, release day not), each given to the age
        # group the child had that day; days at 18 or over are not counted.
        days = f"""
            WITH iv AS (
                SELECT e.child_id, ch.sex, ch.date_of_birth AS dob,
                       greatest(e.admission_date, {ps}) AS a,
                       least(coalesce(e.release_date, {pe} + 1), {pe} + 1) AS b
                FROM episodes e LEFT JOIN children ch USING (child_id)
                WHERE e.admission_date <= {pe}
                  AND (e.release_date IS NULL OR e.release_date > {ps})
            ), split AS (
                SELECT child_id, sex, 'unknown' AS age_group, date_diff('day', a, b) AS days
                FROM iv WHERE dob IS NULL AND b > a
                UNION ALL
                SELECT child_id, sex, g.age_group,
                       overlap_days(a, b, g.lo, g.hi) AS days
                FROM (SELECT child_id, sex, a, b,
                             birthday(dob, 14) AS b14, birthday(dob, 16) AS b16,
                             birthday(dob, 18) AS b18
                      FROM iv WHERE dob IS NOT NULL AND b > a) x,
                     LATERAL (VALUES ('0-13', DATE '0001-01-01', x.b14),
                                     ('14-15', x.b14, x.b16),
                                     ('16-17', x.b16, x.b18)) g(age_group, lo, hi)
            )
            SELECT child_id, sex, age_group, days FROM split WHERE days > 0
        """
        queries.append(f"""
            WITH r AS (
                SELECT child_id, sex, age_group, 1 AS deaths, 0 AS days FROM ({deaths})
                WHERE age_group IS NOT NULL
                UNION ALL
                SELECT child_id, sex, age_group, 0 AS deaths, days FROM ({days})
            )
            SELECT 'JJ06' AS indicator,
                   CASE WHEN grouping(sex) = 0 THEN 'sex'
                        WHEN grouping(age_group) = 0 THEN 'age_group' ELSE 'total' END,
                   CASE WHEN grouping(sex) = 0 THEN sex
                        WHEN grouping(age_group) = 0 THEN age_group ELSE 'all' END,
                   sum(deaths), 0, sum(days)
            FROM r GROUP BY GROUPING SETS ((), (sex), (age_group))
        """)
    elif deaths_denominator in ("census", "distinct_children"):
        if deaths_denominator == "census":
            held_den = f"SELECT child_id, sex, age_group FROM ({held})"
        else:
            # Children in detention on some day of P while under 18 or of unknown age, once in
            # every age group they were in on such a day.
            held_den = f"""
                SELECT DISTINCT e.child_id, ch.sex, g.age_group
                FROM episodes e LEFT JOIN children ch USING (child_id),
                     LATERAL (SELECT * FROM (VALUES
                        ('unknown', ch.date_of_birth IS NULL, DATE '0001-01-01', DATE '9999-12-31'),
                        ('0-13', ch.date_of_birth IS NOT NULL, DATE '0001-01-01',
                                 birthday(ch.date_of_birth, 14)),
                        ('14-15', ch.date_of_birth IS NOT NULL, birthday(ch.date_of_birth, 14),
                                  birthday(ch.date_of_birth, 16)),
                        ('16-17', ch.date_of_birth IS NOT NULL, birthday(ch.date_of_birth, 16),
                                  birthday(ch.date_of_birth, 18))) t(age_group, ok, lo, hi)
                        WHERE ok) g
                WHERE e.admission_date <= {pe}
                  AND (e.release_date IS NULL OR e.release_date > {ps})
                  AND overlap_days(greatest(e.admission_date, {ps}),
                                   least(coalesce(e.release_date, {pe} + 1), {pe} + 1),
                                   g.lo, g.hi) > 0
            """
        queries.append(f"""
            WITH r AS (
                SELECT child_id, sex, age_group, true AS num, false AS den FROM ({deaths})
                WHERE age_group IS NOT NULL
                UNION ALL
                SELECT child_id, sex, age_group, false AS num, true AS den FROM ({held_den})
            )
            SELECT 'JJ06' AS indicator,
                   CASE WHEN grouping(sex) = 0 THEN 'sex'
                        WHEN grouping(age_group) = 0 THEN 'age_group' ELSE 'total' END,
                   CASE WHEN grouping(sex) = 0 THEN sex
                        WHEN grouping(age_group) = 0 THEN age_group ELSE 'all' END,
                   count(*) FILTER (WHERE num),
                   count(DISTINCT child_id) FILTER (WHERE den), 0
            FROM r GROUP BY GROUPING SETS ((), (sex), (age_group))
        """)
    else:
        raise ValueError(f"unknown deaths_denominator {deaths_denominator!r}")

    # JJ09, JJ10: decisions in P; age on offence_date, else decision_date.
    decisions = f"""
        SELECT d.child_id, ch.sex, d.decision, d.offence_category AS offence,
               age_group_of(age_on(ch.date_of_birth, coalesce(d.offence_date, d.decision_date)))
                   AS age_group
        FROM dispositions d LEFT JOIN children ch USING (child_id)
        WHERE d.decision_date BETWEEN {ps} AND {pe}
          AND d.decision IN ('diversion', 'custodial_sentence', 'non_custodial_sentence')
    """
    prepare.append(f"CREATE OR REPLACE TEMP TABLE decisions AS "
                   f"SELECT * FROM ({decisions}) WHERE age_group IS NOT NULL")
    kept = "SELECT * FROM decisions"
    queries.append(_cells_sql(f"""
        SELECT child_id, sex, age_group, offence, decision = 'custodial_sentence' AS num,
               decision <> 'diversion' AS den FROM ({kept})""", "JJ09", by_child, ("offence",)))
    queries.append(_cells_sql(f"""
        SELECT child_id, sex, age_group, offence, decision = 'diversion' AS num, true AS den
        FROM ({kept})""", "JJ10", by_child, ("offence",)))

    # JJ11: spells ending with release in P; aftercare from the releasing episode; age at
    # spell admission.
    queries.append(_cells_sql(f"""
        SELECT * FROM (
            SELECT s.child_id, ch.sex,
                   age_group_of(age_on(ch.date_of_birth, s.spell_admission)) AS age_group,
                   s.spell_received_aftercare = true AS num,
                   s.spell_received_aftercare IS NOT NULL AS den
            FROM spells s LEFT JOIN children ch USING (child_id)
            WHERE s.spell_end_reason = 'release' AND s.spell_end BETWEEN {ps} AND {pe})
        WHERE age_group IS NOT NULL""", "JJ11", by_child))

    return prepare, "\nUNION ALL\n".join(f"SELECT * FROM ({q})" for q in queries)


def reference_cells(
    con: duckdb.DuckDBPyConnection,
    meta: dict[str, Any],
    count_unit: str | None = None,
    deaths_denominator: str | None = None,
) -> pd.DataFrame:
    """Compute the cells from tables loaded by :func:`load_dataset`.

    Returns
    -------
    DataFrame
        indicator, dimension, group, numerator (int), denominator (int, or float for JJ06 with
        the average daily population; missing where a group has no population), value
        (float, missing where the denominator is missing or 0). Rows follow the reporting rules
        of ``indicators.md``: F, M and the three known age groups always, ``U``, ``unknown``
        and the offence, facility-type and legal-status groups only when a record falls in
        them.
    """
    params = meta.get("parameters", {})
    count_unit = count_unit or params.get("count_unit", "event")
    deaths_denominator = deaths_denominator or params.get(
        "deaths_denominator", "average_daily_population"
    )
    con.execute(_MACROS)
    con.execute(_SPELLS)
    ystart = f"DATE '{meta['census_date'].isoformat()}'"
    pop = con.execute(f"""
        SELECT sex, age_group_of(age) AS age_group, sum(population) AS population
        FROM population
        WHERE year = year({ystart}) AND age BETWEEN 0 AND 17
        GROUP BY ALL
    """).fetchall()
    population = {"all": 0}
    for sex, group, n in pop:
        n = int(n)
        population["all"] += n
        population[sex] = population.get(sex, 0) + n
        population[group] = population.get(group, 0) + n
    prepare, query = _indicator_queries(meta, count_unit, deaths_denominator)
    for statement in prepare:
        con.execute(statement)
    raw = con.execute(query).fetchall()
    got = {(r[0], r[1], r[2]): (int(r[3] or 0), int(r[4] or 0), int(r[5] or 0)) for r in raw}
    days_in_p = meta["days_in_period"]
    rows = []
    for indicator in REFERENCE_INDICATORS:
        cells = [("total", "all"), ("sex", "F"), ("sex", "M"), ("sex", "U")]
        cells += [("age_group", g) for g in (*AGE_GROUPS, "unknown")]
        cells += sorted(
            ((d, g) for (i, d, g) in got if i == indicator and d in EXTRA_DIMENSIONS),
            key=lambda dg: (EXTRA_DIMENSIONS.index(dg[0]), dg[1]),
        )
        for dimension, group in cells:
            num, den, days = got.get((indicator, dimension, group), (0, 0, 0))
            # Groups other than F, M and the known age groups appear only when a record falls
            # in them; a group of an event attribute has the whole child population.
            optional = group in ("U", "unknown") or dimension in EXTRA_DIMENSIONS
            whole = dimension in EXTRA_DIMENSIONS
            if indicator == "JJ06":
                if deaths_denominator == "average_daily_population":
                    if optional and num == 0 and days == 0:
                        continue
                    denominator: float | int | None = days / days_in_p
                    days_out: int | None = days
                else:
                    if optional and num == 0 and den == 0:
                        continue
                    denominator, days_out = den, None
                value = 1000 * num / denominator if denominator else None
            elif indicator in RATE_INDICATORS:
                if optional and num == 0:
                    continue
                if whole:
                    denominator = population["all"]
                else:
                    denominator = None if optional else population.get(group, 0)
                days_out = None
                value = 100000 * num / denominator if denominator else None
            else:
                if optional and den == 0:
                    continue
                denominator, days_out = den, None
                value = 100 * num / den if den else None
            rows.append((indicator, dimension, group, num, denominator, value, days_out))
    out = pd.DataFrame(
        rows,
        columns=["indicator", "dimension", "group", "numerator", "denominator", "value",
                 "child_days"],
    )
    out["numerator"] = out["numerator"].astype("int64")
    return out


def compute_reference(
    path: str | Path,
    count_unit: str | None = None,
    deaths_denominator: str | None = None,
    threads: int | None = None,
    timings: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Load a dataset folder into an in-memory DuckDB and compute the reference cells.

    Parameters
    ----------
    path : str or Path
        Dataset folder (dataset.toml and .csv or .parquet tables).
    count_unit, deaths_denominator : str, optional
        Override dataset.toml's ``[parameters]`` (defaults: ``event``, average daily population).
    threads : int, optional
        DuckDB threads (default: DuckDB's own, one per core).
    timings : dict, optional
        Filled with ``load`` and ``compute`` wall times in seconds.
    """
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET enable_progress_bar = false")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        t0 = time.perf_counter()
        meta = load_dataset(con, path)
        t1 = time.perf_counter()
        cells = reference_cells(con, meta, count_unit, deaths_denominator)
        t2 = time.perf_counter()
    finally:
        con.close()
    if timings is not None:
        timings["load"] = t1 - t0
        timings["compute"] = t2 - t1
    return cells


def _number(x: Any) -> float | None:
    if x is None or x is pd.NA or (isinstance(x, str) and x.strip() == ""):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if v != v else v  # NaN -> None


def compare_cells(
    package: Any,
    reference: pd.DataFrame,
    *,
    dimensions: tuple[str, ...] = ("total", "sex", "age_group", *EXTRA_DIMENSIONS),
    rel_tol: float = 1e-9,
) -> list[str]:
    """Every disagreement between the package's indicators frame and the reference cells.

    Compares, for JJ01-JJ03, JJ06-JJ11 by ``dimensions`` (default: every dimension the
    reference computes): which rows are reported, the numerator (exactly) and the denominator
    (exactly; JJ06's average daily population, a quotient of whole numbers, to ``rel_tol``).

    Parameters
    ----------
    package : DataFrame or object with ``.indicators``
        The package's result table (``indicators`` contract shape).
    reference : DataFrame
        From :func:`compute_reference`.

    Returns
    -------
    list of str
        One line per disagreement; empty when both agree.
    """
    frame = getattr(package, "indicators", package)
    mine = frame[
        frame["indicator"].isin(REFERENCE_INDICATORS) & frame["dimension"].isin(dimensions)
    ]
    reference = reference[reference["dimension"].isin(dimensions)]
    problems = []
    theirs = {
        (r.indicator, r.dimension, str(r.group)): (r.numerator, r.denominator)
        for r in mine.itertuples(index=False)
    }
    ours = {
        (r.indicator, r.dimension, r.group): (r.numerator, r.denominator)
        for r in reference.itertuples(index=False)
    }
    for key in sorted(set(theirs) | set(ours)):
        label = "/".join(key)
        if key not in theirs:
            problems.append(f"{label}: reported by the reference only {ours[key]}")
            continue
        if key not in ours:
            problems.append(f"{label}: reported by the package only {theirs[key]}")
            continue
        pn, pd_ = (_number(v) for v in theirs[key])
        rn, rd = (_number(v) for v in ours[key])
        if pn != rn:
            problems.append(f"{label}: numerator package {pn} != reference {rn}")
        if (pd_ is None) != (rd is None):
            problems.append(f"{label}: denominator package {pd_} != reference {rd}")
        elif pd_ is not None and rd is not None:
            exact = key[0] != "JJ06" or rd == int(rd)
            same = pd_ == rd if exact else abs(pd_ - rd) <= rel_tol * max(abs(rd), 1e-300)
            if not same:
                problems.append(f"{label}: denominator package {pd_!r} != reference {rd!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset")
    parser.add_argument("--count-unit", choices=("event", "child"))
    parser.add_argument("--deaths-denominator",
                        choices=("average_daily_population", "census", "distinct_children"))
    args = parser.parse_args(argv)
    timings: dict[str, float] = {}
    cells = compute_reference(args.dataset, args.count_unit, args.deaths_denominator,
                              timings=timings)
    with pd.option_context("display.max_rows", None, "display.width", 120):
        print(cells.to_string(index=False))
    print(f"load {timings['load']:.3f} s, compute {timings['compute']:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
