"""The README is the operator's manual: it documents every setting and every CLI command."""

from __future__ import annotations

from pathlib import Path

from app.cli import build_parser
from app.config import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme():
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in README]
    assert missing == []


def test_every_cli_command_is_documented_in_the_readme():
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert [name for name in commands if f"`{name}" not in README] == []


def test_the_readme_starts_with_the_two_commands():
    first_block = README.split("```")[1]
    assert "make run" in first_block and "make test" in first_block


def test_every_benchmark_has_its_figure_and_command_in_the_readme():
    scripts = sorted(Path(__file__).resolve().parent.parent.glob("benchmarks/*.py"))
    figures = README.split("## Evaluation and benchmark figures", 1)[-1].split("\n## ", 1)[0]
    helpers = {"floor_app.py", "bench_support.py"}  # the bare app the throughput benchmark measures; shared code
    missing = [s.name for s in scripts if s.name not in helpers and f"python benchmarks/{s.name}" not in figures]
    assert "## Evaluation and benchmark figures" in README and missing == []
