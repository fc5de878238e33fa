from pathlib import Path

import pytest

from readout.config import ConfigError, build_config, load_config, parse_duration
from scrapers.catalog import CATALOG
from tests.conftest import run_cli, write_config


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
        ({"http": {"timeout": "0.5s"}}, "http.timeout: must be between 1s and 30d"),
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


# One out-of-range value per numeric key goes through the real CLI; the other values of
# each kind (inf, nan, negative, huge) are checked in-process, which is much cheaper.
OUT_OF_BOUNDS = [
    ("scheduler", "interval", '"99999999d"'),
    ("scheduler", "failures_before_alert", "1_000_000"),
    ("store", "keep_items_days", "1e12"),
    ("store", "keep_deliveries_days", "1e12"),
    ("store", "maintenance_interval", "inf"),
    ("http", "timeout", "1e400"),
    ("http", "max_bytes", "1e20"),
    ("http", "concurrency", "100000"),
    ("http", "per_host", "0"),
    ("telegram", "burst_limit", "0"),
    ("telegram", "admins", "[9_007_199_254_740_993]"),
]


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"scheduler": {"interval": float("inf")}}, "scheduler.interval"),
        ({"scheduler": {"interval": float("nan")}}, "scheduler.interval"),
        ({"scheduler": {"interval": "500ms"}}, "scheduler.interval"),
        ({"scheduler": {"interval": "9" * 400 + "s"}}, "scheduler.interval"),
        ({"scheduler": {"failures_before_alert": float("inf")}}, "scheduler.failures_before_alert"),
        ({"store": {"keep_items_days": -1}}, "store.keep_items_days"),
        ({"store": {"keep_items_days": 2.5}}, "store.keep_items_days"),
        ({"store": {"keep_deliveries_days": float("inf")}}, "store.keep_deliveries_days"),
        ({"store": {"maintenance_interval": "31d"}}, "store.maintenance_interval"),
        ({"http": {"timeout": float("-inf")}}, "http.timeout"),
        ({"http": {"max_bytes": 10}}, "http.max_bytes"),
        ({"telegram": {"burst_limit": 1001}}, "telegram.burst_limit"),
        ({"telegram": {"admins": [-5]}}, "telegram.admins[0]"),
        ({"telegram": {"admins": list(range(1, 102))}}, "telegram.admins"),
        ({"sources": [{"id": "kremlin-en", "interval": "1e9d"}]}, "sources[0].interval"),
    ],
)
def test_out_of_bounds_values_are_refused(raw: dict, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config(raw)
    assert str(caught.value).startswith(f"{key}: ")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("table", "key", "value"), OUT_OF_BOUNDS)
def test_out_of_bounds_value_is_one_line_and_exit_2(
    tmp_path: Path, table: str, key: str, value: str
) -> None:
    bad = write_config(tmp_path / "bad.toml", f"[{table}]\n{key} = {value}\n")
    run = run_cli("--config", str(bad), "sources", cwd=tmp_path)
    assert run.code == 2, run.err
    assert run.out == ""
    assert len(run.err.splitlines()) == 1, run.err
    assert f"{table}.{key}" in run.err


@pytest.mark.parametrize(
    ("value", "variable"),
    [
        ('"99999999d"', None),
        (None, ("READOUT_SCHEDULER_INTERVAL", "inf")),
        (None, ("READOUT_STORE_KEEP_ITEMS_DAYS", "1000000000000")),
    ],
)
def test_out_of_bounds_source_interval_and_env_override(
    tmp_path: Path, value: str | None, variable: tuple[str, str] | None
) -> None:
    text = '[[sources]]\nid = "kremlin-en"\n' + (f"interval = {value}\n" if value else "")
    good = write_config(tmp_path / "c.toml", text)
    env = dict([variable]) if variable else {}
    run = run_cli("--config", str(good), "sources", cwd=tmp_path, env=env)
    assert run.code == 2, run.err
    assert len(run.err.splitlines()) == 1, run.err
    if variable:
        assert f"(from {variable[0]})" in run.err
    else:
        assert "sources[0].interval: must be between 1s and 30d" in run.err


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ({"scheduler": {"interval": "30d"}}, ("scheduler", "interval", 30 * 86400.0)),
        ({"scheduler": {"interval": 1}}, ("scheduler", "interval", 1.0)),
        ({"store": {"keep_items_days": 3650}}, ("store", "keep_items_days", 3650)),
        ({"telegram": {"burst_limit": 1000}}, ("telegram", "burst_limit", 1000)),
    ],
)
def test_values_at_the_bounds_are_accepted(raw: dict, path: tuple[str, str, object]) -> None:
    table, key, expected = path
    assert getattr(getattr(config(raw).settings, table), key) == expected
