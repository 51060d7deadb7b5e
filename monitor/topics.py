"""Topic files and the Arabic-aware topic matcher.

A topic file (``seeds/topics.toml``) holds ``[[topic]]`` tables::

    [[topic]]
    name = "العراق وكندا"
    all = ["العراق", "كندا"]      # every term must occur
    any = ["قوات", "انسحاب"]     # at least one, when given
    none = ["كرة القدم"]          # none may occur
    sites = []                    # limit to these site ids, when given

Matching is whole-word with clitics: the text's tokens are normalised (``arabic.tokens``:
diacritics, tatweel, alef/hamza forms, ta marbuta, alef maqsura, Arabic-Indic digits) and each
token also stands for its forms with a proclitic removed (``arabic.clitic_forms``: و ف ب ل ك ال
and their combinations); a term's tokens are normalised and put in ``arabic.term_form``. So
«كندا» finds «لكندا», «وكندا» and «كندا،», and «العراق» finds «بالعراق» but not «عراقي».

A single-word term is lightly stemmed: it also finds its own inflections
(``arabic.inflected_forms``: sound plurals, duals, the feminine), so «مدرب» finds «المدربين» and
«مدربات», and «شركة» finds «الشركات» — but never a derivation («العراق» does not find
«العراقيين», «كندا» does not find «الكندي»). A multi-word term is an exact phrase: its words,
each with clitics allowed but not inflected, must be consecutive in the text.

Every match records the term, the field (title or body) and the original words it was found
in, so a digest can highlight them. ``backtest_topics`` runs topics over the stored articles
(``raqib topics test``) so a topic can be tried before it is relied on.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from crawler.extract.arabic import (
    CLITIC_PREFIXES, clitic_forms, inflected_forms, normalize, normalized_words, term_form,
    tokens,
)

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


def compile_term(term: str) -> tuple[str, ...]:
    """A term as the tuple of canonical token forms the matcher looks for."""
    return tuple(term_form(token) for token in tokens(term))


@dataclass(frozen=True)
class _Term:
    """A distinct term of the topic list, shared by every topic that uses it: for each of its
    tokens, the set of forms a text token (one of its clitic forms) may take."""

    forms: tuple[frozenset[str], ...]

    @classmethod
    def compile(cls, term: str) -> _Term:
        canonical = compile_term(term)
        if len(canonical) == 1:  # a single word: its light inflections too
            return cls((frozenset(inflected_forms(canonical[0])),))
        return cls(tuple(frozenset((form,)) for form in canonical))  # a phrase: exact words


class _Hits(NamedTuple):
    """A word of text as the matcher sees it: its normalised token, the single-word terms it
    is, the phrases it may start and the phrases it may continue (term ids)."""

    token: str
    words: tuple[int, ...]
    phrases: tuple[int, ...]
    later: tuple[int, ...]


_NO_HITS = _Hits("", (), (), ())


@dataclass(frozen=True)
class _CompiledTopic:
    topic: Topic
    wanted: tuple[tuple[str, int], ...]  # (term as written, term id): the all terms, then any
    all: frozenset[int]                   # term ids
    any: frozenset[int]
    none: frozenset[int]


class _Field:
    """One field of an article as the words the matcher looks up (``keys``, ``distinct``):
    its original words, when each of them normalises to one token (the fast way: a word is
    normalised once and remembered across articles), else the tokens of ``arabic.tokens`` with
    their original spans. Where each word stands, and the original text of a phrase, are worked
    out only when needed."""

    def __init__(self, name: str, text: str):
        self.name = name
        self.text = text
        self.original = unicodedata.is_normalized("NFKC", text)
        self.keys: list[str] = _SURFACE_WORD.findall(text) if self.original else tokens(text)
        self.distinct = set(self.keys)
        self._spans: list[tuple[int, int]] | None = None
        self._positions: dict[str, list[int]] = {}

    def use_tokens(self) -> None:
        """Give up the fast way: look up the exact tokens of ``arabic.tokens`` instead."""
        self.original = False
        self.keys = tokens(self.text)
        self.distinct = set(self.keys)
        self._spans = None
        self._positions = {}

    def positions(self, key: str) -> list[int]:
        """Every position of a key, in text order (found by C-speed scans: a key is rare)."""
        if key not in self._positions:
            found: list[int] = []
            keys, position = self.keys, -1
            for _ in range(keys.count(key)):
                position = keys.index(key, position + 1)
                found.append(position)
            self._positions[key] = found
        return self._positions[key]

    def surface(self, first: int, last: int) -> str:
        """The original text of words ``first`` .. ``last`` (inclusive)."""
        if first == last and self.original:
            return self.keys[first]
        if self._spans is None:
            self._spans = ([match.span() for match in _SURFACE_WORD.finditer(self.text)]
                           if self.original else
                           [(token.start, token.end) for token in surface_tokens(self.text)])
        if len(self._spans) != len(self.keys):  # a character no span can show (e.g. «İ»)
            return " ".join(self.keys[first:last + 1])
        return self.text[self._spans[first][0]:self._spans[last][1]]


class TopicMatcher:
    """Match articles against a list of topics::

        matcher = TopicMatcher(load_topics("seeds/topics.toml"))
        for match in matcher.match(title=title, body=body, site="demo"):
            print(match.topic, [t.text for t in match.terms])

    The cost of one article does not grow with the number of topics: every distinct term is
    indexed by the forms its first word may take, each distinct word of the text is looked up
    once (and remembered across articles), and only topics with a term found are evaluated.
    """

    _CACHE_LIMIT = 400_000  # words remembered (~60 MB at most); then forgotten and relearnt

    def __init__(self, topics: list[Topic]):
        self.topics = list(topics)
        self._terms: list[_Term] = []
        term_ids: dict[_Term, int] = {}

        def term_id(term: str) -> int | None:
            compiled = _Term.compile(term)
            if not compiled.forms:
                return None
            if compiled not in term_ids:
                term_ids[compiled] = len(self._terms)
                self._terms.append(compiled)
            return term_ids[compiled]

        self._compiled: list[_CompiledTopic] = []
        self._topics_by_term: dict[int, list[int]] = {}
        for index, topic in enumerate(self.topics):
            ids = {key: [(term, tid) for term in getattr(topic, key)
                         if (tid := term_id(term)) is not None] for key in TERM_KEYS}
            self._compiled.append(_CompiledTopic(
                topic=topic, wanted=(*ids["all"], *ids["any"]),
                **{key: frozenset(tid for _, tid in ids[key]) for key in TERM_KEYS}))
            for _, tid in (*ids["all"], *ids["any"]):
                self._topics_by_term.setdefault(tid, []).append(index)

        self._rests = [term.forms[1:] for term in self._terms]  # a phrase's words after the first
        self._first_word: dict[str, list[int]] = {}  # a form -> terms whose first word takes it
        self._later_word: dict[str, list[int]] = {}  # a form -> phrases with a later word of it
        for tid, term in enumerate(self._terms):
            for form in term.forms[0]:
                self._first_word.setdefault(form, []).append(tid)
            for forms in term.forms[1:]:
                for form in forms:
                    self._later_word.setdefault(form, []).append(tid)
        # Remembered across articles: a word of text -> its token, the terms it is or may start
        # and the phrases it may continue; and the words that start or continue any.
        self._word_hits: dict[str, _Hits] = {}
        self._starting_words: set[str] = set()
        self._continuing_words: set[str] = set()
        self._split_words: set[str] = set()  # original words that are not one token

    def match(self, *, title: str, body: str, site: str | None = None) -> list[TopicMatch]:
        """Every topic the article matches, in the order the topics were given."""
        fields = (_Field("title", title or ""), _Field("body", body or ""))
        found = _Found()
        for field_ in fields:
            self._find_terms(field_, found)
        present = found.present
        if not present:
            return []

        by_term = self._topics_by_term
        candidates = sorted({index for tid in present for index in by_term.get(tid, ())})
        matches: list[TopicMatch] = []
        for index in candidates:
            compiled = self._compiled[index]
            topic = compiled.topic
            if ((topic.sites and site not in topic.sites)
                    or not compiled.all <= present
                    or (compiled.any and compiled.any.isdisjoint(present))
                    or not compiled.none.isdisjoint(present)):
                continue
            matches.append(TopicMatch(topic=topic.name,
                                      terms=self._matched_terms(compiled, found, fields)))
        return matches

    def _find_terms(self, field_: _Field, found: _Found) -> None:
        """Record every term that occurs in one field."""
        hits = self._word_hits
        if len(hits) > self._CACHE_LIMIT:
            hits.clear()
            for remembered in (self._starting_words, self._continuing_words, self._split_words):
                remembered.clear()
        for key in field_.distinct.difference(hits):
            hits[key] = self._hits_for(key)
        if field_.original and not field_.distinct.isdisjoint(self._split_words):
            field_.use_tokens()
            for key in field_.distinct.difference(hits):
                hits[key] = self._hits_for(key)
        distinct = field_.distinct
        continued: set[int] | None = None  # phrases with a later word in the field
        present, single, name = found.present, found.words, field_.name
        for key in distinct.intersection(self._starting_words):
            found_as = hits[key]
            if found_as.words:
                present.update(found_as.words)
                for tid in found_as.words:
                    single.setdefault((tid, name), []).append(key)
            if found_as.phrases:
                if continued is None:
                    continued = {later for word in distinct.intersection(self._continuing_words)
                                 for later in hits[word].later}
                for tid in found_as.phrases:
                    if tid in continued:
                        self._find_phrase(tid, key, field_, found)

    def _find_phrase(self, tid: int, key: str, field_: _Field, found: _Found) -> None:
        keys, hits, rest = field_.keys, self._word_hits, self._rests[tid]
        for position in field_.positions(key):
            last = position + len(rest)
            if last < len(keys) and all(_clitic_forms(hits[keys[position + 1 + k]].token) & forms
                                        for k, forms in enumerate(rest)):
                found.present.add(tid)
                found.phrases.setdefault((tid, field_.name), []).append((position, last))

    def _hits_for(self, key: str) -> _Hits:
        """What a field key (an original word, or a token) is to the topics' terms."""
        found = tokens(key)
        if len(found) != 1:
            self._split_words.add(key)
            return _NO_HITS
        token = found[0]
        forms = _clitic_forms_quickly(token)
        first_word, later_word = self._first_word, self._later_word
        first = {tid for form in forms for tid in first_word.get(form, ())}
        later = tuple({tid for form in forms for tid in later_word.get(form, ())})
        if not first and not later:
            return _NO_HITS
        rests = self._rests
        words = tuple(tid for tid in first if not rests[tid])
        phrases = tuple(tid for tid in first if rests[tid])
        if first:
            self._starting_words.add(key)
        if later:
            self._continuing_words.add(key)
        return _Hits(token, words, phrases, later)

    @staticmethod
    def _matched_terms(compiled: _CompiledTopic, found: _Found,
                       fields: tuple[_Field, ...]) -> list[MatchedTerm]:
        terms: list[MatchedTerm] = []
        for field_ in fields:
            for term, tid in compiled.wanted:
                terms.extend(MatchedTerm(term=term, field=field_.name, text=surface)
                             for surface in found.surfaces(tid, field_))
        return terms


