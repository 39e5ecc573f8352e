"""The rules of the house that import-linter cannot see: who may write the process environment."""

from __future__ import annotations

import ast
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ingestion", "expectations", "orchestration")
ENTRY_POINT = "orchestration/cli.py"
MUTATORS = {"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__"}


def _environment_writes(path: Path) -> list[str]:
    """Every statement of ``path`` that changes ``os.environ`` (or calls ``os.putenv``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []

    def is_environ(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "environ"
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        )

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if is_environ(node.func.value) and node.func.attr in MUTATORS:
                found.append((node.lineno, f"os.environ.{node.func.attr}"))
            if (
                node.func.attr in {"putenv", "unsetenv"}
                and getattr(node.func.value, "id", "") == "os"
            ):
                found.append((node.lineno, f"os.{node.func.attr}"))
        targets = []
        if isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
        for target in targets:
            if isinstance(target, ast.Subscript) and is_environ(target.value):
                found.append((node.lineno, "os.environ[…]"))
    return [f"{path}:{line} {what}" for line, what in sorted(found)]


def test_only_the_entry_point_writes_the_process_environment(tmp_path: Path) -> None:
    # the detector sees each way of writing the environment (and not a read)
    module = tmp_path / "m.py"
    module.write_text(
        "import os\n"
        "os.environ['A'] = '1'\n"
        "os.environ.update({'B': '2'})\n"
        "os.environ.setdefault('C', '3')\n"
        "del os.environ['A']\n"
        "os.putenv('D', '4')\n"
        "x = os.environ.get('E')\n"
    )
    assert [w.split(" ", 1)[1] for w in _environment_writes(module)] == [
        "os.environ[…]",
        "os.environ.update",
        "os.environ.setdefault",
        "os.environ[…]",
        "os.putenv",
    ]
    writes = {
        path.relative_to(PROJECT_ROOT).as_posix(): _environment_writes(path)
        for package in PACKAGES
        for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
    }
    elsewhere = [w for module, ws in writes.items() if module != ENTRY_POINT for w in ws]
    assert elsewhere == [], "settings travel as Settings, not through os.environ"
    # the entry point sets exactly the two variables the libraries read themselves
    cli = (PROJECT_ROOT / ENTRY_POINT).read_text(encoding="utf-8")
    assert len(writes[ENTRY_POINT]) == 2
    assert 'setdefault("DAGSTER_HOME"' in cli and 'setdefault("GX_ANALYTICS_ENABLED"' in cli
