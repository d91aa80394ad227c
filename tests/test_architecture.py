"""The layering rules from STYLE.md: domain imports nothing of ours; services never import web;
nothing imports web but web and main; only config reads the environment."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def modules(folder: str) -> list[Path]:
    return sorted((APP / folder).rglob("*.py"))


def test_domain_uses_only_the_standard_library():
    for path in modules("domain"):
        ours = {name for name in imports_of(path) if name.split(".")[0] == "app"}
        assert all(name.startswith("app.domain") for name in ours), (path.name, ours)
        third_party = {
            n for n in imports_of(path) if n.split(".")[0] in {"sqlmodel", "sqlalchemy", "fastapi", "pydantic"}
        }
        assert not third_party, (path.name, third_party)


def test_services_never_import_the_web_layer():
    for path in modules("services"):
        assert not any(name.startswith("app.web") for name in imports_of(path)), path.name


def test_only_web_and_main_import_web():
    for path in APP.rglob("*.py"):
        if path.parent.name == "web" or path.name == "main.py":
            continue
        assert not any(name.startswith("app.web") for name in imports_of(path)), path


def test_only_config_reads_the_environment():
    for path in APP.rglob("*.py"):
        if path.name == "config.py":
            continue
        source = path.read_text()
        assert "os.environ" not in source and "getenv" not in source, path
