"""The layers, read from the imports of every .py file, so the house stays the right way up.

- The ground floor (settings, wording, db) imports nothing above it.
- A feature is any other top-level package except handlers, bot, tests and benchmarks (so a new
  one such as census/ or web/ is covered the day it is added); features never import
  ``handlers`` or ``bot``: they are plain async Python the tests call without Telegram.
- No import cycle between the project's modules, however an import is written (at the top,
  inside a function, or for type checking only): a cycle is two rooms that cannot be
  understood, tested or moved one without the other.
- Handlers call services, services call db/: a handler may name the records db/ hands out
  (``Member``, ``Issue``), never a repository function, a db module, the SQLite driver or the
  services' database handle.
- One of each: inline keyboards are made only in handlers/keyboards.py, a conversation ends only
  through ``handlers.replies.end``, and callback data is made only by ``Callbacks.data``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUND_FLOOR = frozenset({"settings", "wording", "db"})
TOP_FLOORS = frozenset({"handlers", "bot"})
NOT_FEATURES = GROUND_FLOOR | TOP_FLOORS | {"tests", "benchmarks"}


def packages() -> set[str]:
    return {p.parent.name for p in ROOT.glob("*/__init__.py")}


def features() -> set[str]:
    return packages() - NOT_FEATURES


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    found = {}
    for package in packages():
        for path in (ROOT / package).rglob("*.py"):
            if "__pycache__" not in path.parts:
                found[module_name(path)] = path
    return found


@cache
def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text("utf-8"), str(path))


def imported_names(path: Path) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of everything ``path`` imports, relative imports resolved."""
    tree = parsed(path)
    package = module_name(path).split(".") if path.is_relative_to(ROOT) else [path.stem]
    if path.name != "__init__.py":
        package = package[:-1]
    for node in sorted(ast.walk(tree), key=lambda node: getattr(node, "lineno", 0)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # ``from db import members`` imports the module db.members
                yield node.lineno, f"{base}.{alias.name}" if alias.name != "*" else base


def project_target(name: str) -> str | None:
    """The project module an import reaches (the longest known prefix), or None."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules():
            return candidate
    return None


@cache
def graph() -> dict[str, frozenset[str]]:
    edges: dict[str, frozenset[str]] = {}
    for module, path in modules().items():
        targets = {project_target(name) for _, name in imported_names(path)}
        edges[module] = frozenset(t for t in targets if t is not None and t != module)
    return edges


def violations(allowed: set[str], importers: set[str]) -> list[str]:
    """Imports from modules of ``importers`` packages into packages outside ``allowed``."""
    found = []
    for module, path in sorted(modules().items()):
        if module.split(".")[0] not in importers:
            continue
        for line, name in imported_names(path):
            target = project_target(name)
            if target is not None and target.split(".")[0] not in allowed:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    return found


def cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_reader_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The checks below are only as good as the import reader: it must not miss a lazy,
    type-only or relative import."""
    sample = ROOT / "wording" / "_layers_probe.py"
    assert not sample.exists()
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from handlers import context\n"
        "def later() -> None:\n    import bot.runtime\n"
        "from . import members\n",
        "utf-8",
    )
    try:
        names = [name for _, name in imported_names(sample)]
    finally:
        sample.unlink()
    assert names == ["typing.TYPE_CHECKING", "handlers.context", "bot.runtime", "wording.members"]
    assert cycles({"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}),
                   "d": frozenset({"a"})}) == [["a", "b", "c"]]


def test_the_ground_floor_imports_nothing_above_it() -> None:
    assert violations(allowed=set(GROUND_FLOOR), importers=set(GROUND_FLOOR)) == []


def test_features_never_import_the_telegram_layer_or_the_assembly() -> None:
    assert {"members", "feeds", "bulletins", "delivery", "issues", "meetings"} <= features()
    assert violations(allowed=packages() - TOP_FLOORS - {"tests", "benchmarks"},
                      importers=features()) == []


def test_only_the_benchmarks_import_the_tests_fakes() -> None:
    outside = packages() - {"tests", "benchmarks"}
    assert violations(allowed=outside, importers=outside) == []


