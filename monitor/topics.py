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

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from crawler.extract.arabic import (
    CLITIC_PREFIXES, SURFACE_WORD, clitic_forms, fold, folds_word_by_word, inflected_forms,
    normalized_words, surface_spans, term_form, tokens,
)
from crawler.extract.safetext import terminal_json
from crawler.tomlfile import TomlFileError, read_toml, unknown

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
        data = read_toml(path)
    except TomlFileError as error:
        raise TopicsError([str(error)]) from None
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
        unknown(table, TOPIC_KEYS, "",
                lambda key, reason, where=where: problems.append(f"{where}.{key}: {reason}"))

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


@dataclass(frozen=True)
class Mismatch:
    """Why an article does not match a topic, in the topic's own terms as written:
    ``missing`` its wanted terms the text lacks (every ``all`` term it lacks, and the ``any``
    terms when it has none of them), ``excluded`` its ``none`` terms the text holds, and
    ``other_site`` when the topic is limited to sites the article is not from."""

    missing: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    other_site: bool = False


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


@dataclass(frozen=True)
class _CompiledTopic:
    topic: Topic
    wanted: tuple[tuple[str, int], ...]  # (term as written, term id): the all terms, then any
    all: frozenset[int]                   # term ids
    any: frozenset[int]
    none: frozenset[int]


class _Field:
    """One field of an article: its tokens (those of ``arabic.tokens``) and ``found``, the
    distinct tokens that may be a word of some term (one C-speed lookup of every token). Where a
    token stands and the original text it came from are worked out only when wanted.

    Most text takes the fast way, all C-speed: where ``arabic.folds_word_by_word`` holds, each
    match of ``arabic.SURFACE_WORD`` (an original word, diacritics and tatweel included) folds
    to exactly one token, in order; the tokens are then the folded original words, and the
    original text of a token is its word. Other text is tokenised by ``arabic.tokens`` and its
    original words are found character by character (``arabic.surface_spans``) when a surface
    is wanted."""

    __slots__ = ("name", "text", "tokens", "found", "marks", "_words", "_spans", "_positions",
                 "_line")

    def __init__(self, name: str, text: str, keys: frozenset[str]):
        self.name = name
        self.text = text
        self._words: list[str] | None = None              # the original word of each token
        self._spans: list[tuple[int, int]] | None = None  # their spans, when wanted
        self._positions: dict[str, list[int]] = {}
        self.marks: list[tuple[int, ...]] = []  # what each found token may be (the matcher's)
        self._line: str | None = None  # " token token … token ", when wanted
        if folds_word_by_word(text):
            self._words = SURFACE_WORD.findall(text)
            line = fold(" ".join(self._words))
            self.tokens = line.split(" ") if line else []
            self._line = f" {line} "
        else:
            self.tokens = tokens(text)
        self.found: frozenset[str] = keys.intersection(self.tokens)

    def has_sequence(self, sequence: tuple[str, ...]) -> bool:
        """Whether these tokens stand one after the other (a C-speed substring search)."""
        if self._line is None:
            self._line = f" {' '.join(self.tokens)} "
        return f" {' '.join(sequence)} " in self._line

    def locate(self, wanted: set[str]) -> None:
        """Find every position of many tokens at once (``positions`` then knows them): one pass
        over the tokens, where each token alone would take C-speed scans of them all."""
        wanted = wanted.difference(self._positions)
        if len(wanted) > 2:
            located: dict[str, list[int]] = {token: [] for token in wanted}
            tokens_ = self.tokens
            for position in itertools.compress(itertools.count(),
                                               map(wanted.__contains__, tokens_)):
                located[tokens_[position]].append(position)
            self._positions.update(located)

    def positions(self, token: str) -> list[int]:
        """Every position of a token, in text order (found by C-speed scans: it is rare)."""
        found = self._positions.get(token)
        if found is None:
            found = []
            keys, position = self.tokens, -1
            for _ in range(keys.count(token)):
                position = keys.index(token, position + 1)
                found.append(position)
            self._positions[token] = found
        return found

    def surface(self, first: int, last: int) -> str:
        """The original text of tokens ``first`` .. ``last`` (inclusive)."""
        if self._words is None:
            self._spans = [(start, end) for _, start, end in surface_spans(self.text)]
            if len(self._spans) == len(self.tokens):
                self._words = [self.text[start:end] for start, end in self._spans]
            else:  # a character no span can show (e.g. «İ»)
                self._words = []
        if not self._words:  # the normalised words, then
            return " ".join(self.tokens[first:last + 1])
        if first == last:
            return self._words[first]
        if self._spans is None:
            self._spans = [match.span() for match in SURFACE_WORD.finditer(self.text)]
        return self.text[self._spans[first][0]:self._spans[last][1]]


