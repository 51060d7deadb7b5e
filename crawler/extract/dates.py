"""Dates as news pages write them, turned into ISO-8601 strings.

Machine dates (ISO-8601, RFC 2822) keep their time and offset. Dates in running text use the
month names of every Arabic region — Egyptian/Gulf (يناير …), Levantine (كانون الثاني …),
Maghrebi (جانفي … ، غشت …) — Western or Arabic-Indic digits, Hijri dates (converted with
``hijridate``), and relative dates («منذ 3 ساعات») counted back from the fetch time.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime

from crawler.extract.arabic import normalize

# --- month names -------------------------------------------------------------------------

_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("يناير", "كانون الثاني", "جانفي", "janvier", "january", "jan"),
    2: ("فبراير", "شباط", "فيفري", "février", "fevrier", "february", "feb"),
    3: ("مارس", "آذار", "اذار", "march", "mars", "mar"),
    4: ("أبريل", "ابريل", "إبريل", "نيسان", "أفريل", "افريل", "april", "avril", "apr"),
    5: ("مايو", "أيار", "ايار", "ماي", "may", "mai"),
    6: ("يونيو", "يونيه", "حزيران", "جوان", "june", "juin", "jun"),
    7: ("يوليو", "يوليه", "تموز", "جويلية", "يوليوز", "july", "juillet", "jul"),
    8: ("أغسطس", "اغسطس", "آب", "أوت", "اوت", "غشت", "august", "août", "aout", "aug"),
    9: ("سبتمبر", "أيلول", "ايلول", "شتنبر", "september", "septembre", "sept", "sep"),
    10: ("أكتوبر", "اكتوبر", "تشرين الأول", "تشرين الاول", "october", "octobre", "oct"),
    11: ("نوفمبر", "تشرين الثاني", "نونبر", "november", "novembre", "nov"),
    12: ("ديسمبر", "كانون الأول", "كانون الاول", "دجنبر", "december", "décembre", "decembre", "dec"),
}
_HIJRI_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("محرم",),
    2: ("صفر",),
    3: ("ربيع الأول", "ربيع الاول", "ربيع أول"),
    4: ("ربيع الثاني", "ربيع الآخر", "ربيع الاخر", "ربيع ثاني"),
    5: ("جمادى الأولى", "جمادى الاولى", "جمادى الأول", "جمادى الاول"),
    6: ("جمادى الآخرة", "جمادى الاخرة", "جمادى الثانية", "جمادى الآخر", "جمادى الاخر"),
    7: ("رجب",),
    8: ("شعبان",),
    9: ("رمضان",),
    10: ("شوال",),
    11: ("ذو القعدة", "ذي القعدة"),
    12: ("ذو الحجة", "ذي الحجة"),
}


def _alternation(names: dict[int, tuple[str, ...]]) -> tuple[dict[str, int], str]:
    lookup = {normalize(name): month for month, variants in names.items() for name in variants}
    pattern = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(lookup, key=len, reverse=True))
    return lookup, pattern


_GREGORIAN, _GREGORIAN_RE = _alternation(_MONTH_NAMES)
_HIJRI, _HIJRI_RE = _alternation(_HIJRI_MONTH_NAMES)

# Word edges for Arabic and Latin words (\b does not know that «ماي» ends before «و»).
_L = r"(?<![\w])"
_R = r"(?![\w])"

# The time that may follow a date: «09:23 ص», «- 13:00», «الساعة 01:15:30 م». «ص»/«م» (and
# «صباحاً»/«مساءً», am/pm) only as words of their own: «01:00 مكة المكرمة» is not «م».
def _time_after(filler: str) -> str:
    return (rf"(?:\s*[,،\-|]?\s*(?:الساعه\s*)?{filler}(?P<hour>\d{{1,2}}):(?P<minute>\d{{2}})"
            r"(?::\d{2})?(?:\s*(?P<ampm>صباحا|مساء|ص|م|am|pm)(?![\w]))?)?")


# After a written date a few words may stand before the time («… 2020 - تم النشر 09:22»);
# after a numeric one only a separator or «الساعة».
_TIME_AFTER = _time_after(r"(?:[^\d\n]{0,12}?)?")
_TIME_AFTER_NUMERIC = _time_after("")
# "24 نيسان / أبريل 2020", "8 فيفري 2019", "03 يونيو 2020 09:23 ص", "الأحد، 04 آب/اغسطس 2013",
# "الخميس , 24 سبتمبر 2026 - 13:00" (E , dd MMM yyyy - HH:mm)
_TEXT_DATE = re.compile(
    rf"{_L}(?P<day>\d{{1,2}})\s*(?:من\s+)?(?P<month>{_GREGORIAN_RE}){_R}"
    rf"(?:\s*[/|\-]\s*(?:{_GREGORIAN_RE}){_R})?\s*[,،]?\s*(?P<year>\d{{4}}){_R}" + _TIME_AFTER,
    re.I,
)
# "August 24, 2020"
_TEXT_DATE_MDY = re.compile(
    rf"{_L}(?P<month>{_GREGORIAN_RE})\.?\s+(?P<day>\d{{1,2}})\s*,\s*(?P<year>\d{{4}}){_R}", re.I
)
# "11 شوال 1441 هـ"
_HIJRI_DATE = re.compile(
    rf"{_L}(?P<day>\d{{1,2}})\s*(?:من\s+)?(?P<month>{_HIJRI_RE}){_R}\s*[,،]?\s*(?P<year>1[34]\d\d){_R}"
)
# "24/08/2020", "24-8-2020", "2020/08/24", "2020-08-24"
# A slash may stand between single spaces («الاحد 12 / 04 / 2020»), as many Arabic CMSs write it.
_DATE_SEP = r"(?:\s?/\s?|[.-])"
# A time may follow: "24/09/2026 01:15:30 م" (dd/MM/yyyy hh:mm:ss with ص/م).
_NUMERIC_DMY = re.compile(r"(?<![\d/.-])(\d{1,2})" + _DATE_SEP + r"(\d{1,2})" + _DATE_SEP
                          + r"((?:19|20)\d\d)(?![\d/.-])" + _TIME_AFTER_NUMERIC, re.I)
_NUMERIC_YMD = re.compile(r"(?<![\d/.-])((?:19|20)\d\d)" + _DATE_SEP + r"(\d{1,2})" + _DATE_SEP
                          + r"(\d{1,2})(?![\d/.-])" + _TIME_AFTER_NUMERIC, re.I)

_ISO = re.compile(
    r"(?P<y>\d{4})-?(?P<m>\d{2})-?(?P<d>\d{2})"
    r"(?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{2}(?!\d))?)?"
)
_URL_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)(?:[/_-](?:[a-z_-]+/){0,2}?)(\d{1,2})[/_-](\d{1,2})(?!\d)", re.I
)
_URL_DATE_COMPACT = re.compile(r"/((?:19|20)\d\d)(\d\d)(\d\d)/")
_URL_DATE_MONTH_NAME = re.compile(
    r"/((?:19|20)\d\d)/(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*/(\d{1,2})(?:/|$)", re.I
)
_URL_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}

# «منذ 3 ساعات», «منذ ساعتين», «منذ يوم», «قبل 5 دقائق»
_RELATIVE = re.compile(r"(?:منذ|قبل)\s+(?:(?P<n>\d+)\s*)?(?P<unit>[\u0621-\u064a]+)")
_UNITS: dict[str, tuple[str, int]] = {}
for _unit, _forms in {
    "seconds": ("ثانيه", "ثواني", "ثوان"),
    "minutes": ("دقيقه", "دقائق", "دقايق"),
    "hours": ("ساعه", "ساعات"),
    "days": ("يوم", "ايام"),
    "weeks": ("اسبوع", "اسابيع"),
}.items():
    for _form in _forms:
        _UNITS[_form] = (_unit, 1)
_UNITS.update({
    "ثانيتين": ("seconds", 2), "دقيقتين": ("minutes", 2), "ساعتين": ("hours", 2),
    "يومين": ("days", 2), "اسبوعين": ("weeks", 2), "امس": ("days", 1),
})


# --- parsing -------------------------------------------------------------------------------

def parse_machine_date(value: str | None) -> str | None:
    """An ISO-8601 or RFC 2822 date as found in metadata -> ISO-8601, time and offset kept."""
    if not value:
        return None
    value = value.strip()
    match = _ISO.search(value)
    if match:
        return _iso_from_match(match)
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed:
        return parsed.isoformat()
    return parse_text_date(value)


def _iso_from_match(m: re.Match[str]) -> str | None:
    try:
        day = date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None
    if not _plausible_year(day.year):
        return None
    if m["H"] is None:
        return day.isoformat()
    hour, minute = int(m["H"]), int(m["M"])
    if hour > 23 or minute > 59:
        return day.isoformat()
    text = f"{day.isoformat()}T{hour:02d}:{minute:02d}"
    if m["S"] is not None:
        text += f":{int(m['S']):02d}"
    tz = m["tz"]
    if tz:
        if tz.upper() in ("Z", "UTC", "GMT"):
            text += "+00:00"
        else:
            digits = tz[1:].replace(":", "")
            text += f"{tz[0]}{digits[:2]}:{digits[2:4] or '00'}"
    return text


def parse_text_date(text: str, fetched: datetime | None = None) -> str | None:
    """The first date written in running text (any Arabic region's month names, Hijri,
    numeric, or relative to ``fetched``) -> ISO-8601, or None."""
    found = find_text_dates(text, fetched)
    return found[0] if found else None


def find_text_dates(text: str, fetched: datetime | None = None) -> list[str]:
    """Every date written in ``text``, in order of appearance, as ISO-8601 strings."""
    norm = normalize(text)
    hits: list[tuple[int, str]] = []
    for match in _TEXT_DATE.finditer(norm):
        iso = _gregorian(match["year"], _GREGORIAN.get(_month_key(match["month"])), match["day"])
        if iso and match["hour"]:
            iso = _with_time(iso, match["hour"], match["minute"], match["ampm"])
        if iso:
            hits.append((match.start(), iso))
    for match in _TEXT_DATE_MDY.finditer(norm):
        iso = _gregorian(match["year"], _GREGORIAN.get(_month_key(match["month"])), match["day"])
        if iso:
            hits.append((match.start(), iso))
    for match in _HIJRI_DATE.finditer(norm):
        iso = hijri_to_iso(int(match["year"]), _HIJRI.get(_month_key(match["month"]), 0), int(match["day"]))
        if iso:
            hits.append((match.start(), iso))
    for match in _NUMERIC_YMD.finditer(norm):
        iso = _gregorian(match[1], int(match[2]), match[3])
        if iso and match["hour"]:
            iso = _with_time(iso, match["hour"], match["minute"], match["ampm"])
        if iso:
            hits.append((match.start(), iso))
    for match in _NUMERIC_DMY.finditer(norm):
        iso = _gregorian(match[3], int(match[2]), match[1])
        if iso and match["hour"]:
            iso = _with_time(iso, match["hour"], match["minute"], match["ampm"])
        if iso:
            hits.append((match.start(), iso))
    if fetched is not None:
        for match in _RELATIVE.finditer(norm):
            iso = _relative(match, fetched)
            if iso:
                hits.append((match.start(), iso))
    hits.sort(key=lambda hit: hit[0])
    return [iso for _, iso in hits]


def hijri_to_iso(year: int, month: int, day: int) -> str | None:
    """A Hijri (Umm al-Qura) date -> the Gregorian ISO date, or None when out of range."""
    if not month:
        return None
    try:
        from hijridate import Hijri

        return Hijri(year, month, day).to_gregorian().isoformat()
    except (ImportError, ValueError, OverflowError):
        return None


def date_from_url(url: str | None) -> str | None:
    """A date in a URL path: /2020/08/24/, /2020-06-03-…, /2013/middle_east/8/3/, /20200824/,
    /2025/dec/05/."""
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url, flags=re.I)
    named = _URL_DATE_MONTH_NAME.search(path)
    if named:
        iso = _gregorian(named[1], _URL_MONTHS[named[2].lower()], named[3])
        if iso:
            return iso
    for pattern in (_URL_DATE, _URL_DATE_COMPACT):
        for match in pattern.finditer(path):
            iso = _gregorian(match[1], int(match[2]), match[3])
            if iso:
                return iso
    return None


def _month_key(name: str) -> str:
    return re.sub(r"\s+", " ", name.lower())


def _gregorian(year: str | int, month: int | None, day: str | int) -> str | None:
    if not month:
        return None
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return value.isoformat() if _plausible_year(value.year) else None


def _plausible_year(year: int) -> bool:
    return 1990 <= year <= datetime.now().year + 1


def _with_time(iso: str, hour: str, minute: str, ampm: str | None) -> str:
    h, m = int(hour), int(minute)
    if ampm and ampm.lower() in ("م", "مساء", "pm") and h < 12:
        h += 12
    elif ampm and ampm.lower() in ("ص", "صباحا", "am") and h == 12:
        h = 0
    if h > 23 or m > 59:
        return iso
    return f"{iso}T{h:02d}:{m:02d}"


def _relative(match: re.Match[str], fetched: datetime) -> str | None:
    unit = _UNITS.get(match["unit"])
    if unit is None:
        return None
    name, count = unit
    if match["n"]:
        count = int(match["n"])
    moment = fetched - timedelta(**{name: count})
    if name in ("days", "weeks"):
        return moment.date().isoformat()
    return moment.replace(second=0, microsecond=0).isoformat(timespec="minutes")


__all__ = [
    "date_from_url",
    "find_text_dates",
    "hijri_to_iso",
    "parse_machine_date",
    "parse_text_date",
]
