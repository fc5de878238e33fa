"""The one validated configuration, built once at start-up from TOML, env and defaults.

Nothing else reads the environment or the file. Every problem becomes a ConfigError whose
message is one line naming the key (``sources[1].interval``) and what is wrong with it,
which the CLI prints before exiting 2 and before anything is written.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
)

from analysis.leaders import LEADERS, Leader
from scrapers.catalog import CATALOG
from scrapers.model import DEFAULT_USER_AGENT, Selectors, Source
from scrapers.urls import is_web_url

if TYPE_CHECKING:
    from scrapers.fetch import FetchPolicy

TOKEN_ENV = "READOUT_TELEGRAM_TOKEN"  # noqa: S105 - the variable's name, not a secret
CONFIG_ENV = "READOUT_CONFIG"
DEFAULT_CONFIG_FILE = "readout.toml"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and the problem."""


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)", re.IGNORECASE)
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
# SPEC "Limits": every duration lies between these. The ceiling is what keeps timers,
# datetime arithmetic and APScheduler clear of OverflowError ("99999999d", inf).
MIN_DURATION, MAX_DURATION = 1.0, 30 * 86400.0
# Day figures and counts stop where a value can only be a typo: ten years of retention
# is already more than any store keeps, and `now - timedelta(days)` must stay a date.
MAX_DAYS = 3650
MAX_TELEGRAM_ID = 2**52  # Telegram: user and chat ids have at most 52 significant bits


def parse_duration(value: object) -> float:
    """Seconds in ``value``: a number of seconds, or text like "90s", "5m", "1h30m"."""
    if isinstance(value, bool):
        raise ValueError("must be a duration such as 90s, 5m or 1h")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        if re.fullmatch(r"\d+(\.\d+)?", text):
            seconds = float(text)
        elif text and _DURATION.sub("", text) == "":
            seconds = sum(float(n) * _UNIT_SECONDS[u.lower()] for n, u in _DURATION.findall(text))
        else:
            raise ValueError(f"{value!r} is not a duration (use e.g. 90s, 5m, 1h or seconds)")
    else:
        raise ValueError("must be a duration such as 90s, 5m or 1h")
    if not seconds > 0:
        raise ValueError("must be a positive duration")
    return seconds


def bounded_duration(value: object) -> float:
    """A duration within SPEC's limits: a poll every 10 ms or a timer 300 years away is a
    typo, and the latter crashes the scheduler instead of being reported."""
    seconds = parse_duration(value)
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        raise ValueError("must be between 1s and 30d")
    return seconds


def _web_url(value: str) -> str:
    if not is_web_url(value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value.strip()


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"{value!r} is not an IANA timezone such as Asia/Almaty") from error
    return value


def _css(value: str) -> str:
    import soupsieve  # 0.1 s to import: paid only by a config that has selectors

    try:
        soupsieve.compile(value)
    except (soupsieve.SelectorSyntaxError, ValueError) as error:
        first_line = str(error).splitlines()[0]
        raise ValueError(f"{value!r} is not a CSS selector: {first_line}") from error
    return value


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"{value!r} is not a regular expression: {error}") from error
    return value


def _one_pattern(value: object) -> object:
    """``exclude`` may be one pattern or a list of them; a link matching any is dropped."""
    if not isinstance(value, list | tuple):
        return value
    for pattern in value:
        if not isinstance(pattern, str):
            raise ValueError(f"{pattern!r} is not a regular expression")
        _regex(pattern)
    return "|".join(f"(?:{pattern})" for pattern in value)


