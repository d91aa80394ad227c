"""Record every SQL statement an engine sends, and judge whether each one is scoped to a patient.

Used by tests/test_security_scoping.py. The judge reads SQLAlchemy's own statement tree (the
`compiled.statement` of each execution) together with the values bound for that execution, so it
works the same on SQLite (`?`) and PostgreSQL (`%(name)s`). It fails closed: a statement that
names a patient's table but cannot be read (raw SQL, a subquery, an OR, an outer join, an
alias) is judged unscoped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, MetaData, event, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import operators
from sqlalchemy.sql.dml import Delete, Insert, Update
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList, ColumnClause, Grouping
from sqlalchemy.sql.selectable import Join, Select

# --- The ownership model -----------------------------------------------------------------


@dataclass(frozen=True)
class Ownership:
    """Which tables hold a patient's data, and how a statement may legitimately reach her rows."""

    owner_column: dict[str, str]  # table -> column holding her patient id ("id" on `patient`)
    parents: dict[str, tuple[str, str]]  # child table -> (foreign key, parent table)
    secrets: dict[tuple[str, str], str]  # (table, column) -> why knowing the value proves it is hers
    unowned: dict[str, str]  # table -> why it holds nothing of hers
    primary_keys: dict[str, str]  # table -> its (single-column) primary key

    @property
    def tables(self) -> set[str]:
        return set(self.owner_column) | set(self.parents)


def ownership(
    metadata: MetaData,
    *,
    parents: dict[str, tuple[str, str]],
    secrets: dict[tuple[str, str], str],
    unowned: dict[str, str],
) -> Ownership:
    """Her tables are found, not listed: `patient` and every table with a `patient_id` column."""
    owned = {name: "patient_id" for name, table in metadata.tables.items() if "patient_id" in table.c}
    owner_column = {"patient": "id", **owned}
    keys = {name: primary_key(metadata, name) for name in [*owner_column, *parents]}
    return Ownership(owner_column, parents, secrets, unowned, keys)


@dataclass
class Owner:
    """The patient statements must be scoped to, and the primary keys of her rows (a ledger)."""

    patient_id: int
    keys: dict[str, set[Any]] = field(default_factory=dict)  # table -> primary keys of her rows

    def owns(self, table: str, values: Iterable[Any]) -> bool:
        values = list(values)
        return bool(values) and all(value in self.keys.get(table, set()) for value in values)


def primary_key(metadata: MetaData, table: str) -> str:
    (column,) = metadata.tables[table].primary_key.columns
    return column.name


def owned_by(metadata: MetaData, model: Ownership, table: str, patient_id: int) -> Select:
    """Her rows of `table` (a child's through its parent), in primary-key order."""
    rows = metadata.tables[table]
    if table in model.parents:
        fk, parent = model.parents[table]
        mother = metadata.tables[parent]
        query = select(rows).join(mother, rows.c[fk] == mother.c.id).where(mother.c.patient_id == patient_id)
    else:
        query = select(rows).where(rows.c[model.owner_column[table]] == patient_id)
    return query.order_by(rows.c[model.primary_keys[table]])


def keys_of(connection: Connection, metadata: MetaData, model: Ownership, patient_id: int) -> dict[str, set[Any]]:
    """The primary keys of every row she owns, per table."""
    keys: dict[str, set[Any]] = {}
    for table in model.tables:
        rows = connection.execute(owned_by(metadata, model, table, patient_id)).mappings()
        keys[table] = {row[model.primary_keys[table]] for row in rows}
    return keys


def rows_of(connection: Connection, metadata: MetaData, model: Ownership, patient_id: int) -> dict[str, list[tuple]]:
    """Every row she owns, per table, in full (to show that none changed)."""
    return {t: [tuple(r) for r in connection.execute(owned_by(metadata, model, t, patient_id))] for t in model.tables}


# --- Recording ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Captured:
    """One statement as sent: its text, its kind, the tables it names and what it binds."""

    step: str
    text: str
    kind: str  # select, insert, update, delete, other
    tables: frozenset[str]
    where: Mapping[tuple[str, str], tuple[Any, ...]]  # (table, column) -> values bound by `=`/`IN` at top level
    joined: frozenset[frozenset[tuple[str, str]]]  # column pairs made equal by an inner JOIN (or WHERE a = b)
    rows: tuple[Mapping[str, Any], ...]  # the bound values by name, one mapping per row
    sent: tuple[Any, ...]  # the parameters exactly as handed to the driver, flattened

    def bound(self, table: str, column: str) -> tuple[Any, ...]:
        return self.where.get((table, column), ())


