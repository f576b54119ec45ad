"""The commands the newcomer docs give exist as written: every `manage.py CMD` named in a code span
or block of README.md and the docs below is a command of the project, every `--option` written
after it is one of that command's (or subcommand's) options, and every `make TARGET` is a target
of the Makefile. A renamed command or option then fails here instead of in a reader's shell."""

import argparse
import re
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parents[2]
DOCS = [
    "README.md",
    "docs/demo.md",
    "docs/translation.md",
    "docs/history-import.md",
    "docs/deployment.md",
    "docs/partners.md",
]
BLOCK = re.compile(r"```[a-z]*\n(.*?)```", re.DOTALL)
SPAN = re.compile(r"`([^`\n]+)`")
# the words after the command up to a shell operator (`NAME|PATH` inside a word is not one)
MANAGE = re.compile(r"manage\.py\s+([a-z_]+)((?:[ \t]+(?![|&;])[^\s;&`]+)*)")
MAKE = re.compile(r"(?:^|[\s`(])make ([a-z]+)\b")


def code_texts(text: str) -> list[str]:
    """The code blocks (continuation lines joined) and inline code spans of a Markdown text."""
    blocks = [block.replace("\\\n", " ") for block in BLOCK.findall(text)]
    return blocks + SPAN.findall(BLOCK.sub("", text))


def manage_calls(text: str) -> list[tuple[str, list[str]]]:
    return [(name, rest.split()) for code in code_texts(text) for name, rest in MANAGE.findall(code)]


def parser_options(parser: argparse.ArgumentParser, words: list[str]) -> set[str]:
    """The option strings of a parser, or of the subcommand named by the first word after it."""
    for action in parser._actions:  # noqa: SLF001 (argparse keeps subparsers nowhere else)
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            chosen = next((word for word in words if word in action.choices), None)
            if chosen is not None:
                return parser_options(action.choices[chosen], words[words.index(chosen) + 1 :])
    return {option for action in parser._actions for option in action.option_strings}  # noqa: SLF001


def options_written(words: list[str]) -> set[str]:
    found = set()
    for word in words:
        option = word.strip("[]").split("=", 1)[0]
        if option.startswith("--") and re.fullmatch(r"--[a-z][a-z-]*", option):
            found.add(option)
    return found


def test_the_extraction_finds_commands_options_and_targets():
    # given
    text = (
        "Run `manage.py score --as-of 2026-01-01 | tail --lines 2` or\n"
        "```sh\nmanage.py demo [--mapping NAME|PATH] \\\n    --reset [--seed N]\n```\n`make demo`"
    )

    # when
    calls = manage_calls(text)
    targets = [target for code in code_texts(text) for target in MAKE.findall(code)]

    # then
    assert ("score", ["--as-of", "2026-01-01"]) in calls
    assert {name: options_written(words) for name, words in calls}["demo"] == {"--mapping", "--reset", "--seed"}
    assert targets == ["demo"]


@pytest.mark.parametrize("doc", DOCS)
def test_every_manage_command_and_option_of_the_docs_exists(doc):
    # given
    calls = manage_calls((ROOT / doc).read_text(encoding="utf-8"))
    commands = get_commands()

    # when
    wrong = []
    for name, words in calls:
        if name not in commands:
            wrong.append(f"manage.py {name}: no such command")
            continue
        parser = load_command_class(commands[name], name).create_parser("manage.py", name)
        known = parser_options(parser, words)
        wrong += [f"manage.py {name} {option}: no such option" for option in sorted(options_written(words) - known)]

    # then
    assert calls or doc == "docs/partners.md"
    assert wrong == []


def test_every_make_target_of_the_docs_is_in_the_makefile():
    # given
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z]+):", makefile, re.MULTILINE))

    # when
    named = {
        target
        for doc in DOCS
        for code in code_texts((ROOT / doc).read_text(encoding="utf-8"))
        for target in MAKE.findall(code)
    }

    # then
    assert {"demo", "test", "worker", "beat"} <= named
    assert named - targets == set()
