from pathlib import Path

import pytest

from readout.config import ConfigError, build_config, load_config, parse_duration
from scrapers.catalog import CATALOG


def config(raw: dict, env: dict | None = None):  # type: ignore[no-untyped-def]
    return build_config(raw, env or {}, "test")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("5m", 300),
        ("1h", 3600),
        ("1h30m", 5400),
        ("2s", 2),
        (45, 45),
        ("120", 120),
        (0.5, 0.5),
        ("250ms", 0.25),
        ("1d", 86400),
    ],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["5x", "", "-5m", "0s", 0, -3, True, "m5", [], "5 minutes"])
def test_bad_durations_are_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_embedded_defaults() -> None:
    cfg = config({})
    assert cfg.settings.scheduler.interval == 300
    assert cfg.settings.store.path == "data/readout.db"
    assert cfg.settings.http.allow_private_addresses is False
    assert [s.id for s in cfg.sources] == [s.id for s in CATALOG]
    assert {"putin", "tokayev", "zelenskyy", "xi"} <= {leader.id for leader in cfg.leaders}
    assert cfg.token == ""


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"scheduler": {"interval": "5x"}},
            "scheduler.interval: '5x' is not a duration (use e.g. 90s, 5m, 1h or seconds)",
        ),
        ({"scheduler": {"intervl": "5m"}}, "scheduler.intervl: unknown key"),
        ({"colour": "blue"}, "colour: unknown key"),
        ({"scheduler": {"failures_before_alert": 0}}, "scheduler.failures_before_alert: "),
        ({"http": {"max_bytes": "lots"}}, "http.max_bytes: "),
        ({"http": {"timeout": "-1s"}}, "http.timeout: '-1s' is not a duration"),
        ({"http": {"timeout": 0}}, "http.timeout: must be a positive duration"),
        ({"telegram": {"api_base_url": "ftp://x"}}, "telegram.api_base_url: 'ftp://x' is not"),
        ({"telegram": {"admins": ["alice"]}}, "telegram.admins[0]: "),
        ({"health": {"listen": "nowhere"}}, "health.listen: 'nowhere' is not host:port"),
        ({"sources": [{"id": "Bad Id!", "url": "http://x.org"}]}, "sources[0].id: must be"),
        ({"sources": [{"id": "new", "url": "not a url"}]}, "sources[0].url: 'not a url' is not"),
        ({"sources": [{"id": "new"}]}, "sources[0].url: required for a source that is not built"),
        ({"sources": [{"url": "http://x.org"}]}, "sources[0].id: required"),
        ({"sources": [{"id": "kremlin-en", "interval": "soon"}]}, "sources[0].interval: 'soon'"),
        ({"sources": [{"id": "x", "url": "http://x.org", "kind": "pdf"}]}, "sources[0].kind: "),
        (
            {"sources": [{"id": "x", "url": "http://x.org", "kind": "html"}]},
            'sources[0].selectors: required for kind = "html"',
        ),
        (
            {
                "sources": [
                    {
                        "id": "x",
                        "url": "http://x.org",
                        "kind": "html",
                        "selectors": {"item": "div[", "title": "h3"},
                    }
                ]
            },
            "sources[0].selectors.item: 'div[' is not a CSS selector",
        ),
        (
            {"sources": [{"id": "x", "url": "http://x.org", "timezone": "Mars/Base"}]},
            "sources[0].timezone: 'Mars/Base' is not an IANA timezone",
        ),
        (
            {"sources": [{"id": "x", "url": "http://x.org"}, {"id": "x", "url": "http://y.org"}]},
            "sources[1].id: 'x' is given twice",
        ),
        ({"leaders": [{"id": "nobody"}]}, "leaders[0].name: required for a new leader"),
    ],
)
def test_bad_config_names_the_key(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config(raw)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_builtin_source_override_keeps_its_parser() -> None:
    cfg = config(
        {
            "sources": [
                {"id": "akorda-ru", "url": "http://mirror.example/ru/events", "interval": "2m"}
            ]
        }
    )
    akorda = cfg.source("akorda-ru")
    assert akorda is not None and akorda.url == "http://mirror.example/ru/events"
    assert akorda.interval == 120 and akorda.kind == "html"
    assert akorda.selectors is not None and akorda.selectors.item == "div.card, p.date_main_block"
    assert akorda.timezone == "Asia/Almaty"


def test_fallbacks_belong_to_the_url_they_were_given_for() -> None:
    az = "https://president.az/news.rss"
    kept = config({"sources": [{"id": "president-az", "interval": "1m"}]})
    assert kept.source("president-az").fallbacks == (az,)  # type: ignore[union-attr]
    mirror = config({"sources": [{"id": "president-az", "url": "http://mirror.example/rss"}]})
    assert mirror.source("president-az").fallbacks == ()  # type: ignore[union-attr]
    given = config(
        {
            "sources": [
                {"id": "x", "url": "https://e.org/rss", "fallbacks": ["https://feeds.e.org/x"]}
            ]
        }
    )
    assert given.source("x").fallbacks == ("https://feeds.e.org/x",)  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match=r"fallbacks"):
        config({"sources": [{"id": "x", "url": "https://e.org/rss", "fallbacks": ["ftp://e"]}]})