class Recorder:
    """`with Recorder(engine, names) as rec:` records every statement; `rec.step` labels them."""

    def __init__(self, engine: Engine, table_names: Iterable[str]) -> None:
        self.engine = engine
        self.statements: list[Captured] = []
        self.step = "-"
        self._paused = False
        self._names = re.compile(r"\b(" + "|".join(sorted(table_names)) + r")\b")

    def __enter__(self) -> Recorder:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    @contextmanager
    def paused(self) -> Iterator[None]:
        self._paused = True
        try:
            yield
        finally:
            self._paused = False

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if not self._paused:
            self.statements.append(capture(self.step, statement, parameters, context, self._names))


def capture(step: str, text: str, parameters: Any, context: Any, names: re.Pattern[str]) -> Captured:
    compiled = getattr(context, "compiled", None)
    tree = getattr(compiled, "statement", None)
    rows = tuple(getattr(context, "compiled_parameters", None) or ()) if compiled is not None else ()
    return Captured(
        step=step,
        text=text,
        kind=_kind(tree),
        tables=frozenset(names.findall(text)),  # any mention counts: stricter, never looser
        where=_where_bindings(tree, compiled, rows),
        joined=_joined_columns(tree),
        rows=rows,
        sent=tuple(_flatten(parameters)),
    )


def _kind(tree: Any) -> str:
    for kind, cls in (("select", Select), ("insert", Insert), ("update", Update), ("delete", Delete)):
        if isinstance(tree, cls):
            return kind
    return "other"


def _flatten(parameters: Any) -> Iterator[Any]:
    if isinstance(parameters, Mapping):
        yield from parameters.values()
    elif isinstance(parameters, list | tuple):
        for item in parameters:
            yield from _flatten(item) if isinstance(item, Mapping | list | tuple) else (item,)


def conjuncts(clause: Any) -> list[Any]:
    """The top-level AND terms of a WHERE clause (an OR is one term, so it binds nothing)."""
    if clause is None:
        return []
    if isinstance(clause, Grouping):
        return conjuncts(clause.element)
    if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
        return [term for inner in clause.clauses for term in conjuncts(inner)]
    return [clause]


def _where_bindings(tree: Any, compiled: Any, rows: tuple[Mapping[str, Any], ...]) -> dict[tuple[str, str], tuple]:
    """`table.column = :x` and `table.column IN (:x)` terms, with this execution's values."""
    if not isinstance(tree, Select | Update | Delete):
        return {}
    names = {bind.key: name for bind, name in compiled.bind_names.items()}
    found: dict[tuple[str, str], list[Any]] = {}
    for term in conjuncts(tree.whereclause):
        pair = _column_and_bind(term)
        if pair is not None:
            column, bind = pair
            values = found.setdefault((column.table.name, column.name), [])
            values += _values(bind, names.get(bind.key), rows)
    return {key: tuple(values) for key, values in found.items()}


def _column_and_bind(term: Any) -> tuple[ColumnClause, BindParameter] | None:
    if not isinstance(term, BinaryExpression) or term.operator not in (operators.eq, operators.in_op):
        return None
    left, right = term.left, term.right
    if isinstance(left, BindParameter):
        left, right = right, left
    if isinstance(right, Grouping):
        right = right.element
    has_table = isinstance(left, ColumnClause) and getattr(left, "table", None) is not None
    return (left, right) if has_table and isinstance(right, BindParameter) else None


def _joined_columns(tree: Any) -> frozenset[frozenset[tuple[str, str]]]:
    """`a.x = b.y` pairs from inner JOIN ... ON clauses and top-level WHERE terms."""
    if not isinstance(tree, Select | Update | Delete):
        return frozenset()
    terms = conjuncts(tree.whereclause)
    if isinstance(tree, Select):
        terms += [term for clause in tree.get_final_froms() for term in _inner_join_terms(clause)]
    return frozenset(pair for term in terms if (pair := _column_pair(term)))


def _inner_join_terms(clause: Any) -> list[Any]:
    if not isinstance(clause, Join):
        return []
    own = [] if clause.isouter or clause.full else conjuncts(clause.onclause)
    return own + _inner_join_terms(clause.left) + _inner_join_terms(clause.right)