def _listen(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{value!r} is not host:port")
    return value


Duration = Annotated[float, BeforeValidator(bounded_duration)]
Days = Annotated[int, Field(ge=0, le=MAX_DAYS)]
WebUrl = Annotated[str, AfterValidator(_web_url)]
Css = Annotated[str, AfterValidator(_css)]
Regex = Annotated[str, AfterValidator(_regex)]
Id = Annotated[str, Field(pattern=ID_PATTERN)]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelegramSettings(_Section):
    token: SecretStr = SecretStr("")
    admins: Annotated[
        tuple[Annotated[int, Field(ge=1, le=MAX_TELEGRAM_ID)], ...], Field(max_length=100)
    ] = ()
    api_base_url: WebUrl = "https://api.telegram.org/bot"
    link_previews: bool = False
    burst_limit: int = Field(20, ge=1, le=1000)


class StoreSettings(_Section):
    path: Text = "data/readout.db"
    keep_items_days: Days = 365
    keep_deliveries_days: Days = 90
    maintenance_interval: Duration = 6 * 3600.0


class SchedulerSettings(_Section):
    interval: Duration = 300.0
    failures_before_alert: int = Field(3, ge=1, le=1000)


class HttpSettings(_Section):
    timeout: Duration = 20.0
    max_bytes: int = Field(5_000_000, ge=1024, le=1_000_000_000)
    allow_private_addresses: bool = False
    concurrency: int = Field(32, ge=1, le=256)
    per_host: int = Field(2, ge=1, le=64)
    user_agent: Text = DEFAULT_USER_AGENT

    def policy(self) -> FetchPolicy:
        from scrapers.fetch import FetchPolicy  # httpx comes with it: only where fetching

        return FetchPolicy(
            timeout=self.timeout,
            max_bytes=self.max_bytes,
            allow_private_addresses=self.allow_private_addresses,
            concurrency=self.concurrency,
            per_host=self.per_host,
            user_agent=self.user_agent,
        )


class CatalogSettings(_Section):
    enabled: bool = True


class HealthSettings(_Section):
    listen: Annotated[str, AfterValidator(_listen)] = "127.0.0.1:8080"


class LogSettings(_Section):
    format: Literal["text", "json"] = "text"
    level: Literal["debug", "info", "warning", "error"] = "warning"


class SelectorEntry(_Section):
    item: Css | None = None
    title: Css | None = None
    link: Css | None = None
    date: Css | None = None
    summary: Css | None = None
    link_pattern: Regex | None = None
    exclude: Annotated[Regex, BeforeValidator(_one_pattern)] | None = None


class SourceEntry(_Section):
    id: Id
    url: WebUrl | None = None
    name: Text | None = None
    kind: Literal["rss", "html", "telegram"] | None = None
    interval: Duration | None = None
    enabled: bool | None = None
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}$")] | None = None
    timezone: Annotated[str, AfterValidator(_timezone)] | None = None
    selectors: SelectorEntry | None = None
    verify_tls: bool | None = None
    ca_bundle: Text | None = None
    proxy: WebUrl | None = None
    user_agent: Text | None = None
    fallbacks: tuple[WebUrl, ...] | None = None
    leader: Id | None = None


class LeaderEntry(_Section):
    id: Id
    name: Text | None = None
    aliases: tuple[Text, ...] = ()


class Settings(_Section):
    telegram: TelegramSettings = TelegramSettings()
    store: StoreSettings = StoreSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    http: HttpSettings = HttpSettings()
    catalog: CatalogSettings = CatalogSettings()
    health: HealthSettings = HealthSettings()
    log: LogSettings = LogSettings()
    sources: tuple[SourceEntry, ...] = ()
    leaders: tuple[LeaderEntry, ...] = ()


@dataclass(frozen=True)
class Config:
    """Settings plus the source and leader lists they produce, merged with the built-ins."""

    settings: Settings
    sources: tuple[Source, ...]
    leaders: tuple[Leader, ...]
    origin: str

    @property
    def token(self) -> str:
        return self.settings.telegram.token.get_secret_value()

    def source(self, source_id: str) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """The configuration from ``path``, else $READOUT_CONFIG, else ./readout.toml, else defaults."""
    env = os.environ if env is None else env
    chosen = path or env.get(CONFIG_ENV) or None
    if chosen is None and Path(DEFAULT_CONFIG_FILE).is_file():
        chosen = DEFAULT_CONFIG_FILE
    raw: dict[str, Any] = {}
    origin = "embedded defaults"
    if chosen is not None:
        raw = _read_toml(Path(chosen))
        origin = str(chosen)
    return build_config(raw, env, origin)


def build_config(raw: Mapping[str, Any], env: Mapping[str, str], origin: str) -> Config:
    raw, from_env = _with_env(raw, env)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(_first_problem(error, from_env)) from None
    leaders = merge_leaders(settings.leaders)
    _check_principals(settings.sources, leaders)
    return Config(
        settings=settings,
        sources=merge_sources(settings.sources, settings.catalog.enabled),
        leaders=leaders,
        origin=origin,
    )


def _check_principals(entries: tuple[SourceEntry, ...], leaders: tuple[Leader, ...]) -> None:
    """A principal names a leader, or the items of that source would route to nobody."""
    known = {leader.id for leader in leaders}
    for index, entry in enumerate(entries):
        if entry.leader is not None and entry.leader not in known:
            raise ConfigError(
                f"sources[{index}].leader: {entry.leader!r} is not a leader id "
                "(see readout leaders)"
            )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from None


def env_name(section: str, key: str) -> str:
    """The variable that overrides ``section.key``: ``READOUT_STORE_PATH`` for store.path."""
    return f"READOUT_{section}_{key}".upper()


def _with_env(raw: Mapping[str, Any], env: Mapping[str, str]) -> tuple[dict[str, Any], set[str]]:
    """``raw`` with every non-empty ``READOUT_<SECTION>_<KEY>`` variable put over the file.

    A container is configured by environment as readily as by a mounted file, so each key
    of a table (not the ``[[sources]]``/``[[leaders]]`` lists) has a variable, and the
    variable wins. A list such as ``telegram.admins`` is given comma-separated. Returns the
    keys that came from the environment, so a bad value can be blamed on its variable.
    """
    merged = dict(raw)
    from_env: set[str] = set()
    for section, field in Settings.model_fields.items():
        model = field.annotation
        if not (isinstance(model, type) and issubclass(model, _Section)):
            continue
        for key, spec in model.model_fields.items():
            value = env.get(env_name(section, key), "").strip()
            if not value:
                continue
            table = merged.get(section)
            table = dict(table) if isinstance(table, Mapping) else {}
            is_list = getattr(spec.annotation, "__origin__", None) is tuple
            table[key] = [v.strip() for v in value.split(",") if v.strip()] if is_list else value
            merged[section] = table
            from_env.add(f"{section}.{key}")
    return merged, from_env