@dataclass
class _Found:
    """The terms found in one article: their ids (``present``) and, per (term id, field), the
    normalised words a single-word term was found as, or each phrase occurrence's token span."""

    present: set[int] = field(default_factory=set)
    words: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    phrases: dict[tuple[int, str], list[tuple[int, int]]] = field(default_factory=dict)

    def surfaces(self, tid: int, field_: _Field) -> list[str]:
        """The original text of each occurrence of a term in a field, each distinct one once, in
        order of first appearance."""
        key = (tid, field_.name)
        if key in self.phrases:
            places = sorted(self.phrases[key])
        elif field_.original:  # the keys are the original words: only their order is wanted
            return sorted(set(self.words.get(key, ())), key=field_.keys.index)
        else:
            places = sorted((position, position) for word in self.words.get(key, ())
                            for position in field_.positions(word))
        return list(dict.fromkeys(field_.surface(first, last) for first, last in places))


_PREFIXES_BY_INITIAL: dict[str, tuple[str, ...]] = {}
for _prefix in CLITIC_PREFIXES:
    _PREFIXES_BY_INITIAL[_prefix[0]] = (*_PREFIXES_BY_INITIAL.get(_prefix[0], ()), _prefix)


def _clitic_forms_quickly(token: str) -> set[str] | tuple[str]:
    """``arabic.clitic_forms(token)``, trying only the proclitics that start with its first
    letter (most words start with none of و ف ب ل ك ا)."""
    prefixes = _PREFIXES_BY_INITIAL.get(token[:1])
    if prefixes is None:
        return (token,)
    return {token, *(token[len(prefix):] for prefix in prefixes
                     if token.startswith(prefix) and len(token) - len(prefix) >= 2)}


