"""The built-in watchlist: whose words Readout exists to catch.

Each leader carries the spellings the catalogue's sources use: English and Russian
(every source), Kazakh (Akorda), Ukrainian (president.gov.ua) and the leader's own
language. Inflected forms are the matcher's business, not listed here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Leader:
    id: str
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The display name and every alias, each once, in the order given."""
        return tuple(dict.fromkeys((self.name, *self.aliases)))


LEADERS: tuple[Leader, ...] = (
    Leader("putin", "Vladimir Putin", ("Putin", "Путин", "Путін")),
    Leader("tokayev", "Kassym-Jomart Tokayev", ("Tokayev", "Tokaev", "Токаев", "Тоқаев", "Токаєв")),
    Leader(
        "zelenskyy",
        "Volodymyr Zelenskyy",
        ("Zelenskyy", "Zelensky", "Zelenskiy", "Zelenskyi", "Зеленский", "Зеленський"),
    ),
    Leader("aliyev", "Ilham Aliyev", ("Aliyev", "Алиев", "Әлиев", "Əliyev", "Алієв")),
    Leader("pashinyan", "Nikol Pashinyan", ("Pashinyan", "Pashinian", "Пашинян", "Փաշինյան")),
    Leader("lukashenko", "Alexander Lukashenko", ("Lukashenko", "Лукашенко", "Лукашэнка")),
    Leader(
        "mirziyoyev", "Shavkat Mirziyoyev", ("Mirziyoyev", "Mirziyoev", "Мирзиёев", "Мірзійоєв")
    ),
    Leader("trump", "Donald Trump", ("Trump", "Трамп")),
    Leader("erdogan", "Recep Tayyip Erdoğan", ("Erdoğan", "Erdogan", "Эрдоган", "Ердоган")),
    Leader("xi", "Xi Jinping", ("Xi Jinping", "Си Цзиньпин", "Сі Цзіньпін", "习近平")),
    Leader("japarov", "Sadyr Japarov", ("Japarov", "Zhaparov", "Жапаров")),
    Leader("rahmon", "Emomali Rahmon", ("Rahmon", "Рахмон")),
    Leader(
        "berdimuhamedov",
        "Serdar Berdimuhamedov",
        ("Serdar Berdimuhamedov", "Сердар Бердымухамедов"),
    ),
    Leader("guterres", "António Guterres", ("Guterres", "Гутерриш", "Гутерреш", "Гутерріш")),
)