class TopicMatcher:
    """Match articles against a list of topics::

        matcher = TopicMatcher(load_topics("seeds/topics.toml"))
        for match in matcher.match(title=title, body=body, site="demo"):
            print(match.topic, [t.text for t in match.terms])

    The cost of one article does not grow with the number of topics, and most of it is C-speed
    work. ``_keys`` holds every token that may be a word of some term — each form the word may
    take (``arabic.inflected_forms`` for a single word), alone and behind each proclitic
    (``arabic.clitic_forms`` turned round) — so a text's tokens are looked up all at once (one
    set intersection). ``_marks`` says what each such token is — the terms it may start (term
    ids) and the phrases it may continue (``~`` term ids) — worked out when it is first seen and
    gathered by ``map``. Only phrases and the topics triggered by a term found are looked at in
    Python, and original words only for the terms of the topics matched.
    """

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
        triggered: dict[int, list[int]] = {}  # a term -> topics it may trigger
        for index, topic in enumerate(self.topics):
            ids = {key: [(term, tid) for term in getattr(topic, key)
                         if (tid := term_id(term)) is not None] for key in TERM_KEYS}
            self._compiled.append(_CompiledTopic(
                topic=topic, wanted=(*ids["all"], *ids["any"]),
                **{key: frozenset(tid for _, tid in ids[key]) for key in TERM_KEYS}))
            # A topic with `all` terms is looked at only when one of them (the likeliest to be
            # rare: a phrase, else the longest word) is found; else when any `any` term is.
            triggers = ([max(ids["all"], key=lambda pair: self._rarity(pair[1]))]
                        if ids["all"] else ids["any"])
            for _, tid in triggers:
                triggered.setdefault(tid, []).append(index)
        self._term_ids = {term: tid for compiled in self._compiled
                          for key in TERM_KEYS for term in getattr(compiled.topic, key)
                          if (tid := term_id(term)) is not None}  # a term as written -> id
        self._rules = [(compiled.topic.sites, compiled.all, compiled.any, compiled.none)
                       for compiled in self._compiled]
        self._topics_by_term = [tuple(triggered.get(tid, ())) for tid in range(len(self._terms))]

        self._phrases = frozenset(tid for tid, term in enumerate(self._terms)
                                  if len(term.forms) > 1)
        self._continuations = frozenset(~tid for tid in self._phrases)
        self._not_words = self._phrases | self._continuations
        self._first_word: dict[str, list[int]] = {}  # a form -> terms whose first word takes it
        self._later_word: dict[str, list[int]] = {}  # a form -> phrases with a later word of it
        keys: set[str] = set()
        for tid, term in enumerate(self._terms):
            for form in term.forms[0]:
                self._first_word.setdefault(form, []).append(tid)
            for forms in term.forms[1:]:
                for form in forms:
                    self._later_word.setdefault(form, []).append(tid)
            for forms in term.forms:
                keys.update(_with_clitics(forms))
        self._keys = frozenset(keys)
        # A key, once seen in a text -> the terms it may start (term ids) and the phrases it may
        # continue (``~`` term ids). Filled as keys turn up (a news stream soon has them all),
        # and small, so looking the keys of a text up is quick.
        self._marks: dict[str, tuple[int, ...]] = {}
        self._word_keys: dict[tuple[int, int], frozenset[str]] = {}  # (term, word) -> its keys

    def _rarity(self, tid: int) -> tuple[int, int]:
        forms = self._terms[tid].forms
        return len(forms), min(len(form) for form in forms[0])

    def match(self, *, title: str, body: str, site: str | None = None) -> list[TopicMatch]:
        """Every topic the article matches, in the order the topics were given."""
        fields, found = self._find(title, body)
        present = found.present
        if not present:
            return []

        by_term, rules = self._topics_by_term, self._rules
        matched: list[_CompiledTopic] = []
        for index in sorted(set(itertools.chain.from_iterable(map(by_term.__getitem__, present)))):
            sites, all_, any_, none = rules[index]
            if not ((sites and site not in sites) or not all_ <= present
                    or (any_ and any_.isdisjoint(present)) or not none.isdisjoint(present)):
                matched.append(self._compiled[index])
        if not matched:
            return []
        wanted = set(itertools.chain.from_iterable(compiled.all | compiled.any
                                                   for compiled in matched))
        shown = found.tokens
        for field_ in fields:  # the single-word terms to show: their tokens, located at once
            words = found.words.get(field_.name)
            if words and not words.isdisjoint(wanted):
                name, located = field_.name, set()
                for token, marks in zip(field_.found, field_.marks):
                    for tid in wanted.intersection(marks):
                        if tid in words:
                            shown.setdefault((tid, name), set()).add(token)
                            located.add(token)
                field_.locate(located)
        return [TopicMatch(topic=compiled.topic.name,
                           terms=self._matched_terms(compiled, found, fields))
                for compiled in matched]

    def mismatch(self, topic: str, *, title: str, body: str,
                 site: str | None = None) -> Mismatch:
        """Why the article does not match ``topic`` (a name of one of the topics); an empty
        ``Mismatch`` when it does."""
        compiled = next(c for c in self._compiled if c.topic.name == topic)
        present = self._find(title, body)[1].present

        ids = self._term_ids

        def absent(terms: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(t for t in terms if t in ids and ids[t] not in present)

        wanted = compiled.topic
        missing = absent(wanted.all)
        if compiled.any and compiled.any.isdisjoint(present):
            missing += absent(wanted.any)
        excluded = tuple(t for t in wanted.none if t in ids and ids[t] in present)
        return Mismatch(missing=missing, excluded=excluded,
                        other_site=bool(wanted.sites) and site not in wanted.sites)

    def _find(self, title: str, body: str) -> tuple[tuple[_Field, _Field], _Found]:
        """The article's two fields and every term found in them."""
        keys = self._keys
        fields = (_Field("title", title or "", keys), _Field("body", body or "", keys))
        found = _Found()
        for field_ in fields:
            if field_.found:
                self._find_terms(field_, found)
        return fields, found

    def _find_terms(self, field_: _Field, found: _Found) -> None:
        """Record every term that occurs in one field."""
        known = self._marks
        looked_up = list(map(known.get, field_.found))
        if None in looked_up:  # keys never seen before: what they are, worked out once
            for index, (token, marks) in enumerate(zip(field_.found, looked_up)):
                if marks is None:
                    forms = clitic_forms(token)
                    known[token] = looked_up[index] = (
                        *{tid for form in forms for tid in self._first_word.get(form, ())},
                        *{~tid for form in forms for tid in self._later_word.get(form, ())})
        field_.marks = looked_up  # in the order of field_.found
        marks = set(itertools.chain.from_iterable(looked_up))
        words = marks.difference(self._not_words)
        found.present.update(words)
        found.words[field_.name] = words
        phrases = marks.intersection(self._phrases)
        if phrases:
            phrases.intersection_update(~mark for mark in marks & self._continuations)
            for tid in phrases:
                self._find_phrase(tid, field_, found)

    def _find_phrase(self, tid: int, field_: _Field, found: _Found) -> None:
        """Record every occurrence of a phrase in a field, as (first, last) token positions."""
        tokens_, size = field_.tokens, len(self._terms[tid].forms)
        words = [field_.found.intersection(self._keys_of(tid, word)) for word in range(size)]
        if not any(map(field_.has_sequence, itertools.product(*words))):
            return  # its words are all in the field, but never in a row (the usual case)
        rest = words[1:]
        places = sorted(position for token in words[0] for position in field_.positions(token))
        for position in places:
            last = position + size - 1
            if last < len(tokens_) and all(tokens_[position + 1 + k] in keys
                                           for k, keys in enumerate(rest)):
                found.present.add(tid)
                found.phrases.setdefault((tid, field_.name), []).append((position, last))

    def _keys_of(self, tid: int, word: int) -> frozenset[str]:
        """The tokens that may be word ``word`` of term ``tid`` (remembered)."""
        keys = self._word_keys.get((tid, word))
        if keys is None:
            keys = self._word_keys[tid, word] = frozenset(
                _with_clitics(self._terms[tid].forms[word]))
        return keys

    def _matched_terms(self, compiled: _CompiledTopic, found: _Found,
                       fields: tuple[_Field, ...]) -> list[MatchedTerm]:
        terms: list[MatchedTerm] = []
        for field_ in fields:
            for term, tid in compiled.wanted:
                terms.extend(MatchedTerm(term=term, field=field_.name, text=surface)
                             for surface in self._surfaces(tid, field_, found))
        return terms

    def _surfaces(self, tid: int, field_: _Field, found: _Found) -> list[str]:
        """The original text of each occurrence of a term in a field, each distinct one once, in
        order of first appearance (remembered for the article)."""
        known = found.surfaces.get((tid, field_.name))
        if known is None:
            if (tid, field_.name) in found.tokens:
                places = sorted((position, position) for token in found.tokens[tid, field_.name]
                                for position in field_.positions(token))
            else:
                places = sorted(found.phrases.get((tid, field_.name), ()))
            known = found.surfaces[tid, field_.name] = list(dict.fromkeys(
                field_.surface(first, last) for first, last in places))
        return known


@dataclass
class _Found:
    """The terms found in one article: their ids (``present``), per field the single-word
    terms found in it (``words``), per (phrase id, field) each occurrence's token span; and,
    for the terms of the topics matched, per (term id, field) the tokens a single-word term was
    found as and the surfaces of each term."""

    present: set[int] = field(default_factory=set)
    words: dict[str, set[int]] = field(default_factory=dict)
    tokens: dict[tuple[int, str], set[str]] = field(default_factory=dict)
    phrases: dict[tuple[int, str], list[tuple[int, int]]] = field(default_factory=dict)
    surfaces: dict[tuple[int, str], list[str]] = field(default_factory=dict)


def _with_clitics(forms: frozenset[str]) -> set[str]:
    """Every token whose ``arabic.clitic_forms`` include one of ``forms``: each form, and each
    form of two letters or more behind each proclitic."""
    keys = set(forms)
    for form in forms:
        if len(form) >= 2:
            keys.update(prefix + form for prefix in CLITIC_PREFIXES)
    return keys


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
        return terminal_json([result.to_json() for result in results])
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