@lru_cache(maxsize=65536)
def _clitic_forms(word: str) -> frozenset[str]:
    return frozenset(clitic_forms(word))


# Word characters and the marks that may sit inside a word (diacritics, tatweel), as
# ``arabic.normalize``/``arabic.tokens`` see them: in text that NFKC leaves alone, each match of
# ``_SURFACE_WORD`` is one original word, whose normalised form is (almost always) one token.
_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u08d3-\u08ff\u0640"
_LETTERS = ("0-9A-Za-z\u00c0-\u024f\u0621-\u063f\u0641-\u064a\u0660-\u0669\u066e\u066f"
            "\u0671-\u06d3\u06f0-\u06f9")
_SURFACE_WORD = re.compile(f"[{_LETTERS}][{_LETTERS}{_MARKS}]*")

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


# --- backtesting ----------------------------------------------------------------------------


@dataclass
class Backtest:
    """What one topic matches among the stored articles: matches per day over the last days
    (``per_day``: ``(YYYY-MM-DD, count)`` for every day, oldest first) and a few of the
    matching stories, newest first (``samples``: dicts of date, url, site, title, terms)."""

    topic: str
    per_day: list[tuple[str, int]]
    samples: list[dict[str, Any]]

    @property
    def total(self) -> int:
        return sum(count for _, count in self.per_day)

    def to_json(self) -> dict[str, Any]:
        return {"topic": self.topic, "total": self.total,
                "per_day": [{"date": day, "matches": count} for day, count in self.per_day],
                "samples": self.samples}


