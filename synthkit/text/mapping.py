"""Map target-language segments onto what a donor voice can say, by articulatory features.

Distance: panphon feature vectors, each feature weighted as panphon weights it, and a broad sound class
per segment (:func:`sound_class`: vowel, nasal, rhotic, lateral, glide, sibilant, stop, fricative). The
cost of putting donor segment *d* for target segment *t* is ``sum(w * |t - d|) / (2 * sum(w))`` (0 =
identical, 1 = every feature opposite), where within one class the manner features that tell its kinds
apart (:data:`CLASS_MANNER`) count :data:`IN_CLASS_MANNER` (a trill, a tap and an approximant rhotic
are one class), and across classes :data:`CLASS_PENALTY` is added. So a rhotic stays a rhotic: English
ɹ goes to a donor's r or ɾ (0.15), not to j (0.21), which raw feature distance finds nearer (0.11
against 0.22); a sibilant stays a sibilant. Sequences are compared by edit distance over those costs
(insertion/deletion cost :data:`INDEL`).

For each target segment the mapper takes the cheapest of:

* the nearest single donor segment of the target's sound class, or of any class when the donor has
  none of that class (exact matches cost 0): class first, then distance, so French renders English ɹ
  with its uvular ʁ (0.33, reported as unmapped) rather than the nearer glide j;
* a *decomposition* into a sequence, each part mapped to its nearest donor segment, when that is
  closer (plus :data:`SPLIT_PENALTY`): affricates and other tie-barred segments (t͡ʃ -> t ʃ,
  k͡p -> k p, ɡ͡b -> ɡ b), diphthongs (aɪ -> a ɪ), prenasalized stops (ᵐb -> m b), secondary
  articulations (kʷ -> k w, kʲ -> k j, kʰ -> k h, kʼ -> k ʔ), nasal vowels (ã -> a ŋ);
* leaving it out, for a glottal stop the donor lacks (:data:`OMISSIBLE`);
* a user override (TSV ``target<TAB>donor segments[<TAB>voice]``), which always wins.

A segment whose best cost exceeds :data:`UNMAPPED_COST`, or that has no features at all, is
reported in ``unmapped`` (rendered with its best match when it has one, dropped when not).

Suprasegmentals (the stated rule):

* **Length** (ː): the donor's long segment when it has one; otherwise the short segment followed by
  espeak-ng's lengthen mark ``:``. Rendered.
* **Stress** (ˈ ˌ): kept where the G2P marks it (espeak-ng G2P does). Where the G2P marks none
  (epitran, rules), every word of two or more syllables gets primary stress on its penultimate
  syllable — a neutral default, since espeak-ng otherwise stresses the last vowel of phoneme input.
* **Tone** (accents ́ ̀ ̄ ̂ ̌ ̋ ̏ and tone letters ˥˦˧˨˩): rendered as a pitch level per syllable with
  espeak-ng's embedded pitch command, relative to the rendition's pitch: extra-high +30, high +20,
  mid 0, low -18, extra-low -28 (0-99 scale). A contour tone is rendered at its first level
  (falling ̂ = high, rising ̌ = low): espeak-ng sets pitch per syllable, not within one. In a text
  with tone marks, unmarked vowels are mid. Tone marks are not part of ``donor_phonemes``.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SynthkitError
from . import ipa

INDEL = 0.5
SYLLABLE_BREAK = "."
SPLIT_PENALTY = 0.03
LENGTH_COST = 0.02
UNMAPPED_COST = 0.2
#: Segments a donor that lacks them leaves out, at this cost, rather than put another sound in their
#: place: a glottal stop (Arabic ʔarbaʕa, Hawaiian ʻokina) heard as k or q changes the word; left out,
#: as languages without it borrow such words, it does not.
OMISSIBLE = {"ʔ": 0.1}

TIE = "\u0361"
_PRENASAL = {"ᵐ": "m", "ⁿ": "n", "ᵑ": "ŋ", "ᶬ": "ɱ", "ᶮ": "ɲ"}
_SECONDARY = {"ʷ": "w", "ʲ": "j", "ʰ": "h", "ʼ": "ʔ", "ˠ": "ɣ", "ˤ": "ʕ", "ʱ": "ɦ"}
_NASALIZED = "\u0303"
CLICKS = frozenset("ǃǀǁǂʘ")
#: Tone mark -> pitch offset on espeak-ng's 0-99 pitch scale.
TONE_OFFSETS = {"\u030b": 30, "\u0301": 20, "\u0304": 0, "\u0300": -18, "\u030f": -28,
                "\u0302": 20, "\u030c": -18, "\u1dc4": 0, "\u1dc5": -18, "\u1dc6": 0, "\u1dc7": 20,
                "\u1dc8": -18, "\u1dc9": 0,
                "˥": 30, "˦": 20, "˧": 0, "˨": -18, "˩": -28}
EMBEDDED_PITCH = "\x01{}P"


_FT = None


def share_feature_table(ft) -> None:
    """Use an already built panphon FeatureTable (epitran builds one; building costs ~1 s)."""
    global _FT
    if _FT is None:
        _FT = ft


def _feature_table():
    global _FT
    if _FT is None:
        try:
            import panphon
        except ImportError:
            from ..errors import missing_extra

            raise missing_extra("panphon", "core", "Phoneme mapping") from None
        _FT = panphon.FeatureTable()
    return _FT


class _FeatureCache:
    """What synthkit asks panphon (segmentation, feature vectors, weights), kept on disk so that a
    run whose segments were all seen before never builds panphon's feature table (about a second,
    in every process that needs it). Keyed by panphon's version; saved at exit when it grew."""

    def __init__(self) -> None:
        self.data: dict[str, Any] | None = None
        self.dirty = False

    def _path(self) -> Path:
        import importlib.metadata
        import os

        try:
            version = importlib.metadata.version("panphon")
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        root = os.environ.get("SYNTHKIT_CACHE") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "synthkit")
        return Path(root) / "panphon" / f"features-{version}.json"

    def _load(self) -> dict[str, Any]:
        if self.data is None:
            import atexit
            import json

            try:
                self.data = json.loads(self._path().read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.data = {"segs": {}, "weights": None}
            atexit.register(self.save)
        return self.data

    def segs(self, s: str) -> list[str]:
        d = self._load()["segs"]
        if s not in d:
            d[s] = _feature_table().ipa_segs(s)
            self.dirty = True
        return d[s]

    def vectors(self, s: str) -> list[list[int]]:
        d = self._load().setdefault("vectors", {})
        if s not in d:
            d[s] = _feature_table().word_to_vector_list(s, numeric=True)
            self.dirty = True
        return d[s]

    def weights(self) -> list[float]:
        d = self._load()
        if not d.get("weights"):
            d["weights"] = list(_feature_table().weights)
            self.dirty = True
        return d["weights"]

    def save(self) -> None:
        if not self.dirty or self.data is None:
            return
        import json
        import os

        path = self._path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.data, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
            self.dirty = False
        except OSError:
            pass


_CACHE = _FeatureCache()


@lru_cache(maxsize=1)
def _weights() -> np.ndarray:
    return np.asarray(_CACHE.weights(), dtype=np.float64)


def save_feature_cache() -> None:
    _CACHE.save()


@dataclass(frozen=True)
class Seg:
    """A target segment taken apart: ``base`` carries the features; the rest is suprasegmental."""

    base: str
    stress: str = ""
    tone: str = ""
    long: bool = False

    @classmethod
    def parse(cls, seg: str) -> Seg:
        return _parse(seg)

    @classmethod
    def _parse(cls, seg: str) -> Seg:
        d = unicodedata.normalize("NFD", seg)
        stress = "".join(c for c in d if c in ipa.STRESS)
        tone = "".join(c for c in d if c in ipa.TONE_MARKS)
        long = any(c in ipa.LENGTH_MARKS for c in d)
        # '.' is IPA's syllable break, not part of a sound (espeak-ng's Arabic writes a vowel after an
        # emphatic consonant as 'i.')
        base = "".join(c for c in d if c not in ipa.STRESS and c not in ipa.TONE_MARKS and c not in ipa.LENGTH_MARKS
                       and c != SYLLABLE_BREAK)
        return cls(unicodedata.normalize("NFC", base), stress, tone, long)


@lru_cache(maxsize=65536)
def _parse(seg: str) -> Seg:
    return Seg._parse(seg)


@lru_cache(maxsize=65536)
def canonical(seg: str) -> str:
    """One spelling per sound: an untied affricate written as one phoneme (espeak-ng writes 'tʃ') is
    tied ('t͡ʃ') when panphon knows the tied form; NFC."""
    s = unicodedata.normalize("NFC", seg)
    parts = _CACHE.segs(s)
    if len(parts) == 2 and TIE not in s and "".join(parts) == s:
        tied = parts[0] + TIE + parts[1]
        if _CACHE.segs(tied) == [tied]:
            return tied
    return s


@lru_cache(maxsize=65536)
def vectors(seg: str) -> np.ndarray | None:
    """Feature vectors (n_segments, n_features) of an IPA string; None when panphon knows none of it."""
    s = canonical(seg)
    parts = _CACHE.segs(s)
    nfd = lambda x: unicodedata.normalize("NFD", x).replace(TIE, "")  # noqa: E731
    if not parts or nfd("".join(parts)) != nfd(s):
        return None  # panphon would silently ignore part of it (e.g. prenasalization): no honest features
    vecs = _CACHE.vectors(s)
    if len(vecs) != len(parts) or not vecs:
        return None
    return np.asarray(vecs, dtype=np.float64)


#: Weight of the unweighted feature count, which only breaks ties between equally weighted choices
#: (n̩ is as far from l̩ as from n by panphon's weights, but differs from n in one feature only).
TIE_BREAK = 1e-3

#: panphon's features in its order (checked against panphon in the tests).
FEATURES = ("syl", "son", "cons", "cont", "delrel", "lat", "nas", "strid", "voi", "sg", "cg", "ant", "cor",
            "distr", "lab", "hi", "lo", "back", "round", "velaric", "tense", "long", "hitone", "hireg")
_F = {name: i for i, name in enumerate(FEATURES)}
#: The manner features that tell kinds of one class apart (trill, tap or approximant rhotic; fricative or
#: affricate sibilant); syllabicity, nasality and laterality are contrasts within a class and count fully.
CLASS_MANNER = ("son", "cons", "cont", "delrel", "strid")
#: Added to the cost of putting a segment of one sound class for one of another (a glide for a rhotic,
#: a stop for a sibilant): listeners hear a rhotic for a rhotic as the same sound in another accent,
#: but a glide as another word ("three" as [θjiː]). Half the :data:`UNMAPPED_COST`: a substitute of
#: another class is reported as unmapped unless it is otherwise close.
CLASS_PENALTY = 0.1
#: Within one sound class, how much the :data:`CLASS_MANNER` features count: a tap, a trill and an
#: approximant rhotic (ɾ r ɹ), or a fricative and an affricate sibilant (s t͡s), are one class.
IN_CLASS_MANNER = 0.5
SOUND_CLASSES = ("vowel", "nasal", "rhotic", "lateral", "glide", "sibilant", "stop", "fricative")


def sound_class(v: np.ndarray) -> str:
    """The broad class of one segment's feature vector, from panphon's manner features:

    * vowel: syllabic and not consonantal (a syllabic nasal or liquid keeps its consonant class);
    * nasal; rhotic: the trills and taps (r ɾ ʀ ɽ: sonorant consonants with no delayed release
      value), the coronal approximants (ɹ ɻ) and the voiced uvular fricative ʁ (the r of French and
      German); lateral (l ɫ ʎ ɬ ɮ ɺ);
    * glide: other non-consonantal continuant sonorants (j w ɥ ɰ ʋ);
    * sibilant: strident coronals, fricatives and affricates (s z ʃ ʒ ɕ ʑ ʂ ʐ t͡s t͡ʃ d͡ʒ);
    * stop: other non-continuants (plosives, ejectives, implosives, clicks, ʔ, p͡f);
    * fricative: the rest (f v θ ð x ɣ χ ħ ʕ h ɦ β ç).
    """
    def f(name: str) -> float:
        return v[_F[name]]

    if f("syl") > 0 and f("cons") < 0:
        return "vowel"
    if f("nas") > 0:
        return "nasal"
    if f("lat") > 0:
        return "lateral"
    if f("son") > 0 and f("cons") > 0 and f("cont") > 0 and f("delrel") == 0:
        return "rhotic"
    if f("son") > 0 and f("cons") < 0 and f("cont") > 0:
        return "rhotic" if f("cor") > 0 else "glide"
    if f("son") < 0 and f("cont") > 0 and f("voi") > 0 and f("back") > 0 and f("hi") < 0 and f("lo") < 0:
        return "rhotic"  # the voiced uvular fricative ʁ: French and German r
    if f("strid") > 0 and f("cor") > 0:
        return "sibilant"
    if f("cont") < 0:
        return "stop"
    return "fricative"


@lru_cache(maxsize=65536)
def segment_class(seg: str) -> str | None:
    """:func:`sound_class` of a one-segment IPA string; None for a sequence or a string without features."""
    v = vectors(seg)
    return sound_class(v[0]) if v is not None and len(v) == 1 else None


@lru_cache(maxsize=4)
def _in_class_scale(n: int) -> np.ndarray:
    scale = np.ones(n)
    for name in CLASS_MANNER:
        scale[_F[name]] = IN_CLASS_MANNER
    return scale


def _sub(a: np.ndarray, b: np.ndarray) -> float:
    """Cost of one segment for another (see module doc): within a sound class the :data:`CLASS_MANNER`
    features count :data:`IN_CLASS_MANNER`; across classes every feature counts fully, plus
    :data:`CLASS_PENALTY`."""
    w = _weights()  # panphon weighs its first len(w) features (the tone features carry no weight)
    diff = np.abs(a[: w.size] - b[: w.size])
    same = sound_class(a) == sound_class(b)
    weighted = float(np.sum(w * diff * (_in_class_scale(w.size) if same else 1.0)))
    return (weighted / (2 * np.sum(w)) + (0.0 if same else CLASS_PENALTY)
            + TIE_BREAK * np.count_nonzero(diff) / w.size)


@lru_cache(maxsize=262144)
def distance(a: str, b: str) -> float:
    """Feature distance between two IPA strings in [0, ~1]; inf when either has no features."""
    va, vb = vectors(a), vectors(b)
    if va is None or vb is None:
        return float("inf")
    if len(va) == 1 and len(vb) == 1:
        return _sub(va[0], vb[0])
    m, n = len(va), len(vb)
    d = np.zeros((m + 1, n + 1))
    d[:, 0] = np.arange(m + 1) * INDEL
    d[0, :] = np.arange(n + 1) * INDEL
    for i in range(1, m + 1):
        for j in range(1, n + 1):
            d[i, j] = min(d[i - 1, j] + INDEL, d[i, j - 1] + INDEL, d[i - 1, j - 1] + _sub(va[i - 1], vb[j - 1]))
    return float(d[m, n] / max(m, n))


def decompositions(base: str) -> list[list[str]]:
    """Sequences a complex segment may be rendered as (see module doc)."""
    s = unicodedata.normalize("NFD", base)
    out: list[list[str]] = []
    if TIE in s:
        out.append([unicodedata.normalize("NFC", p) for p in s.replace("\u035c", TIE).split(TIE) if p])
    if s and s[0] in _PRENASAL and len(s) > 1:
        out.append([_PRENASAL[s[0]], unicodedata.normalize("NFC", s[1:])])
    for mark, sound in _SECONDARY.items():
        if mark in s and len(s) > 1:
            out.append([unicodedata.normalize("NFC", s.replace(mark, "")), sound])
    if _NASALIZED in s and len(s) > 1:
        out.append([unicodedata.normalize("NFC", s.replace(_NASALIZED, "")), "ŋ"])
    if TIE not in s:
        parts = _CACHE.segs(unicodedata.normalize("NFC", s))
        if len(parts) >= 2 and "".join(parts) == unicodedata.normalize("NFC", s):
            out.append(parts)  # diphthongs, untied affricates, clusters written as one phoneme
    return [p for p in out if len(p) >= 2 and all(p)]


@dataclass(frozen=True)
class SegmentMap:
    target: str  # base segment (no stress, tone or length)
    donor: tuple[str, ...]  # donor segments it is rendered as; () = dropped
    cost: float
    how: str  # exact | nearest | decomposed | override | omitted | dropped

    @property
    def unmapped(self) -> bool:
        """No donor segment, or none within :data:`UNMAPPED_COST`; a user override and an omitted
        segment (:data:`OMISSIBLE`) are never unmapped (their cost still counts in the ranking)."""
        if self.how in ("override", "omitted"):
            return False
        return not self.donor or self.cost > UNMAPPED_COST


def load_overrides(path: str | Path, voice: str | None = None) -> dict[str, tuple[str, ...]]:
    """Read a ``target<TAB>donor segments[<TAB>voice]`` TSV (``#`` comments). Rows naming another
    voice are skipped."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SynthkitError(f"cannot read mapping overrides {p}: {exc}") from None
    out: dict[str, tuple[str, ...]] = {}
    for n, row in enumerate(csv.reader(text.splitlines(), delimiter="\t"), start=1):
        if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) < 2 or not row[1].strip():
            raise SynthkitError(f"{p}:{n}: expected 'target<TAB>donor segments[<TAB>voice]'")
        if len(row) >= 3 and row[2].strip() and voice and row[2].strip() != voice:
            continue
        out[Seg.parse(row[0].strip()).base] = tuple(row[1].split())
    return out


class UnrenderableOverride(SynthkitError):
    """A mapping override names donor segments this donor voice cannot render (the voice, not the file,
    is the problem: ranking skips such a donor and says so)."""


#: A glide is the non-syllabic form of a high vowel. When a donor has no glide with the target glide's
#: lip position (feature ``lab``), the glide goes to its vowel, not to the other glide: languages
#: without /w/ take it as [u], [v] or [ʋ], never as [j], which feature distance alone would choose
#: (w -> j 0.10 against w -> u 0.26, most of it the class penalty). The vowel's cost waives the class
#: penalty: w is u, not syllabic.
GLIDE_VOWELS = {"w": "u", "ɥ": "y", "j": "i", "ɰ": "ɯ"}


def _lip(seg: str) -> float:
    return float(vectors(seg)[0][_F["lab"]])


class Mapper:
    """Maps target segments onto one donor inventory (IPA segment -> espeak-ng mnemonic)."""

    def __init__(self, donor_segments: Iterable[str], overrides: dict[str, tuple[str, ...]] | None = None,
                 native: Iterable[str] = (), voice: str = "") -> None:
        self.voice = voice
        self.items = sorted(set(donor_segments))
        self._by_canon = {canonical(x): x for x in self.items}
        self._singles = [x for x in self.items if vectors(x) is not None and len(vectors(x)) == 1]
        self._featured = [x for x in self.items if vectors(x) is not None]
        self.native = frozenset(native)
        self._cache: dict[tuple[str, bool], tuple[SegmentMap, bool]] = {}
        self.overrides: dict[str, tuple[str, ...]] = {}
        for target, donor in (overrides or {}).items():
            missing = [d for d in donor if canonical(d) not in self._by_canon]
            if missing:
                raise UnrenderableOverride(f"mapping override {target} -> {' '.join(donor)}: voice {voice or '?'} "
                                           f"cannot render {' '.join(missing)}")
            self.overrides[target] = tuple(self._by_canon[canonical(d)] for d in donor)

    def _nearest(self, base: str, pool: list[str]) -> tuple[str | None, float]:
        """The donor segment for ``base``: itself; else the nearest of its sound class when the donor
        has one (a rhotic for a rhotic even when a glide is nearer by features); else the nearest."""
        exact = self._by_canon.get(canonical(base))
        if exact is not None:
            return exact, 0.0
        klass = segment_class(base)
        same = [x for x in pool if klass is not None and segment_class(x) == klass]
        if base in GLIDE_VOWELS and same:  # a glide of the same lip position, else the vowel (GLIDE_VOWELS)
            lipped = [x for x in same if _lip(x) == _lip(base)]
            vowels = [x for x in pool if segment_class(x) == "vowel"]
            if lipped:
                same = lipped
            elif vowels:
                v = min(vowels, key=lambda x: distance(GLIDE_VOWELS[base], x))
                return v, distance(base, v) - CLASS_PENALTY
        best, best_cost = None, float("inf")
        for x in same or pool:
            c = distance(base, x)
            if c < best_cost:
                best, best_cost = x, c
        return best, best_cost

    def map_base(self, base: str) -> SegmentMap:
        if base in self.overrides:
            donor = self.overrides[base]
            return SegmentMap(base, donor, distance(base, "".join(donor)) if donor else 0.0, "override")
        single, cost = self._nearest(base, self._featured)
        same = single is not None and canonical(single) == canonical(base)
        best = SegmentMap(base, (single,) if single else (), cost, "exact" if same else "nearest")
        if same:
            return best
        for parts in decompositions(base):
            mapped = [self._nearest(p, self._singles) for p in parts]
            if any(m is None for m, _ in mapped):
                continue
            c = sum(pc for _, pc in mapped) / len(parts) + SPLIT_PENALTY
            if c < best.cost:
                best = SegmentMap(base, tuple(m for m, _ in mapped), c, "decomposed")
        omit = OMISSIBLE.get(base)
        if omit is not None and omit < best.cost:
            return SegmentMap(base, (), omit, "omitted")
        if not best.donor:
            return SegmentMap(base, (), 1.0, "dropped")
        return best

    def map(self, seg: str) -> tuple[SegmentMap, bool]:
        """(mapping of the segment's base, whether to add espeak-ng's lengthen mark)."""
        s = Seg.parse(seg)
        key = (s.base, s.long)
        if key not in self._cache:
            lengthen = False
            if s.long:
                long_form = self._by_canon.get(canonical(s.base + "ː"))
                if long_form is not None and s.base not in self.overrides:
                    sm = SegmentMap(s.base + "ː", (long_form,), 0.0, "exact")
                else:
                    sm = self.map_base(s.base)
                    lengthen = bool(sm.donor)
                    if lengthen:
                        sm = SegmentMap(sm.target + "ː", sm.donor, sm.cost + LENGTH_COST, sm.how)
            else:
                sm = self.map_base(s.base)
            self._cache[key] = (sm, lengthen)
        return self._cache[key]


# --- sentences ------------------------------------------------------------------------------------

@dataclass
class MappedSentence:
    donor_words: list[list[str]]  # IPA segments rendered, per word (stress marks and ː included)
    mnemonic_words: list[str]  # espeak-ng [[...]] body per word
    cost: float  # token-weighted mean mapping cost
    unmapped: list[str] = field(default_factory=list)  # target segments with no acceptable match

    def render_text(self, punctuation: list[str] | None = None) -> str:
        """espeak-ng input: one ``[[word]]`` per word, the sentence's punctuation between them (so the
        donor voice phrases the clauses as it would text)."""
        punct = punctuation or [""] * len(self.mnemonic_words)
        return " ".join(f"[[{w}]]{p}" for w, p in zip(self.mnemonic_words, punct))


@lru_cache(maxsize=65536)
def is_vowel(seg: str) -> bool:
    """Whether a segment is (starts with) a vowel; by symbol, so no feature table is needed."""
    for c in unicodedata.normalize("NFD", seg):
        if c in ipa.STRESS or unicodedata.category(c) == "Mn":
            continue
        return c in ipa.VOWELS
    return False


def default_stress(words: list[list[str]]) -> list[list[str]]:
    """Words without stress marks get primary stress on the penultimate syllable (see module doc)."""
    out = []
    for w in words:
        if any(c in ipa.STRESS for s in w for c in s):
            out.append(w)
            continue
        nuclei = [i for i, s in enumerate(w) if is_vowel(Seg.parse(s).base)]
        w = list(w)
        if len(nuclei) >= 2:
            i = nuclei[-2]
            w[i] = "ˈ" + w[i]
        out.append(w)
    return out


def map_sentence(words: list[list[str]], mapper: Mapper, to_mnemonic: dict[str, str], pitch: int = 50,
                 tonal: bool = False) -> MappedSentence:
    """Map a sentence's words (IPA segments) onto the donor and build espeak-ng phoneme input.

    ``pitch`` is the rendition's base pitch (0-99) that tone levels are relative to; ``tonal`` makes
    unmarked vowels mid tone (set it when the text marks tone)."""
    words = default_stress(words)
    donor_words: list[list[str]] = []
    mnem_words: list[str] = []
    costs: list[float] = []
    unmapped: list[str] = []
    for w in words:
        dw: list[str] = []
        mw: list[str] = []
        onset = 0  # where in mw the consonants before the next nucleus begin
        for seg in w:
            s = Seg.parse(seg)
            sm, lengthen = mapper.map(seg)
            costs.append(sm.cost)
            if sm.unmapped:
                name = unicodedata.normalize("NFC", s.base + ("ː" if s.long else ""))
                if name not in unmapped:
                    unmapped.append(name)
            if not sm.donor:
                continue
            vowel = is_vowel(s.base)
            nucleus = tonal and vowel or bool(s.tone)
            if nucleus:
                # The pitch command goes before the syllable's onset (every consonant since the last
                # nucleus), not between onset and vowel: espeak-ng ends a word at an embedded command,
                # and a donor with final devoicing (bg, de) would devoice the stranded onset
                # (Yoruba "báwo" through bg said "páwo").
                offset = TONE_OFFSETS.get(s.tone[:1], 0) if s.tone else 0
                mw.insert(onset, EMBEDDED_PITCH.format(max(0, min(99, pitch + offset))))
            for k, d in enumerate(sm.donor):
                mark = s.stress if k == 0 else ""
                dw.append(mark + d + ("ː" if lengthen and k == len(sm.donor) - 1 else ""))
                mw.append(ipa_to_mnemonic_mark(mark) + to_mnemonic[d] +
                          (":" if lengthen and k == len(sm.donor) - 1 else ""))
            if nucleus or vowel:
                onset = len(mw)
        if dw:
            donor_words.append(dw)
            mnem_words.append("".join(mw))
    cost = float(np.mean(costs)) if costs else 0.0
    return MappedSentence(donor_words, mnem_words, cost, unmapped)


def as_rendered(planned: list[list[str]], reported: tuple[str, ...] | list[str]) -> list[list[str]]:
    """What a donor voice said, in ``donor_phonemes`` form, from the phonemes its backend reported
    (words separated by :data:`synthkit.text.ipa.WORD_SEP`): the reported segments are the truth
    (espeak-ng's rules still act on phoneme input: German devoices a final obstruent, unstressed
    vowels reduce in Russian or Catalan), normalized to NFC, with espeak-ng's ejective mark ```` ` ````
    written ``ʼ``. espeak-ng does not report its lengthen mark, so where a word's reported segments line
    up one to one with the planned ones, a planned ``ː`` missing from the report is kept."""
    words: list[list[str]] = [[]]
    for p in reported:
        if p == ipa.WORD_SEP:
            words.append([])
        elif p:
            seg = unicodedata.normalize("NFC", p[:-1] + "ʼ" if p.endswith("`") else p)
            words[-1].append(seg)
    words = [w for w in words if w]
    if len(words) != len(planned):
        return words
    out = []
    for said, plan in zip(words, planned):
        if len(said) == len(plan):
            said = [s + "ː" if q.endswith("ː") and not s.endswith("ː") else s for s, q in zip(said, plan)]
        out.append(said)
    return out


def ipa_to_mnemonic_mark(mark: str) -> str:
    return {"ˈ": "'", "ˌ": ","}.get(mark, "")


def punctuation_after_words(text: str, n_words: int) -> list[str] | None:
    """Trailing punctuation of each whitespace word of ``text`` when there are exactly ``n_words``
    words with letters (the G2P's words); None when they do not line up."""
    tokens = [t for t in text.replace("-", " ").split() if any(unicodedata.category(c)[0] in "LN" for c in t)]
    if len(tokens) != n_words:
        return None
    out = []
    for t in tokens:
        tail = ""
        for c in reversed(t):
            if unicodedata.category(c).startswith("P"):
                tail = c + tail
            else:
                break
        out.append("".join(c for c in tail if c in ",.;:!?"))
    return out
