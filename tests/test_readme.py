"""The README and the product cannot drift apart: every command is documented, and CI runs
the README's test command."""

import re
from pathlib import Path

import click

from monitor.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: str = "raqib") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            paths += command_paths(command, path)
        else:
            paths.append(path)
    return paths


def test_every_command_is_in_the_readme():
    for path in command_paths(main):
        parent, _, leaf = path.rpartition(" ")
        # a subcommand may be written as "raqib sites list|check"
        documented = path in README or re.search(
            re.escape(parent) + r" [\w|\\]*\b" + re.escape(leaf) + r"\b", README)
        assert documented, f"{path} is not documented in README.md"


def test_every_command_has_help_with_an_example():
    for name, command in main.commands.items():
        commands = command.commands.values() if isinstance(command, click.Group) else [command]
        for leaf in commands:
            assert leaf.help and "Example:" in leaf.help, f"{leaf.name} has no example"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = ".venv/bin/python -m pytest -q"
    assert command in README and command in ci