def test_there_is_no_import_cycle() -> None:
    assert cycles(graph()) == []


def top_level_classes(path: Path) -> set[str]:
    return {node.name for node in parsed(path).body if isinstance(node, ast.ClassDef)}


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def database_reaches(path: Path) -> list[str]:
    """What a module imports from db/ other than its record classes, and any SQLite driver."""
    found = []
    for line, name in imported_names(path):
        target = project_target(name)
        if name.split(".")[0] in {"aiosqlite", "sqlite3"}:
            found.append(f"{shown(path)}:{line} imports {name}")
        elif target is not None and target.split(".")[0] == "db":
            record = name.removeprefix(f"{target}.")
            if record == name or record not in top_level_classes(modules()[target]):
                found.append(f"{shown(path)}:{line} imports {name}")
    return found


Finder = Callable[[ast.AST], str | None]


def call_of(names: set[str]) -> Finder:
    """Calls of ``names`` (a class: so, objects made)."""
    def call(node: ast.AST) -> str | None:
        if not isinstance(node, ast.Call):
            return None
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        return name if name in names else None

    return call


def use_of(dotted: str) -> Finder:
    def use(node: ast.AST) -> str | None:
        return dotted if isinstance(node, ast.Attribute) and ast.unparse(node) == dotted else None

    return use


def database_handle(node: ast.AST) -> str | None:
    """``services.db``: the connection itself, which a handler would pass to a query."""
    return ast.unparse(node) if isinstance(node, ast.Attribute) and node.attr == "db" else None


def found_in(path: Path, finder: Finder) -> list[str]:
    return [f"{shown(path)}:{getattr(node, 'lineno', 0)} {name}"
            for node in ast.walk(parsed(path)) if (name := finder(node)) is not None]


def found_outside(outside: set[str], finder: Finder) -> list[str]:
    """What ``finder`` finds in the project's modules (tests and benchmarks aside) other than
    the modules ``outside``."""
    return [found for module, path in sorted(modules().items())
            if module not in outside and module.split(".")[0] not in {"tests", "benchmarks"}
            for found in found_in(path, finder)]


def test_the_checks_below_see_what_they_forbid(tmp_path: Path) -> None:
    sample = tmp_path / "probe.py"
    sample.write_text(
        "import aiosqlite\n"
        "from db import themes\n"
        "from db.themes import list_active, Theme\n"
        "from telegram import InlineKeyboardMarkup\n"
        "from telegram.ext import ConversationHandler\n"
        "markup: InlineKeyboardMarkup = InlineKeyboardMarkup([])\n"
        "done = ConversationHandler.END\n"
        "rows = list_active(context.services.db)\n",
        "utf-8",
    )
    assert database_reaches(sample) == ["probe.py:1 imports aiosqlite",
                                        "probe.py:2 imports db.themes",
                                        "probe.py:3 imports db.themes.list_active"]
    assert found_in(sample, call_of({"InlineKeyboardMarkup"})) == [
        "probe.py:6 InlineKeyboardMarkup"]
    assert found_in(sample, use_of("ConversationHandler.END")) == [
        "probe.py:7 ConversationHandler.END"]
    assert found_in(sample, database_handle) == ["probe.py:8 context.services.db"]


def test_handlers_reach_the_database_only_through_services() -> None:
    handlers = [path for module, path in modules().items() if module.startswith("handlers")]
    assert [found for path in sorted(handlers) for found in database_reaches(path)] == []
    assert [found for path in sorted(handlers) for found in found_in(path, database_handle)] == []


def test_inline_keyboards_are_made_in_one_place() -> None:
    assert found_outside({"handlers.keyboards"},
                         call_of({"InlineKeyboardMarkup", "InlineKeyboardButton"})) == []


def test_a_conversation_ends_one_way() -> None:
    assert found_outside({"handlers.replies"}, use_of("ConversationHandler.END")) == []


def test_callback_data_is_made_only_by_its_family() -> None:
    """``CallbackData`` is a type mypy checks; calling it directly would step around
    :meth:`Callbacks.data` and so around the routing table's patterns."""
    assert found_outside({"delivery.messages"}, call_of({"CallbackData"})) == []
