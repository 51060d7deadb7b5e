"""Topic files and the Arabic-aware topic matcher.

A topic file (``seeds/topics.toml``) holds ``[[topic]]`` tables::

    [[topic]]
    name = "العراق وكندا"
    all = ["العراق", "كندا"]      # every term must occur
    any = ["قوات", "انسحاب"]     # at least one, when given
    none = ["كرة القدم"]          # none may occur
    sites = []                    # limit to these site ids, when given

Matching (v1) is whole-token with clitics: the text's tokens are normalised
(``arabic.tokens``: diacritics, tatweel, alef/hamza forms, ta marbuta, alef maqsura) and each
token also stands for its forms with a proclitic removed (``arabic.clitic_forms``: و ف ب ل ك ال
and their combinations); a term's tokens are normalised and put in ``arabic.term_form``. So
«كندا» finds «لكندا», «وكندا» and «كندا،», and «العراق» finds «بالعراق» but not «عراقي».
A multi-word term is a phrase: its tokens must be consecutive in the text.

Every match records the term, the field (title or body) and the original words it was found
in, so a digest can highlight them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from crawler.extract.arabic import clitic_forms, normalize, normalized_words, term_form, tokens

TERM_KEYS = ("all", "any", "none")
TOPIC_KEYS = ("name", *TERM_KEYS, "sites")
FIELDS = ("title", "body")


@dataclass(frozen=True)
class Topic:
    """One tracked topic. Terms are kept as written; the matcher normalises them."""

    name: str
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()


class TopicsError(ValueError):
    """A topics file that cannot be used. ``problems`` lists every problem found, each as
    ``"FILE: KEY: what is wrong"`` (e.g. ``"topics.toml: topic[2].all: must be a list of
    strings"``); topics are numbered from 1 in the order of their ``[[topic]]`` tables."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def load_topics(path: str | Path) -> list[Topic]:
    """Read and validate a topics file. Unknown keys, wrong types, empty terms, topics with no
    term to look for and duplicate names are all reported together in one TopicsError."""
    path = Path(path)
    label = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TopicsError([f"{label}: cannot read the file: {error.strerror or error}"]) from None
    except UnicodeDecodeError:
        raise TopicsError([f"{label}: not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as error:
        raise TopicsError([f"{label}: not valid TOML: {error}"]) from None
    return parse_topics(data, label)


def parse_topics(data: dict[str, Any], label: str = "topics") -> list[Topic]:
    """Validate the parsed TOML of a topics file (``label`` names it in messages)."""
    problems: list[str] = []
    for key in data:
        if key != "topic":
            problems.append(f"{label}: {key}: unknown key (a topics file holds [[topic]] tables)")
    tables = data.get("topic", [])
    if not isinstance(tables, list):
        problems.append(f"{label}: topic: must be an array of tables, written [[topic]]")
        tables = []

    topics: list[Topic] = []
    seen_names: dict[str, int] = {}
    for number, table in enumerate(tables, start=1):
        where = f"{label}: topic[{number}]"
        if not isinstance(table, dict):
            problems.append(f"{where}: must be a table, written [[topic]]")
            continue
        for key in table:
            if key not in TOPIC_KEYS:
                problems.append(
                    f"{where}.{key}: unknown key (expected one of: {', '.join(TOPIC_KEYS)})")

        name = table.get("name")
        if name is None:
            problems.append(f"{where}.name: missing (every topic needs a name)")
        elif not isinstance(name, str) or not name.strip():
            problems.append(f"{where}.name: must be a non-empty string")
            name = None
        else:
            name = name.strip()
            key = normalized_words(name) or name
            if key in seen_names:
                problems.append(
                    f"{where}.name: duplicate name «{name}» (also topic[{seen_names[key]}])")
            else:
                seen_names[key] = number

        before = len(problems)
        lists = {key: _string_list(table.get(key, []), f"{where}.{key}", problems,
                                   terms=key in TERM_KEYS)
                 for key in (*TERM_KEYS, "sites")}
        if not lists["all"] and not lists["any"] and len(problems) == before:
            problems.append(f"{where}: no terms to look for (give `all` or `any`)")
        wanted = {compile_term(term) for term in (*lists["all"], *lists["any"])}
        for term in lists["none"]:
            if compile_term(term) in wanted:
                problems.append(
                    f"{where}.none: «{term}» is also a wanted term, so the topic could never match")

        if name is not None:
            topics.append(Topic(name=name, all=lists["all"], any=lists["any"],
                                none=lists["none"], sites=lists["sites"]))
    if problems:
        raise TopicsError(problems)
    return topics


def _string_list(value: Any, where: str, problems: list[str], *, terms: bool) -> tuple[str, ...]:
    if not isinstance(value, list):
        problems.append(f"{where}: must be a list of strings, e.g. [\"كندا\"]")
        return ()
    good: list[str] = []
    for index, item in enumerate(value, start=1):
        if not isinstance(item, str):
            problems.append(f"{where}[{index}]: must be a string, not {type(item).__name__}")
        elif not item.strip():
            problems.append(f"{where}[{index}]: empty {'term' if terms else 'site id'}")
        elif terms and not tokens(item):
            problems.append(f"{where}[{index}]: «{item}» has no words to match")
        else:
            good.append(item.strip())
    return tuple(good)


# --- matching -----------------------------------------------------------------------------


@dataclass
class MatchedTerm:
    """A topic term found in an article: the term as the topic wrote it, the field it was
    found in, and the original words of the text (e.g. «لكندا» for the term «كندا»)."""

    term: str
    field: str
    text: str

    def to_json(self) -> dict[str, str]:
        return {"term": self.term, "field": self.field, "text": self.text}


@dataclass
class TopicMatch:
    """A topic that an article matches, with every wanted term found (each distinct surface
    form once per field, in order of first appearance; title before body)."""

    topic: str
    terms: list[MatchedTerm] = field(default_factory=list)


@dataclass
class _Token:
    """One word of a text: its match forms and where it stands in the original text."""

    forms: frozenset[str]
    start: int
    end: int


class IndexedText:
    """A text split into normalised tokens that remember their place in the original, indexed
    by every clitic form so a term is found without scanning."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = surface_tokens(text)
        self.positions: dict[str, list[int]] = {}
        for position, token in enumerate(self.tokens):
            for form in token.forms:
                self.positions.setdefault(form, []).append(position)

    def find(self, term_forms: tuple[str, ...]) -> list[str]:
        """Original surface text of every occurrence of a (tokenised) term, in text order."""
        found: list[str] = []
        first, rest = term_forms[0], term_forms[1:]
        for position in self.positions.get(first, ()):
            last = position + len(rest)
            if last >= len(self.tokens):
                break
            if all(form in self.tokens[position + 1 + k].forms for k, form in enumerate(rest)):
                found.append(self.text[self.tokens[position].start:self.tokens[last].end])
        return found


@dataclass(frozen=True)
class _CompiledTopic:
    topic: Topic
    all: tuple[tuple[str, tuple[str, ...]], ...]
    any: tuple[tuple[str, tuple[str, ...]], ...]
    none: tuple[tuple[str, tuple[str, ...]], ...]


def compile_term(term: str) -> tuple[str, ...]:
    """A term as the tuple of canonical token forms the matcher looks for."""
    return tuple(term_form(token) for token in tokens(term))


class TopicMatcher:
    """Match articles against a list of topics::

        matcher = TopicMatcher(load_topics("seeds/topics.toml"))
        for match in matcher.match(title=title, body=body, site="demo"):
            print(match.topic, [t.text for t in match.terms])
    """

    def __init__(self, topics: list[Topic]):
        self.topics = list(topics)
        self._compiled = [
            _CompiledTopic(
                topic=topic,
                **{key: tuple((term, compile_term(term)) for term in getattr(topic, key)
                              if compile_term(term))
                   for key in TERM_KEYS},
            )
            for topic in self.topics
        ]

    def match(self, *, title: str, body: str, site: str | None = None) -> list[TopicMatch]:
        """Every topic the article matches, in the order the topics were given."""
        texts = {"title": IndexedText(title or ""), "body": IndexedText(body or "")}
        cache: dict[tuple[str, ...], dict[str, list[str]]] = {}

        def occurrences(forms: tuple[str, ...]) -> dict[str, list[str]]:
            if forms not in cache:
                cache[forms] = {name: text.find(forms) for name, text in texts.items()}
            return cache[forms]

        def present(forms: tuple[str, ...]) -> bool:
            return any(occurrences(forms).values())

        matches: list[TopicMatch] = []
        for compiled in self._compiled:
            topic = compiled.topic
            if topic.sites and site not in topic.sites:
                continue
            if not all(present(forms) for _, forms in compiled.all):
                continue
            if compiled.any and not any(present(forms) for _, forms in compiled.any):
                continue
            if any(present(forms) for _, forms in compiled.none):
                continue
            found: list[MatchedTerm] = []
            for term, forms in (*compiled.all, *compiled.any):
                for field_name, surfaces in occurrences(forms).items():
                    for surface in dict.fromkeys(surfaces):
                        found.append(MatchedTerm(term=term, field=field_name, text=surface))
            found.sort(key=lambda m: FIELDS.index(m.field))
            matches.append(TopicMatch(topic=topic.name, terms=found))
        return matches


def surface_tokens(text: str) -> list[_Token]:
    """The tokens ``arabic.tokens(text)`` gives, each with the span of original text it came
    from (trailing diacritics and tatweel included, so «أكّدَ» is shown whole)."""
    result: list[_Token] = []
    start: int | None = None
    word: list[str] = []
    length = len(text)
    for index, char in enumerate(text):
        folded, is_word = _fold(char)
        if is_word:
            if start is None:
                start = index
            word.append(folded)
        elif folded == "" and start is not None:
            continue  # a diacritic or tatweel inside or at the end of a word
        elif start is not None:
            result.append(_make_token("".join(word), start, index))
            start, word = None, []
    if start is not None:
        result.append(_make_token("".join(word), start, length))
    return result


def _make_token(token: str, start: int, end: int) -> _Token:
    return _Token(forms=frozenset(clitic_forms(token)), start=start, end=end)


@lru_cache(maxsize=4096)
def _fold(char: str) -> tuple[str, bool]:
    """A character's normalised form, and whether it is a word character (both decided by
    ``arabic.normalize`` / ``arabic.tokens`` so the two tokenisations agree)."""
    folded = normalize(char)
    return folded, bool(folded) and tokens(folded) == [folded]