def backtest_topics(db: Any, topics: list[Topic], *, days: int = 14, now: datetime | None = None,
                    samples: int = 5) -> list[Backtest]:
    """Match ``topics`` against the stored articles (their latest version) dated within the last
    ``days`` days up to ``now`` (UTC; default: now). An article's date is its published date,
    else when it was first seen, as the day written there."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    today = (now or datetime.now(timezone.utc)).date()
    dates = [(today - timedelta(days=back)).isoformat() for back in range(days - 1, -1, -1)]
    counts = {topic.name: dict.fromkeys(dates, 0) for topic in topics}
    found: dict[str, list[dict[str, Any]]] = {topic.name: [] for topic in topics}
    matcher = TopicMatcher(topics)
    rows = db.execute(
        "SELECT url, site, title, body, substr(COALESCE(published, first_seen), 1, 10) AS day"
        " FROM articles WHERE day BETWEEN ? AND ? ORDER BY day DESC, url", [dates[0], dates[-1]]
    ).fetchall()
    for url, site, title, body, day in rows:
        for match in matcher.match(title=title, body=body, site=site):
            counts[match.topic][day] += 1
            if len(found[match.topic]) < samples:
                found[match.topic].append({
                    "date": day, "url": url, "site": site, "title": title,
                    "terms": [term.to_json() for term in match.terms]})
    return [Backtest(topic=topic.name, per_day=list(counts[topic.name].items()),
                     samples=found[topic.name]) for topic in topics]


def render_backtests(results: list[Backtest], fmt: str = "text") -> str:
    """``text``: per topic, its matches per day (with a bar) and sample titles with the words
    that matched; ``json``: a list of ``Backtest.to_json`` objects."""
    if fmt == "json":
        return json.dumps([result.to_json() for result in results], ensure_ascii=False, indent=2)
    if fmt != "text":
        raise ValueError(f"unknown format: {fmt!r} (expected text or json)")
    from monitor.history import RLM, isolate

    lines: list[str] = []
    for result in results:
        first, last = result.per_day[0][0], result.per_day[-1][0]
        lines.append(f"{isolate(result.topic)}: {result.total} "
                     f"match{'es' if result.total != 1 else ''} from {first} to {last}")
        for day, count in result.per_day:
            lines.append(f"  {day}  {count:>3}  {'█' * min(count, 50)}".rstrip())
        for sample in result.samples:
            surfaces: dict[str, dict[str, None]] = {}
            for term in sample["terms"]:
                surfaces.setdefault(term["term"], {})[term["text"]] = None
            terms = "؛ ".join(f"{term} ({'، '.join(texts)})" for term, texts in surfaces.items())
            lines.append(f"  · {sample['date']}  {sample['url']}")
            lines.append(f"    {RLM}{sample['title']}")
            lines.append(f"    terms: {isolate(terms)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def select_topics(topics: list[Topic], name: str | None) -> list[Topic]:
    """Every topic when ``name`` is None, else the one so named (compared as normalised words,
    so diacritics and hamza forms do not matter); LookupError naming the known topics if none."""
    if name is None:
        return list(topics)
    wanted = normalized_words(name)
    chosen = [topic for topic in topics if normalized_words(topic.name) == wanted]
    if not chosen:
        known = "، ".join(f"«{topic.name}»" for topic in topics) or "none"
        raise LookupError(f"no topic named «{name}» (topics: {known})")
    return chosen
