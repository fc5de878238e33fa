import pytest

from store.identity import canonical_url, item_key


@pytest.mark.parametrize(
    "variant",
    [
        "http://kremlin.ru/events/president/news/80509",
        "https://kremlin.ru/events/president/news/80509",
        "https://www.kremlin.ru/events/president/news/80509/",
        "HTTP://WWW.Kremlin.RU:80/events/president/news/80509#top",
        "https://kremlin.ru:443/events/president/news/80509?utm_source=tg&utm_medium=x",
        "https://kremlin.ru/events/president/news/80509?fbclid=abc123",
    ],
)
def test_url_variants_fold_to_one_identity(variant: str) -> None:
    assert canonical_url(variant) == "http://kremlin.ru/events/president/news/80509"


def test_meaningful_query_is_kept_and_sorted() -> None:
    assert canonical_url("https://x.org/view?id=7&lang=ru&utm_campaign=a") == (
        "http://x.org/view?id=7&lang=ru"
    )
    assert canonical_url("https://x.org/view?lang=ru&id=7") == "http://x.org/view?id=7&lang=ru"


def test_path_case_and_non_default_port_matter() -> None:
    assert canonical_url("http://x.org/A") != canonical_url("http://x.org/a")
    assert canonical_url("http://x.org:8080/a") == "http://x.org:8080/a"


def test_url_guid_is_keyed_like_the_link_so_feeds_share_items() -> None:
    by_guid = item_key("kremlin-ru", "https://kremlin.ru/events/1/", None, "T", None)
    by_link = item_key("kremlin-all", None, "http://www.kremlin.ru/events/1", "T", None)
    assert by_guid == by_link == "url:http://kremlin.ru/events/1"


def test_opaque_guid_is_scoped_to_its_source() -> None:
    assert item_key("a", "12345", "http://x.org/1", "T", None) == "guid:a:12345"
    assert item_key("b", "12345", "http://x.org/1", "T", None) != item_key(
        "a", "12345", "http://x.org/1", "T", None
    )


def test_item_without_guid_or_link_is_keyed_by_content() -> None:
    one = item_key("s", None, None, "Title", "2026-01-01T00:00:00+00:00")
    assert one.startswith("hash:s:")
    assert one == item_key("s", " ", "mailto:x@y", "Title", "2026-01-01T00:00:00+00:00")
    assert one != item_key("s", None, None, "Other", "2026-01-01T00:00:00+00:00")