def _column_pair(term: Any) -> frozenset[tuple[str, str]] | None:
    if not isinstance(term, BinaryExpression) or term.operator is not operators.eq:
        return None
    sides = (term.left, term.right)
    if all(isinstance(side, ColumnClause) and getattr(side, "table", None) is not None for side in sides):
        return frozenset((side.table.name, side.name) for side in sides)
    return None


def _values(bind: BindParameter, name: str | None, rows: tuple[Mapping[str, Any], ...]) -> list[Any]:
    """The values bound for this execution; an `IN` list arrives expanded as name_1, name_2, ...
    A bind without a compiled name yields nothing (its `.value` may be a cached execution's)."""
    if name is None:
        return []
    if not bind.expanding:
        return [row[name] for row in rows if name in row]
    expanded = re.compile(re.escape(name) + r"(_\d+)+")
    return [value for row in rows for key, value in row.items() if expanded.fullmatch(key)]


# --- Judging -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """How one table named by a statement is reached: a basis, or None with the reason why not."""

    table: str
    basis: str | None
    problem: str = ""


def judge(statement: Captured, model: Ownership, owner: Owner) -> list[Verdict]:
    """A verdict for each of her tables the statement names (none for other tables).

    A table is scoped when, for every row the statement binds:
    1. INSERT: her patient id goes into the owner column (a child: one of her parent rows).
    2. SELECT/UPDATE/DELETE: a top-level `=`/`IN` term binds the owner column to her id only
       (a child: its foreign key to her parent rows only, or an inner join on its foreign key
       to its parent, whose owner column is bound to her id only), or
    3. a top-level term binds the primary key to keys of her own rows only (the ORM writing
       back a row it loaded, or `session.get` of one of her ids), checked against the ledger, or
    4. a top-level term binds a secret column (a share-link token hash, a push endpoint, ...).
    An UPDATE that writes the owner column must write her id.
    """
    touched = sorted(statement.tables & model.tables)
    if statement.kind == "other":
        return [Verdict(t, None, "raw SQL the checker cannot read") for t in touched]
    if statement.kind == "insert":
        return [_judge_insert(statement, t, model, owner) for t in touched]
    return [_judge_filtered(statement, t, model, owner) for t in touched]


def _owner_values(model: Ownership, owner: Owner, table: str, values: tuple[Any, ...]) -> bool:
    if table in model.parents:
        return owner.owns(model.parents[table][1], values)
    return bool(values) and all(value == owner.patient_id for value in values)


def _joined_to_her_parent(statement: Captured, table: str, model: Ownership, owner: Owner) -> bool:
    if table not in model.parents:
        return False
    fk, parent = model.parents[table]
    joined = frozenset({(table, fk), (parent, model.primary_keys[parent])}) in statement.joined
    return joined and _owner_values(model, owner, parent, statement.bound(parent, model.owner_column[parent]))


def _owner_column(model: Ownership, table: str) -> str:
    return model.parents[table][0] if table in model.parents else model.owner_column[table]


def _judge_insert(statement: Captured, table: str, model: Ownership, owner: Owner) -> Verdict:
    column = _owner_column(model, table)
    values = tuple(row.get(column) for row in statement.rows)
    if _owner_values(model, owner, table, values):
        return Verdict(table, column)
    return Verdict(table, None, f"inserts {column}={values!r}")


def _judge_filtered(statement: Captured, table: str, model: Ownership, owner: Owner) -> Verdict:
    column = _owner_column(model, table)
    written = tuple(row[column] for row in statement.rows if column in row) if statement.kind == "update" else ()
    if written and not _owner_values(model, owner, table, written):
        return Verdict(table, None, f"moves rows to {column}={written!r}")
    if _owner_values(model, owner, table, statement.bound(table, column)):
        return Verdict(table, column)
    if _joined_to_her_parent(statement, table, model, owner):
        return Verdict(table, f"{column} joined to {model.parents[table][1]}")
    pk = model.primary_keys[table]
    if owner.owns(table, statement.bound(table, pk)):
        return Verdict(table, f"own row by {pk}")
    secret = next((c for (t, c) in model.secrets if t == table and statement.bound(t, c)), None)
    if secret is not None:
        return Verdict(table, f"secret {secret}")
    return Verdict(table, None, f"no top-level term binds her {column}; binds {dict(statement.where)!r}")
