"""Statements compiled once, for the group writer's executes on the driver connection.

On SQLite the writer sends SQL text and parameter tuples straight to the driver's
``execute``/``executemany``: SQLAlchemy's per-execute bookkeeping costs more than the
insert itself on that path. ``CompiledStatements`` keeps the SQL and the parameter
order of each statement it has compiled, so that is done once per statement shape.

A *positional* statement (``GroupWriter.positional``) takes its rows as tuples in a
declared column order; ``positional_sql`` refuses, when it is registered, a column
order that is not the one the statement compiles to, so no tuple is ever bound to
the wrong column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from keel.errors import UserError


class CompiledStatements:
    """SQL text and parameter order per statement, compiled for one dialect.

    Keyed by the statement object's id: statements given to the writer live as long
    as it does (queries passed to ``read`` with parameters are kept alive here).
    """

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._shapes: dict[tuple[int, tuple[str, ...]], tuple[str, tuple[str, ...]]] = {}
        self._reads: dict[int, tuple[Executable, str, tuple[str, ...], dict[str, Any]]] = {}

    def _compile(self, stmt: Executable, keys: list[str] | None = None) -> SQLCompiler:
        clause = cast(ClauseElement, stmt)
        if keys is None:
            return cast(SQLCompiler, clause.compile(dialect=self._dialect))
        return cast(SQLCompiler, clause.compile(dialect=self._dialect, column_keys=keys))

    def shaped(self, stmt: Executable, first: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
        """``stmt``'s SQL and parameter order for rows with ``first``'s keys."""
        key = (id(stmt), tuple(first))
        known = self._shapes.get(key)
        if known is None:
            compiled = self._compile(stmt, list(first))
            known = self._shapes[key] = (str(compiled), tuple(compiled.positiontup or ()))
        return known

    def positional_sql(self, stmt: Executable, columns: tuple[str, ...]) -> str:
        """``stmt``'s SQL for tuples in ``columns`` order.

        Raises ``UserError`` unless ``columns`` are exactly the parameters the
        statement compiles to, in its order (a table's column order for an insert).
        """
        compiled = self._compile(stmt, list(columns))
        order = tuple(compiled.positiontup or compiled.params)
        if order != columns:
            raise UserError(
                f"positional statement columns {list(columns)} do not match the "
                f"statement's parameters {list(order)}: list them in that order"
            )
        return str(compiled)

    def read(self, query: Executable, params: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
        """``query``'s SQL and its parameters bound by position (``params`` by name,
        else the query's own values). Compiled once if given parameters, since such a
        query object is kept and reused."""
        known = self._reads.get(id(query)) if params is not None else None
        if known is None:
            compiled = self._compile(query)
            positions = tuple(compiled.positiontup or ())
            known = (query, str(compiled), positions, compiled.params)
            if params is not None:
                self._reads[id(query)] = known
        _, sql, positions, defaults = known
        given = params or {}
        return sql, [given[k] if k in given else defaults[k] for k in positions]
