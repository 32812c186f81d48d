"""The demo catalog: plausible titles with authors, ISBNs, Dewey call numbers and copies."""
from __future__ import annotations

import random
from dataclasses import dataclass

from stdnum import ean

from central.demo import seed_data as words

ITEM_INSTITUTION = 1234
PICTURE_BOOKS, READERS, NOVELS, NONFICTION = 380, 110, 300, 300


@dataclass
class TitleSpec:
    """One title to create and how many copies of it."""

    title: str
    author: str
    audience: str
    item_type: str
    call_number: str
    location: str
    copies: int
    dewey: str | None = None
    series: str | None = None
    isbn: str | None = None


def _author(rng: random.Random) -> str:
    return f"{rng.choice(words.AUTHOR_FIRST)} {rng.choice(words.AUTHOR_LAST)}"


def cutter(name: str) -> str:
    """The three-letter shelf mark from a surname ("Rowan" -> "ROW"), accents dropped."""
    plain = name.upper().translate(str.maketrans("ÁÉÍÓÚÑÜ", "AEIOUNU"))
    return "".join(ch for ch in plain if ch.isalpha())[:3]


def _copies(rng: random.Random, popular: bool = False) -> int:
    return rng.choices((1, 2, 3, 4), weights=(30, 45, 18, 7) if popular else (50, 38, 10, 2))[0]


def _isbn(rng: random.Random) -> str:
    body = "978" + "".join(str(rng.randrange(10)) for _ in range(9))
    return body + ean.calc_check_digit(body)


def _unique(rng: random.Random, count: int, make, seen: set[str]) -> list:
    """Call ``make`` until ``count`` specs with titles not seen before exist (bounded attempts)."""
    out = []
    for _ in range(count * 40):
        if len(out) == count:
            break
        spec = make()
        if spec.title not in seen:
            seen.add(spec.title)
            out.append(spec)
    return out


def _fill(pattern: str, rng: random.Random, adjectives=words.PB_ADJ, **extra: str) -> str:
    first_names = words.FIRST_EN + words.FIRST_ES
    animal, animal2 = rng.sample(words.ANIMALS, 2)
    article = "an" if animal[0] in "AEIOU" else "a"
    return pattern.format(adj=rng.choice(adjectives), animal=animal, animal2=animal2, a_animal=f"{article} {animal}",
                          thing=rng.choice(words.PB_THINGS), name=rng.choice(first_names),
                          noun=rng.choice(words.MG_NOUNS), place=rng.choice(words.MG_PLACES), **extra)


def build_catalog(rng: random.Random) -> list[TitleSpec]:
    """Every title of the demo library, in a deterministic order for ``rng``."""
    seen: set[str] = set()
    specs: list[TitleSpec] = []

    def picture_book():
        author = _author(rng)
        title = _fill(rng.choice(words.PB_PATTERNS), rng)
        return TitleSpec(title, author, "picture_book", "picture_book", f"E {cutter(author.split()[-1])}",
                         "Picture Books", _copies(rng))

    def reader():
        author = _author(rng)
        title = _fill(rng.choice(words.READER_PATTERNS), rng, title=rng.choice(words.READER_TITLES))
        return TitleSpec(title, author, "easy_reader", "book", f"ER {cutter(author.split()[-1])}",
                         "Easy Readers", _copies(rng))

    def novel():
        author = _author(rng)
        return TitleSpec(_fill(rng.choice(words.MG_PATTERNS), rng, words.MG_ADJ), author, "fiction", "book",
                         f"FIC {cutter(author.split()[-1])}", "Fiction", _copies(rng, popular=True))

    def nonfiction():
        topic, dewey = rng.choice(words.NF_TOPICS)
        author = _author(rng)
        title = rng.choice(words.NF_PATTERNS).format(topic=topic)
        return TitleSpec(title, author, "nonfiction", "book", f"{dewey} {cutter(author.split()[-1])}",
                         "Nonfiction", _copies(rng), dewey=dewey)

    specs += _unique(rng, PICTURE_BOOKS, picture_book, seen)
    specs += _unique(rng, READERS, reader, seen)
    for series, books in words.SERIES.items():
        author = _author(rng)
        for number, subtitle in enumerate(books, 1):
            title = f"{series} #{number}: {subtitle}"
            seen.add(title)
            specs.append(TitleSpec(title, author, "fiction", "book", f"FIC {cutter(author.split()[-1])}",
                                   "Fiction", _copies(rng, popular=True), series=series))
    specs += _unique(rng, NOVELS, novel, seen)
    specs += _unique(rng, NONFICTION, nonfiction, seen)
    for person in words.BIOGRAPHIES:
        for pattern in rng.sample(words.BIO_PATTERNS, 2):
            author = _author(rng)
            subject = person.replace(" Jr.", "").split()[-1]
            specs.append(TitleSpec(pattern.format(person=person), author, "biography", "book",
                                   f"921 {cutter(subject)}", "Biography", _copies(rng), dewey="921"))
    for title, author, dewey, mark, volumes in words.REFERENCE:
        for n in range(1, volumes + 1):
            specs.append(TitleSpec(title.format(n=n), author, "reference", "reference", f"REF {dewey} {mark}",
                                   "Reference", 1, dewey=dewey))
    for title in words.DVDS:
        specs.append(TitleSpec(title, "Various", "media", "dvd", f"DVD {cutter(title.split()[0])}", "Media",
                               1))
    for magazine, mark in words.MAGAZINES:
        for issue in ("Fall", "Winter", "Spring"):
            specs.append(TitleSpec(f"{magazine} ({issue} issue)", magazine, "media", "magazine", f"MAG {mark}",
                                   "Magazines", 2))
    for spec in specs:
        if spec.item_type in ("book", "picture_book", "reference"):
            spec.isbn = _isbn(rng)
    return specs