def _first_problem(error: ValidationError, from_env: set[str]) -> str:
    problem = error.errors()[0]
    key = _key_path(problem["loc"])
    if key.partition("[")[0] in from_env:
        section, _, name = key.partition("[")[0].partition(".")
        key = f"{key} (from {env_name(section, name)})"
    kind = problem["type"]
    if kind == "extra_forbidden":
        return f"{key}: unknown key"
    if kind == "missing":
        return f"{key}: required"
    message = str(problem["msg"]).removeprefix("Value error, ")
    bound = problem.get("ctx", {})
    if kind in ("less_than_equal", "greater_than_equal"):
        message = f"must be at most {bound['le']}" if "le" in bound else ""
        message = message or f"must be at least {bound['ge']}"
    elif kind == "too_long":
        message = f"at most {bound.get('max_length')} entries"
    if kind == "string_pattern_mismatch" and key.endswith(".id"):
        message = "must be lowercase letters, digits, '-' or '_' (at most 64)"
    value = problem.get("input")
    shown = "" if isinstance(value, dict | list) or "'" in message else f" (got {value!r})"
    return f"{key}: {message}{shown}"


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not str(part).startswith(("function-", "constrained-")):
            path += f".{part}" if path else str(part)
    return path


def merge_sources(entries: tuple[SourceEntry, ...], catalog_enabled: bool) -> tuple[Source, ...]:
    """Built-ins overridden field by field by entries with their id, then new sources."""
    builtin = {s.id: s for s in CATALOG}
    mentioned = {e.id for e in entries}
    merged: dict[str, Source] = {s.id: s for s in CATALOG if catalog_enabled or s.id in mentioned}
    for index, entry in enumerate(entries):
        where = f"sources[{index}]"
        if entry.id in merged and entry.id not in builtin:
            raise ConfigError(f"{where}.id: {entry.id!r} is given twice")
        base = merged.get(entry.id)
        if base is None:
            base = _new_source(entry, where)
        merged[entry.id] = _override(base, entry, where)
    return tuple(merged.values())


def _new_source(entry: SourceEntry, where: str) -> Source:
    if entry.url is None:
        raise ConfigError(f"{where}.url: required for a source that is not built in")
    return Source(id=entry.id, name=entry.name or entry.id, url=entry.url)


def _is_channel_preview_url(url: str) -> bool:
    """scrapers.telegram reads the preview address; it is imported only for a config that
    has such a source, since it brings BeautifulSoup, which ``readout sources`` never uses."""
    from scrapers.telegram import channel_name

    return channel_name(url) is not None


def _override(base: Source, entry: SourceEntry, where: str) -> Source:
    given = entry.model_dump(exclude_unset=True, exclude={"id", "selectors"})
    if "url" in given and "fallbacks" not in given:
        # The built-in fallbacks are other addresses of the built-in url's feed; a source
        # pointed at a mirror or a local copy must not wander off to the original site.
        given["fallbacks"] = ()
    source = replace(base, **given)
    if entry.selectors is not None:
        selectors = entry.selectors.model_dump(exclude_unset=True)
        current = base.selectors
        if current is not None:
            source = replace(source, selectors=replace(current, **selectors))
        else:
            source = replace(source, selectors=Selectors(**selectors))
    chosen = source.selectors
    if source.kind == "telegram" and not _is_channel_preview_url(source.url):
        raise ConfigError(f'{where}.url: kind = "telegram" reads https://t.me/s/<channel>')
    if source.kind == "html" and chosen is None:
        raise ConfigError(f'{where}.selectors: required for kind = "html"')
    if chosen is not None and (chosen.item is None) != (chosen.title is None):
        raise ConfigError(f"{where}.selectors: item and title go together")
    if chosen is not None and chosen.item is None and chosen.link_pattern is None:
        raise ConfigError(f"{where}.selectors: give link_pattern, or item and title")
    return source


def merge_leaders(entries: tuple[LeaderEntry, ...]) -> tuple[Leader, ...]:
    """Built-in leaders gain the aliases entries give for their id; other ids are new."""
    merged = {leader.id: leader for leader in LEADERS}
    for index, entry in enumerate(entries):
        existing = merged.get(entry.id)
        if existing is None:
            if entry.name is None:
                raise ConfigError(f"leaders[{index}].name: required for a new leader")
            merged[entry.id] = Leader(entry.id, entry.name, entry.aliases)
        else:
            merged[entry.id] = existing.extended(entry.name, entry.aliases)
    return tuple(merged.values())
