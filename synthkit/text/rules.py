"""A G2P for a language no G2P covers: ordered grapheme-to-IPA rewrite rules with context, plus an
optional pronunciation lexicon. Spec: ``rules:PATH`` (``--g2p rules:PATH``).

Rules file (UTF-8; lines whose first character is ``#`` are comments)::

    # optional: ISO 15924 script (letters of other scripts are rejected)
    script Latn
    # optional: word<TAB>IPA, relative to this file; a word in the lexicon skips the rules
    lexicon words.tsv
    # a named set of graphemes (each may be several letters)
    class V = a e i ị o ọ u ụ
    # GRAPHEMES -> IPA [/ LEFT _ RIGHT]
    gb -> ɡ͡b
    n -> ŋ / _ [gk]
    e -> ə / @C _ #
    h -> / # _

In contexts, ``@NAME`` is a class, ``[abc]`` any one of these letters, ``#`` the word edge; an empty
IPA deletes the graphemes.

Each word (lower-cased, NFC) is read left to right. At each position the rules are tried in file
order; the first whose graphemes match there and whose left and right contexts match is applied
and its graphemes are consumed. Contexts are sequences of letters, classes, sets and ``#``; the left
context is matched against the letters before the position, the right one against the letters after
the graphemes. A letter no rule covers rejects the sentence (with the letter in the reason).

Tone marks written on letters (acute, grave, macron, circumflex, caron, double acute/grave) are not
part of the graphemes: they are carried over to the last vowel of what the letter was rewritten to,
so tone survives into ``phonemes`` (and is rendered as pitch through a donor voice).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import SynthkitError
from . import ipa
from .normalize import Rejected

TONE_COMBINING = frozenset("\u0300\u0301\u0304\u0302\u030c\u030b\u030f")
_RULE_RE = re.compile(r"^(?P<g>\S+)\s*->\s*(?P<ipa>[^/]*?)\s*(?:/\s*(?P<left>.*?)\s*_\s*(?P<right>.*?)\s*)?$")


@dataclass(frozen=True)
class Rule:
    graphemes: str
    ipa: tuple[str, ...]  # output segments
    left: re.Pattern[str] | None
    right: re.Pattern[str] | None
    line: int


def _letters(word: str) -> tuple[list[str], list[str]]:
    """NFC letters of a word with their tone marks split off: (letters, tones per letter)."""
    letters: list[str] = []
    tones: list[str] = []
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.category(ch) == "Mn":
            if not letters:
                continue
            if ch in TONE_COMBINING:
                tones[-1] += ch
            else:
                letters[-1] = unicodedata.normalize("NFC", letters[-1] + ch)
        else:
            letters.append(ch)
            tones.append("")
    return [unicodedata.normalize("NFC", x) for x in letters], tones


def _context(spec: str, classes: dict[str, list[str]], where: str, side: str) -> re.Pattern[str] | None:
    spec = spec.strip()
    if not spec:
        return None
    parts: list[str] = []
    i = 0
    while i < len(spec):
        c = spec[i]
        if c.isspace():
            i += 1
        elif c == "#":  # word edge: the start for a left context, the end for a right one
            parts.append(r"\A" if side == "left" else r"\Z")
            i += 1
        elif c == "@":
            m = re.match(r"@(\w+)", spec[i:])
            if not m or m.group(1) not in classes:
                raise SynthkitError(f"{where}: unknown class in context {spec!r}")
            alts = sorted(classes[m.group(1)], key=len, reverse=True)
            parts.append("(?:" + "|".join(re.escape(a) for a in alts) + ")")
            i += len(m.group(0))
        elif c == "[":
            j = spec.find("]", i)
            if j < 0:
                raise SynthkitError(f"{where}: unclosed [ in context {spec!r}")
            letters, _ = _letters(spec[i + 1:j])
            parts.append("(?:" + "|".join(re.escape(x) for x in letters) + ")")
            i = j + 1
        else:
            letters, _ = _letters(c)
            parts.append(re.escape(letters[0]) if letters else re.escape(c))
            i += 1
    body = "".join(parts)
    if side == "left":
        return re.compile(body if body.endswith(r"\Z") else body + r"\Z")
    return re.compile(r"\A" + body)


class RulesG2P:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.spec = f"rules:{path}"
        self.script: str | None = None
        self.rules: list[Rule] = []
        self.lexicon: dict[str, list[list[str]]] = {}
        self._load()

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise SynthkitError(f"cannot read G2P rules {self.path}: {exc}") from None
        classes: dict[str, list[str]] = {}
        for n, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            where = f"{self.path}:{n}"
            if line.startswith("script "):
                self.script = line.split()[1]
            elif line.startswith("lexicon "):
                self._load_lexicon(self.path.parent / line.split(None, 1)[1].strip(), where)
            elif line.startswith("class "):
                m = re.match(r"class\s+(\w+)\s*=\s*(.+)$", line)
                if not m:
                    raise SynthkitError(f"{where}: expected 'class NAME = g1 g2 ...'")
                classes[m.group(1)] = ["".join(_letters(g)[0]) for g in m.group(2).split()]
            else:
                m = _RULE_RE.match(line)
                if not m:
                    raise SynthkitError(f"{where}: expected 'GRAPHEMES -> IPA [/ LEFT _ RIGHT]', got {raw.strip()!r}")
                g = "".join(_letters(m.group("g").lower())[0])
                out = ipa.segment_word(m.group("ipa").replace(" ", "")) if m.group("ipa").strip() else []
                left = _context(m.group("left") or "", classes, where, "left")
                right = _context(m.group("right") or "", classes, where, "right")
                self.rules.append(Rule(g, tuple(out), left, right, n))
        if not self.rules and not self.lexicon:
            raise SynthkitError(f"{self.path}: no rules and no lexicon")

    def _load_lexicon(self, path: Path, where: str) -> None:
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise SynthkitError(f"{where}: cannot read lexicon {path}: {exc}") from None
        for k, line in enumerate(lines, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) < 2:
                raise SynthkitError(f"{path}:{k}: expected 'word<TAB>IPA'")
            word = unicodedata.normalize("NFC", parts[0].strip().lower())
            value = parts[1].strip()  # segments separated by spaces (words by ' | '), or one IPA string
            self.lexicon[word] = ipa.split_words(value) if " " in value else [ipa.segment_word(value)]

    def _word(self, word: str) -> list[list[str]]:
        key = unicodedata.normalize("NFC", word.lower())
        if key in self.lexicon:
            return self.lexicon[key]
        letters, tones = _letters(key)
        s = "".join(letters)
        # position in s -> index of the letter starting there
        starts = {}
        pos = 0
        for i, x in enumerate(letters):
            starts[pos] = i
            pos += len(x)
        out: list[str] = []
        pos = 0
        while pos < len(s):
            for r in self.rules:
                if not s.startswith(r.graphemes, pos):
                    continue
                end = pos + len(r.graphemes)
                if r.left and not r.left.search(s[:pos]):
                    continue
                if r.right and not r.right.match(s[end:]):
                    continue
                segs = list(r.ipa)
                tone = "".join(tones[i] for p, i in starts.items() if pos <= p < end)
                if tone and segs:
                    k = max((j for j, x in enumerate(segs) if _vowelish(x)), default=len(segs) - 1)
                    segs[k] = unicodedata.normalize("NFC", segs[k] + tone)
                out.extend(segs)
                pos = end
                break
            else:
                raise Rejected(f"characters the rules of {self.path.name} do not cover: {s[pos]!r}")
        return [out] if out else []

    def phonemize(self, text: str) -> list[list[str]]:
        words: list[list[str]] = []
        for token in _tokens(text):
            words.extend(w for w in self._word(token) if w)
        if not words:
            raise Rejected("G2P produced no phonemes")
        return words


def _tokens(text: str) -> list[str]:
    """Words: runs of letters, combining marks (tone!) and apostrophes; anything else separates."""
    out, cur = [], []
    for ch in unicodedata.normalize("NFD", text):
        cat = unicodedata.category(ch)
        if cat[0] in "LM" or (ch in "'’" and cur):
            cur.append(ch)
        elif cur:
            out.append(unicodedata.normalize("NFC", "".join(cur)))
            cur = []
    if cur:
        out.append(unicodedata.normalize("NFC", "".join(cur)))
    return out


def _vowelish(seg: str) -> bool:
    base = [c for c in unicodedata.normalize("NFD", seg) if unicodedata.category(c) != "Mn"]
    return bool(base) and base[0] in ipa.VOWELS


@lru_cache(maxsize=8)
def script_of(path: str) -> str | None:
    return RulesG2P(path).script
