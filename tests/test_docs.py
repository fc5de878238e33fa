"""The reference in docs/ against the code, both ways, so neither can drift from the other.

What exists is read from the code itself: the CLI from ``build_parser()`` (argparse
introspection), the chat commands from the CommandHandlers ``bot.commands.register`` puts
on a real Application, the config keys from the pydantic models in ``readout.config``.
What is documented is read from the markdown by its structure:

- docs/commands.md: a heading per CLI command (``## `readout poll` ``) whose options table
  has a row per option (first cell ``--source ID``); a heading per chat command
  (``### `/subscribe <leader or source>` ``), admin commands under "## Admin commands".
- docs/configuration.md: one table row per key, ``| `store.path` | default | env |
  accepts | meaning |``. The default, env and accepts cells are rendered here from the
  models and must match exactly, so a changed default or bound fails until the row is
  updated; the failure prints the row to paste.
- docs/sources.md: a row per built-in source under "## The built-in sources".

The config rows are written by hand and checked, not generated: their meaning column
needs words the models do not hold, a generator would have to merge those back in, and a
failing check that prints the exact row to paste is as quick to follow. Each failure
names the item and the file (and section) its line belongs in. Last, nothing a user
reads may point at the team's own notes, which a clone does not have.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import types
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
from pydantic import AfterValidator, BaseModel, Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from telegram.ext import Application, CommandHandler

from bot.admin import ADMIN_ACTIONS
from bot.chat import Readout
from bot.commands import register
from readout.cli import LATE, build_parser
from readout.config import MAX_DURATION, MIN_DURATION, Settings, env_name
from scrapers.catalog import CATALOG
from scrapers.model import Source
from store.store import Store

ROOT = Path(__file__).resolve().parent.parent
COMMANDS_MD = "docs/commands.md"
CONFIG_MD = "docs/configuration.md"
ADMIN_PART = "Admin commands"


def read(relative: str) -> str:
    return (ROOT / relative).read_text(encoding="utf-8")


# --- markdown, by its structure ------------------------------------------------------------

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def sections(text: str) -> list[tuple[int, str, str]]:
    """(level, heading, body) for every heading; a body runs to the next heading of the
    same or a higher level, so it includes its sub-sections."""
    lines = text.splitlines()
    heads = []
    fenced = False
    for number, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        match = None if fenced else HEADING.match(line)
        if match:
            heads.append((number, len(match.group(1)), match.group(2)))
    found = []
    for index, (number, level, title) in enumerate(heads):
        end = next((n for n, lv, _ in heads[index + 1 :] if lv <= level), len(lines))
        found.append((level, title, "\n".join(lines[number + 1 : end])))
    return found


def table_rows(body: str) -> Iterator[list[str]]:
    for line in body.splitlines():
        line = line.strip()
        if line.startswith("|") and not re.fullmatch(r"[|\s:-]+", line):
            yield [cell.strip() for cell in line.strip("|").split("|")]


def code_spans(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


# --- the CLI ---------------------------------------------------------------------------------

CLI_HEADING = re.compile(r"^readout(?: ([a-z][a-z0-9-]*))?(?![a-z0-9-])")


def cli_real(parser: argparse.ArgumentParser) -> dict[str, dict[str, str]]:
    """Section name (``readout``, ``readout poll``) -> its option strings and positionals,
    each with the form its row shows (``--save DIR``).

    Each subcommand's ``--help`` and its copies of the global options are documented once,
    under the global options."""

    def names(p: argparse.ArgumentParser, top: bool) -> dict[str, str]:
        found: dict[str, str] = {}
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            if not top and (action.dest.startswith(LATE) or action.dest == "help"):
                continue
            value = str(action.metavar or action.dest.upper())
            if not action.option_strings:
                found[value] = value
            for option in action.option_strings:
                found[option] = option if action.nargs == 0 else f"{option} {value}"
        return found

    real = {"readout": names(parser, top=True)}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                real[f"readout {name}"] = names(sub, top=False)
    return real


def cli_documented(text: str) -> dict[str, set[str]]:
    documented: dict[str, set[str]] = {}
    for _, title, body in sections(text):
        match = CLI_HEADING.match(title.replace("`", "").strip())
        if not match:
            continue
        name = "readout" + (f" {match.group(1)}" if match.group(1) else "")
        options = documented.setdefault(name, set())
        for row in table_rows(body):
            for span in code_spans(row[0]):
                word = span.split()[0] if span.split() else ""
                if word.startswith("-") or re.fullmatch(r"[A-Z][A-Z_]*", word):
                    options.add(word)
    return documented


def cli_problems(parser: argparse.ArgumentParser, text: str) -> list[str]:
    real, documented = cli_real(parser), cli_documented(text)
    problems = []
    for name in sorted(real.keys() - documented.keys()):
        problems.append(f"{COMMANDS_MD}: CLI command `{name}` has no section (add '## `{name}`')")
    for name in sorted(documented.keys() - real.keys()):
        problems.append(
            f"{COMMANDS_MD}: section `{name}` documents a CLI command that does not exist"
        )
    for name in sorted(real.keys() & documented.keys()):
        for option in sorted(real[name].keys() - documented[name]):
            problems.append(
                f"{COMMANDS_MD}, section `{name}`: option `{option}` has no row in its options"
                f" table (add '| `{real[name][option]}` | what it does |')"
            )
        for option in sorted(documented[name] - real[name].keys()):
            problems.append(
                f"{COMMANDS_MD}, section `{name}`: documents option `{option}`, which"
                f" `{name}` does not have"
            )
    for _, title, body in sections(text):
        match = CLI_HEADING.match(title.replace("`", "").strip())
        if match and match.group(1) and "Exit" not in body:
            problems.append(f"{COMMANDS_MD}, section `readout {match.group(1)}`: no exit codes")
    return problems


# --- chat commands -------------------------------------------------------------------------


def chat_real(application: Application) -> set[str]:  # type: ignore[type-arg]
    return {
        command
        for handlers in application.handlers.values()
        for handler in handlers
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }


def chat_documented(text: str) -> tuple[set[str], set[str]]:
    """Commands with a heading anywhere, and those with one under the admin part."""
    everywhere: set[str] = set()
    admin: set[str] = set()
    part = ""
    for level, title, _ in sections(text):
        if level <= 2:
            part = title
        names = {m for span in code_spans(title) for m in re.findall(r"^/([a-z_]+)", span)}
        everywhere |= names
        if part.startswith(ADMIN_PART):
            admin |= names
    return everywhere, admin


def chat_problems(real: set[str], admin_real: set[str], text: str) -> list[str]:
    documented, admin = chat_documented(text)
    problems = [
        f"{COMMANDS_MD}: chat command /{name} has no heading (add '### `/{name}`')"
        for name in sorted(real - documented)
    ]
    problems += [
        f"{COMMANDS_MD}: heading documents chat command /{name}, which the bot does not register"
        for name in sorted(documented - real)
    ]
    problems += [
        f"{COMMANDS_MD}: admin command /{name} has no heading under '## {ADMIN_PART}'"
        for name in sorted((admin_real & real) - admin)
    ]
    return problems


@pytest.fixture
def application(tmp_path: Path) -> Iterator[Application]:  # type: ignore[type-arg]
    """A real Application with every handler the service registers (no network: it is
    never initialised)."""
    with Store(tmp_path / "readout.db") as store:
        app = Application.builder().token("123:docs").build()
        register(app, Readout(store=store, leaders=lambda: (), sources=lambda: ()))
        yield app


# --- config keys -----------------------------------------------------------------------------

VALIDATOR_WORDS = {
    "bounded_duration": "duration, {min} to {max}",
    "_web_url": "http(s) URL",
    "_listen": "`host:port`, port 0 to 65535",
    "_timezone": "IANA time zone (`Asia/Almaty`)",
    "_css": "CSS selector",
    "_regex": "regular expression",
    "_one_pattern": "or a list of them",
}


def duration_text(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _constraints(metadata: Iterable[object]) -> list[object]:
    flat: list[object] = []
    for item in metadata:
        flat.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return flat


def _unwrap(annotation: Any, metadata: Sequence[object] = ()) -> tuple[Any, list[object]]:
    """The type under Optional and Annotated, with every constraint met on the way."""
    found = _constraints(metadata)
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            base, *extra = get_args(annotation)
            annotation, found = base, found + _constraints(extra)
        elif origin in (Union, types.UnionType):
            rest = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(rest) != 1:
                return annotation, found
            annotation = rest[0]
        else:
            return annotation, found


def _number(value: object) -> str:
    return f"{value:_}" if isinstance(value, int) and value >= 10_000 else str(value)


def accepts(key: str, annotation: Any, metadata: Sequence[object] = ()) -> str:
    """What values ``key`` takes, in words, from its type and its constraints."""
    base, found = _unwrap(annotation, metadata)
    bound = {
        name: getattr(item, name)
        for item in found
        for name in ("ge", "le", "min_length", "max_length", "pattern")
        if getattr(item, name, None) is not None
    }
    if get_origin(base) is tuple:
        words = f"list of: {accepts(key, get_args(base)[0])}"
        return words + (f"; at most {bound['max_length']}" if "max_length" in bound else "")
    phrases = []
    for item in found:
        func = getattr(item, "func", None)
        if func is None:
            continue
        if func.__name__ not in VALIDATOR_WORDS:
            raise LookupError(
                f"{key}: tests/test_docs.py has no words for its validator {func.__name__};"
                " add them to VALIDATOR_WORDS"
            )
        phrases.append(
            VALIDATOR_WORDS[func.__name__].format(
                min=duration_text(MIN_DURATION), max=duration_text(MAX_DURATION)
            )
        )
    if phrases:
        return ", ".join(phrases)
    if base is bool:
        return "`true` or `false`"
    if get_origin(base) is Literal:
        return " or ".join(f"`{json.dumps(v)}`" for v in get_args(base))
    if base is int:
        if "ge" in bound and "le" in bound:
            return f"{_number(bound['ge'])} to {_number(bound['le'])}"
        return f"whole number, at least {bound['ge']}" if "ge" in bound else "whole number"
    words = "text"
    if "pattern" in bound:
        words += f" matching `{bound['pattern']}`"
    if "max_length" in bound:
        words += f", {bound.get('min_length', 0)} to {bound['max_length']} characters"
    return words


def default_text(field: FieldInfo, annotation: Any, inherited: object = None) -> str:
    """The default as TOML would spell it; a source entry's unset key has the default of
    ``scrapers.model.Source`` (what a new source gets), given as ``inherited``."""
    value = field.default
    if value is PydanticUndefined:
        return "required"
    if value is None:
        value = inherited
    if value is None:
        return "—"
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    _, found = _unwrap(annotation, field.metadata)
    if any(getattr(getattr(c, "func", None), "__name__", "") == "bounded_duration" for c in found):
        return f'`"{duration_text(value)}"`'
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int):
        return f"`{_number(value)}`"
    if isinstance(value, tuple):
        return f"`{json.dumps(list(value))}`"
    return f"`{json.dumps(value, ensure_ascii=False)}`"


# An unset key of a [[sources]] entry takes what a new source gets.
INHERITED = {
    "sources[].": {
        f.name: f.default
        for f in dataclasses.fields(Source)
        if f.default is not dataclasses.MISSING
    }
}


def config_real(model: type[BaseModel]) -> dict[str, tuple[str, str, str]]:
    """Every key -> (default, environment variable, accepts), as its row must read."""
    rows: dict[str, tuple[str, str, str]] = {}

    def walk(model: type[BaseModel], prefix: str, section: str | None) -> None:
        for name, field in model.model_fields.items():
            key = f"{prefix}{name}"
            base, _ = _unwrap(field.annotation, field.metadata)
            if isinstance(base, type) and issubclass(base, BaseModel):
                walk(base, f"{key}.", name if not prefix else None)
                continue
            if get_origin(base) is tuple:
                item = get_args(base)[0]
                if isinstance(item, type) and issubclass(item, BaseModel):
                    walk(item, f"{key}[].", None)
                    continue
            env = f"`{env_name(section, name)}`" if section else "—"
            inherited = INHERITED.get(prefix, {}).get(name)
            rows[key] = (
                default_text(field, field.annotation, inherited),
                env,
                accepts(key, field.annotation, field.metadata),
            )

    walk(model, "", None)
    return rows


CONFIG_KEY = re.compile(r"^[a-z_]+(?:\[\])?(?:\.[a-z_]+)+$")


def config_documented(text: str) -> dict[str, list[str]]:
    documented: dict[str, list[str]] = {}
    for row in table_rows(text):
        spans = code_spans(row[0])
        if len(spans) == 1 and CONFIG_KEY.match(spans[0]) and row[0] == f"`{spans[0]}`":
            documented[spans[0]] = row
    return documented


def config_problems(model: type[BaseModel], text: str) -> list[str]:
    real, documented = config_real(model), config_documented(text)
    problems = []
    for key in sorted(real.keys() - documented.keys()):
        default, env, values = real[key]
        problems.append(
            f"{CONFIG_MD}: config key `{key}` has no row; add to its table:"
            f" | `{key}` | {default} | {env} | {values} | what it does |"
        )
    for key in sorted(documented.keys() - real.keys()):
        problems.append(
            f"{CONFIG_MD}: documents config key `{key}`, which the config does not have"
        )
    for key in sorted(real.keys() & documented.keys()):
        row = documented[key]
        expected = real[key]
        if len(row) < 5:
            problems.append(
                f"{CONFIG_MD}: row for `{key}` needs 5 cells: key, default, env, accepts, meaning"
            )
            continue
        for column, want, have in zip(
            ("default", "environment", "accepts"), expected, row[1:4], strict=True
        ):
            if want != have:
                problems.append(
                    f"{CONFIG_MD}: row for `{key}` has {column} {have!r}; the config says {want!r}"
                )
    return problems


# --- built-in sources ----------------------------------------------------------------------

SOURCES_MD = "docs/sources.md"
CATALOG_PART = "The built-in sources"


def catalog_problems(real: Iterable[str], text: str) -> list[str]:
    part = next((body for _, title, body in sections(text) if title == CATALOG_PART), "")
    documented = {
        spans[0]
        for row in table_rows(part)
        if len(spans := code_spans(row[0])) == 1 and row[0] == f"`{spans[0]}`"
    }
    wanted = set(real)
    return [
        f"{SOURCES_MD}: built-in source `{sid}` has no row under '## {CATALOG_PART}'"
        for sid in sorted(wanted - documented)
    ] + [
        f"{SOURCES_MD}: '## {CATALOG_PART}' has a row for `{sid}`, which is not built in"
        for sid in sorted(documented - wanted)
    ]


# --- the tests -------------------------------------------------------------------------------


def test_every_cli_command_and_option_has_its_line_and_no_other() -> None:
    problems = cli_problems(build_parser(), read(COMMANDS_MD))
    assert not problems, "\n".join(problems)


def test_every_chat_command_has_its_heading_and_no_other(application: Application) -> None:  # type: ignore[type-arg]
    real = chat_real(application)
    assert {"start", "subscribe", "addsource"} <= real  # the discovery itself works
    problems = chat_problems(real, set(ADMIN_ACTIONS), read(COMMANDS_MD))
    assert not problems, "\n".join(problems)


def test_every_config_key_has_its_row_and_no_other() -> None:
    real = config_real(Settings)
    assert {
        "telegram.token",
        "sources[].selectors.link_pattern",
        "leaders[].aliases",
    } <= real.keys()
    problems = config_problems(Settings, read(CONFIG_MD))
    assert not problems, "\n".join(problems)


def test_the_cli_check_fails_for_an_undocumented_option_and_a_phantom_one() -> None:
    """A probe: a parser with an option and a command the docs lack, and without the
    options the docs give ``readout poll``."""
    probe = argparse.ArgumentParser(prog="readout")
    probe.add_argument("--config")
    commands = probe.add_subparsers(dest="command")
    poll = commands.add_parser("poll")
    poll.add_argument("--frobnicate", action="store_true")
    poll.add_argument("--limit", metavar="N")
    commands.add_parser("frob")
    problems = "\n".join(cli_problems(probe, read(COMMANDS_MD)))
    assert (
        f"{COMMANDS_MD}, section `readout poll`: option `--frobnicate` has no row in its options"
        " table (add '| `--frobnicate` | what it does |')"
    ) in problems
    assert "option `--limit` has no row in its options table (add '| `--limit N` |" in problems
    assert f"{COMMANDS_MD}: CLI command `readout frob` has no section" in problems
    assert "section `readout poll`: documents option `--source`" in problems
    assert "section `readout check` documents a CLI command that does not exist" in problems


def test_the_chat_check_fails_for_an_unregistered_or_undocumented_command(
    application: Application,  # type: ignore[type-arg]
) -> None:
    application.add_handler(CommandHandler("frobnicate", lambda u, c: None))  # type: ignore[arg-type,return-value]
    real = chat_real(application)
    problems = chat_problems(real - {"recent"}, {"frobnicate", "audit"}, read(COMMANDS_MD))
    assert problems == [
        f"{COMMANDS_MD}: chat command /frobnicate has no heading (add '### `/frobnicate`')",
        f"{COMMANDS_MD}: heading documents chat command /recent, which the bot does not register",
        f"{COMMANDS_MD}: admin command /frobnicate has no heading under '## {ADMIN_PART}'",
    ]


class _ProbeSection(BaseModel):
    window: Annotated[float, Field(ge=1)] = 2.0
    limit: int = Field(5, ge=1, le=50)


class _Probe(BaseModel):
    probe: _ProbeSection = _ProbeSection()


def test_the_config_check_fails_for_a_missing_row_a_phantom_one_and_a_stale_cell() -> None:
    problems = "\n".join(config_problems(_Probe, read(CONFIG_MD)))
    assert (
        f"{CONFIG_MD}: config key `probe.limit` has no row; add to its table:"
        " | `probe.limit` | `5` | `READOUT_PROBE_LIMIT` | 1 to 50 | what it does |"
    ) in problems
    assert (
        f"{CONFIG_MD}: documents config key `store.path`, which the config does not have"
        in problems
    )
    stale = re.sub(r"(\| `telegram.burst_limit` \| )`20`", r"\1`25`", read(CONFIG_MD))
    assert stale != read(CONFIG_MD)
    assert config_problems(Settings, stale) == [
        f"{CONFIG_MD}: row for `telegram.burst_limit` has default '`25`'; the config says '`20`'"
    ]


def test_a_validator_without_words_is_reported_not_guessed() -> None:
    def _novel(value: str) -> str:
        return value

    with pytest.raises(LookupError, match=r"probe\.key: .* no words for its validator _novel"):
        accepts("probe.key", Annotated[str, AfterValidator(_novel)])


def test_every_built_in_source_has_its_row_and_no_other() -> None:
    problems = catalog_problems((s.id for s in CATALOG), read(SOURCES_MD))
    assert not problems, "\n".join(problems)


def test_the_catalogue_check_can_fail() -> None:
    problems = catalog_problems(["kremlin-en", "tass"], read(SOURCES_MD))
    assert f"{SOURCES_MD}: built-in source `tass` has no row under '## {CATALOG_PART}'" in problems
    assert (
        f"{SOURCES_MD}: '## {CATALOG_PART}' has a row for `mid-ru`, which is not built in"
        in problems
    )


# --- links between the documents -----------------------------------------------------------

LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(text: str) -> set[str]:
    """The ids GitHub gives the headings: lowercased, punctuation dropped, spaces to '-'."""
    found: set[str] = set()
    for _, title, _ in sections(text):
        slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in found:
            n += 1
            candidate = f"{slug}-{n}"
        found.add(candidate)
    return found


def dead_links(root: Path, documents: Iterable[str]) -> list[str]:
    dead = []
    for document in documents:
        path = root / document
        for target in LINK.findall(path.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            linked = (path.parent / file).resolve() if file else path
            if not linked.exists():
                dead.append(f"{document}: links {target}, but {file} does not exist")
            elif anchor and anchor not in anchors(linked.read_text(encoding="utf-8")):
                dead.append(f"{document}: links {target}, but it has no heading #{anchor}")
    return dead


def test_links_between_the_documents_lead_somewhere() -> None:
    documents = ["README.md", *(f"docs/{p.name}" for p in sorted((ROOT / "docs").glob("*.md")))]
    assert len(documents) >= 5
    dead = dead_links(ROOT, documents)
    assert not dead, "\n".join(dead)


def test_the_link_check_can_fail(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "# Top\n## `[[sources]]`\n[ok](#sources) [ok](b.md#the-end) [x](b.md#nope) [y](c.md)\n"
    )
    (tmp_path / "b.md").write_text("## The end\n")
    assert dead_links(tmp_path, ["a.md"]) == [
        "a.md: links b.md#nope, but it has no heading #nope",
        "a.md: links c.md, but c.md does not exist",
    ]


# --- nothing a user reads points at the team's own notes -------------------------------------

PRIVATE = ("../shared", "/work/shared")


def user_facing_files(root: Path) -> list[Path]:
    """The README, docs/, the example config, the Dockerfile and all code outside tests/."""
    files = [root / "README.md", root / "config.example.toml", root / "Dockerfile"]
    files += sorted((root / "docs").rglob("*.md"))
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if parts[0] not in ("tests", ".ci", "build") and not any(
            p.startswith(".") or p.endswith(".egg-info") for p in parts
        ):
            files.append(path)
    return [path for path in files if path.is_file()]


def naming_private(files: Iterable[Path], root: Path) -> list[str]:
    return [
        f"{path.relative_to(root)}:{number}: names {name}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for name in PRIVATE
        if name in line
    ]


def test_nothing_a_user_reads_names_the_teams_notes() -> None:
    files = user_facing_files(ROOT)
    assert ROOT / "docs" / "sources.md" in files and ROOT / "readout" / "cli.py" in files
    found = naming_private(files, ROOT)
    assert not found, "\n".join(found)


def test_the_private_path_check_can_fail(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "x.md").write_text("see [the spec](../shared/SPEC.md)\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.py").write_text("CORPUS = '../shared/corpus'\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("'''\nRead /work/shared/SOURCES.md'''\n")
    found = naming_private(user_facing_files(tmp_path), tmp_path)
    assert found == ["docs/x.md:1: names ../shared", "pkg/m.py:2: names /work/shared"]