def test_selector_override_changes_only_the_given_selector() -> None:
    cfg = config({"sources": [{"id": "akorda-en", "selectors": {"date": "span.date"}}]})
    selectors = cfg.source("akorda-en").selectors  # type: ignore[union-attr]
    assert selectors is not None and (selectors.item, selectors.date) == (
        "div.card, p.date_main_block",
        "span.date",
    )


def test_new_html_source_from_selectors() -> None:
    cfg = config(
        {
            "sources": [
                {
                    "id": "pm-kz",
                    "url": "https://primeminister.kz/ru/news",
                    "kind": "html",
                    "timezone": "Asia/Almaty",
                    "selectors": {"item": ".main__article", "title": "h3 a"},
                }
            ]
        }
    )
    source = cfg.source("pm-kz")
    assert source is not None and source.selectors is not None
    assert source.selectors.title == "h3 a" and source.name == "pm-kz"


def test_catalog_off_keeps_only_mentioned_builtins() -> None:
    cfg = config(
        {
            "catalog": {"enabled": False},
            "sources": [{"id": "kremlin-en"}, {"id": "mine", "url": "http://x.org/f"}],
        }
    )
    assert [s.id for s in cfg.sources] == ["kremlin-en", "mine"]


def test_disabled_source_is_listed_but_marked() -> None:
    cfg = config({"sources": [{"id": "mid-ru", "enabled": False}]})
    assert cfg.source("mid-ru").enabled is False  # type: ignore[union-attr]


def test_leader_entries_extend_builtins_and_add_new() -> None:
    cfg = config(
        {
            "leaders": [
                {"id": "tokayev", "aliases": ["Тоқаев Қ.", "Tokayev"]},
                {"id": "macron", "name": "Emmanuel Macron", "aliases": ["Macron"]},
            ]
        }
    )
    leaders = {leader.id: leader for leader in cfg.leaders}
    assert leaders["tokayev"].aliases.count("Tokayev") == 1
    assert "Тоқаев Қ." in leaders["tokayev"].aliases
    assert leaders["macron"].name == "Emmanuel Macron"


def test_token_from_env_wins_and_is_never_shown() -> None:
    cfg = config({"telegram": {"token": "111:file"}}, {"READOUT_TELEGRAM_TOKEN": "222:env"})
    assert cfg.token == "222:env"
    assert "222:env" not in repr(cfg) and "111:file" not in repr(cfg)


def test_config_file_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config(env={}).origin == "embedded defaults"
    Path("readout.toml").write_text('[store]\npath = "local.db"\n')
    assert load_config(env={}).settings.store.path == "local.db"
    other = tmp_path / "other.toml"
    other.write_text('[store]\npath = "env.db"\n')
    assert load_config(env={"READOUT_CONFIG": str(other)}).settings.store.path == "env.db"
    explicit = tmp_path / "explicit.toml"
    explicit.write_text('[store]\npath = "explicit.db"\n')
    chosen = load_config(explicit, env={"READOUT_CONFIG": str(other)})
    assert chosen.settings.store.path == "explicit.db"


@pytest.mark.parametrize(
    ("content", "message"),
    [("[store\npath=1", "not valid TOML"), (None, "config file not found")],
)
def test_unreadable_config_file(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "c.toml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_config(path, env={})


def test_example_config_is_valid_and_documents_every_key() -> None:
    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    cfg = load_config(example, env={})
    text = example.read_text()
    for section in ("telegram", "store", "scheduler", "http", "catalog", "health", "log"):
        model = getattr(cfg.settings, section)
        for key in type(model).model_fields:
            assert f"{key} =" in text or f"# {key} =" in text, f"{section}.{key} undocumented"
    for key in ("kind", "selectors", "verify_tls", "ca_bundle", "proxy", "timezone", "aliases"):
        assert key in text
