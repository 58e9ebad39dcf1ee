"""Pure text functions of the practices library (no database): search normalisation, the proposed
split of a long-text answer into practices, and GCM objectives / SDGs named explicitly in a text.

Mentions are recognised in the four languages of the app:
"objective 15", "objectives 5, 16, 20 and 22", "GCM 15 and 16", "objectif 3", "objetivo 19", "الهدف 23"
(GCM objectives) and "SDG 10", "SDGs 8, 9 and 10", "SDG target 10.7", "ODD 8", "ODS 5",
"Objetivo de Desarrollo Sostenible 8", "objectif de développement durable 4", "هدف التنمية المستدامة 8"
(SDGs). SDG mentions are read first and taken out of the text, so "objetivo de desarrollo sostenible 8"
is never read as GCM objective 8.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

GCM_COUNT = 23
SDG_COUNT = 17
TITLE_LENGTH = 120

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_TATWEEL = "\u0640"


def search_normalize(text: str) -> str:
    """Lower case without accents or Arabic diacritics: "Régularisation" → "regularisation"."""
    decomposed = unicodedata.normalize("NFKD", text.replace(_TATWEEL, ""))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


# --- mentions ------------------------------------------------------------------------------------

# "5", "10.7", "10.c": a goal number, with an optional SDG target after the dot.
_NUMBER = r"\d{1,2}(?:\.(?:\d{1,2}|[a-z]))?(?![\d])"
_JOIN = r"\s*(?:,\s*(?:and|et|y|e)?|;|&|\band\b|\bet\b|\by\b|\be\b|\bor\b|\bou\b|\bo\b|،|و)\s*"
_NUMBERS = rf"(?P<numbers>{_NUMBER}(?:{_JOIN}{_NUMBER})*)"
_NUMBER_SIGN = r"(?:\s*(?:n[°º]\.?|no\.|#|رقم))?\s*"

_SDG_KEYWORDS = (
    r"\b(?:SDGs?|ODDs?|ODSs?)(?:\s+targets?|\s+cibles?|\s+metas?)?",
    r"\b(?:objetivos?|objectifs?|goals?)\s+(?:de|du|of)\s+(?:desarrollo|développement|developpement|sustainable)"
    r"\s+(?:sostenible|durable|development)s?",
    r"(?:هدفي?|أهداف|اهداف)\s+التنمية\s+المستدامة",
)
_GCM_KEYWORDS = (
    r"\bGCM(?:\s+objectives?)?",
    r"\b(?:objectives?|objectifs?|objetivos?)",
    r"(?:ال)?(?:هدف(?:ين|ان)?|أهداف|اهداف)",
)
_SDG_RE = re.compile(rf"(?:{'|'.join(_SDG_KEYWORDS)}){_NUMBER_SIGN}{_NUMBERS}", re.IGNORECASE)
_GCM_RE = re.compile(rf"(?:{'|'.join(_GCM_KEYWORDS)}){_NUMBER_SIGN}{_NUMBERS}", re.IGNORECASE)
_GOAL = re.compile(r"\d{1,2}")


@dataclass
class Mentions:
    gcm: list[str] = field(default_factory=list)
    sdg: list[str] = field(default_factory=list)


def _numbers(match: re.Match, highest: int) -> set[int]:
    found = {int(number) for number in _GOAL.findall(re.sub(r"\.(?:\d{1,2}|[a-z])", "", match["numbers"]))}
    return {number for number in found if 1 <= number <= highest}


def mentions(text: str) -> Mentions:
    """The GCM objectives and SDGs a text names explicitly, as choice codes ("5", "16"), in order."""
    text = text.translate(_DIGITS)
    sdgs: set[int] = set()
    for match in _SDG_RE.finditer(text):
        sdgs |= _numbers(match, SDG_COUNT)
    rest = _SDG_RE.sub(" ", text)
    gcm: set[int] = set()
    for match in _GCM_RE.finditer(rest):
        gcm |= _numbers(match, GCM_COUNT)
    return Mentions(gcm=[str(n) for n in sorted(gcm)], sdg=[str(n) for n in sorted(sdgs)])


def mentions_removed(text: str) -> str:
    """The text without the objectives and goals it names ("(objectives 15 and 16)" → ""): what the
    semantic suggestions are measured on, so that they cannot just read the answer."""
    text = _GCM_RE.sub(" ", _SDG_RE.sub(" ", text.translate(_DIGITS)))
    text = re.sub(r"\(\s*[,;.]?\s*\)|\[\s*\]", " ", text)  # brackets left empty
    return re.sub(r"\s+([,;.:)])", r"\1", re.sub(r"[ \t]+", " ", text)).strip()


# --- the proposed split ----------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-*•–—·▪]|\d{1,2}[.)])\s+")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def split_items(text: str) -> list[str]:
    """Paragraphs and list items of a long-text answer, in order: each is a proposed practice.

    A line that introduces a list (it ends with ":" and a list item follows) is context, not a practice:
    it is left out. Items lose their bullet and a trailing ";", and start with a capital."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    lines = [
        (line, index == 0)
        for paragraph in paragraphs
        for index, line in enumerate(line for line in paragraph.split("\n") if line.strip())
    ]
    items: list[list[str]] = []
    for position, (line, starts_paragraph) in enumerate(lines):
        following = lines[position + 1][0] if position + 1 < len(lines) else ""
        if line.rstrip().endswith(":") and _BULLET.match(following):
            continue  # introduces the list that follows
        if _BULLET.match(line) or starts_paragraph or not items:
            items.append([])
        items[-1].append(_BULLET.sub("", line).strip())
    cleaned = [" ".join(parts).rstrip(";").strip() for parts in items]
    return [item[:1].upper() + item[1:] for item in cleaned if item]


def title_propose(text: str) -> str:
    """The first sentence, cut at a word near TITLE_LENGTH characters."""
    first = re.split(r"(?<=[.!?؟])\s", text.strip(), maxsplit=1)[0].rstrip(".")
    if len(first) > TITLE_LENGTH:
        first = first[:TITLE_LENGTH].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return first[:1].upper() + first[1:]


def year_propose(text: str, default: int) -> int:
    """The latest year the text names that is not after `default` (the campaign's year), else `default`."""
    years = [int(year) for year in _YEAR.findall(text.translate(_DIGITS)) if int(year) <= default]
    return max(years, default=default)


@dataclass
class ProposedPractice:
    title: str
    description: str
    year: int
    gcm: list[str]
    sdg: list[str]


def split_proposal(text: str, *, year: int) -> list[ProposedPractice]:
    """The practices a coordinator is offered for a long-text answer, tagged with the mentions they hold."""
    proposed = []
    for item in split_items(text):
        named = mentions(item)
        proposed.append(ProposedPractice(title_propose(item), item, year_propose(item, year), named.gcm, named.sdg))
    return proposed
