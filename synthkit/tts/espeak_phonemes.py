"""What each espeak-ng voice can say, derived from espeak-ng itself, and the mnemonic <-> IPA table.

* The phoneme tables come from espeak-ng's compiled ``phontab`` (the tables, their inheritance and
  every phoneme mnemonic with its type). A voice uses the table named by its voice file (``phonemes``
  line, else its language); a table inherits its parent's phonemes and overrides them by code.
* The IPA of each mnemonic comes from espeak-ng speaking it with IPA phoneme events on: a vowel as
  the stressed nucleus of ``[[t'mta]]``, a consonant as the onset of a syllable (``[[m'a]]``), since
  alone (or in a coda, or word-final) it is what the language's final-position rules make of it
  (German ``[[z]]`` is spoken [s]; Hindi shortens a lone ``[[i:]]`` to [i]; Italian says a lone
  ``[[u]]`` as [ʊ], ``[[E]]`` as [e]). That is the table between mnemonics and IPA (:func:`probe_ipa`).
* Every voice inherits espeak-ng's shared base tables, so what a voice *can* render says little about
  what it renders *well*. A voice's inventory is therefore what its language uses: the phonemes its
  own tables define (*native*), plus the phonemes espeak-ng's rules for that language produce from a
  probe text — pseudo-words over the letters and common digraphs of the language's script (pairs of
  letters; in scripts with vowel signs every letter with every sign), and the numbers 0-100 and a few
  larger ones (:func:`probe_text`), read :data:`PROBE_WORDS` words at a time. Every sound phoneme of the effective
  table stays renderable (``ipa_to_mnemonic``), e.g. for user overrides.

Deriving all voices takes about 12 s (2 cores); the result is cached on disk (``$SYNTHKIT_CACHE``), keyed
by the espeak-ng data files, and in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import espeak_lib

_TAB_NAME_LEN = 32
_PHONEME_STRUCT = struct.Struct("<IIHBBBBBB")  # mnemonic, flags, program, code, type, start, end, len, lenmod
#: espeak-ng phoneme types that are speech sounds (phVOWEL .. phNASAL).
SOUND_TYPES = {2: "vowel", 3: "liquid", 4: "stop", 5: "voiced stop", 6: "fricative", 7: "voiced fricative",
               8: "nasal"}
#: Tables every voice inherits; phonemes from them are not "native" to a language.
SHARED_TABLES = ("base", "base1")
#: Mnemonic that lengthens the preceding phoneme in ``[[...]]`` input.
LENGTHEN = ":"
STRESS_MNEMONICS = {"ˈ": "'", "ˌ": ","}
#: Families of constructed or fictional languages, left out of automatic donor choice.
CONSTRUCTED_FAMILY = "art"
#: 8: placeholders written as IPA (espeak_lib.PLACEHOLDER_IPA); 9: vowels probed in [[t'Vta]];
#: 10: every pair of letters of an alphabet probed before a (probe_text); 11: every letter of other
#: scripts with every sign, every pair where the script has at most 100 letters; 12: probe text read as
#: espeak-ng reads synthkit's text (espeak_lib.espeak_text: Hebrew points left out, not spelled out)
FORMAT_VERSION = 12


@dataclass(frozen=True)
class PhonemeTable:
    name: str
    parent: int | None  # index of the table this one includes
    phonemes: tuple[tuple[str, int, int], ...]  # (mnemonic, code, type)


@lru_cache(maxsize=1)
def phoneme_tables() -> tuple[PhonemeTable, ...]:
    """Parse espeak-ng's ``phontab``."""
    data = (Path(espeak_lib.paths()[1]) / "phontab").read_bytes()
    n_tables, pos = data[0], 4
    tables = []
    for _ in range(n_tables):
        n_ph, includes = data[pos], data[pos + 1]
        pos += 4
        name = data[pos:pos + _TAB_NAME_LEN].split(b"\0")[0].decode("ascii")
        pos += _TAB_NAME_LEN
        phs = []
        for _ in range(n_ph):
            mnem, _fl, _prog, code, typ, *_rest = _PHONEME_STRUCT.unpack_from(data, pos)
            pos += _PHONEME_STRUCT.size
            m = mnem.to_bytes(4, "little").rstrip(b"\0").decode("latin-1")
            if m:
                phs.append((m, code, typ))
        tables.append(PhonemeTable(name, includes - 1 if includes > 0 else None, tuple(phs)))
    return tuple(tables)


def effective_table(name: str) -> dict[int, tuple[str, int, str]]:
    """code -> (mnemonic, type, defining table) for a table with everything it inherits."""
    tables = phoneme_tables()
    index = {t.name: i for i, t in enumerate(tables)}
    if name not in index:
        raise KeyError(name)

    def build(i: int) -> dict[int, tuple[str, int, str]]:
        t = tables[i]
        tab = build(t.parent) if t.parent is not None else {}
        for m, code, typ in t.phonemes:
            tab[code] = (m, typ, t.name)
        return tab

    return build(index[name])


def _voice_file(identifier: str) -> Path:
    data = Path(espeak_lib.paths()[1])
    for sub in ("voices", "lang"):
        p = data / sub / identifier
        if p.is_file():
            return p
    raise FileNotFoundError(identifier)


def _voice_keys(identifier: str) -> dict[str, str]:
    """First value of each keyword line of a voice file (``language``, ``phonemes``, ``dictionary``)."""
    keys: dict[str, str] = {}
    for line in _voice_file(identifier).read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            keys.setdefault(parts[0], parts[1])
    return keys


def has_dictionary(identifier: str) -> bool:
    """Whether the voice's pronunciation dictionary ships in the data (some voices' do not)."""
    keys = _voice_keys(identifier)
    name = keys.get("dictionary") or keys.get("language", "").split("-")[0]
    return (Path(espeak_lib.paths()[1]) / f"{name}_dict").is_file()


def table_name_for(identifier: str) -> str:
    """The phoneme table a voice uses: its ``phonemes`` line, else its first ``language``."""
    keys = _voice_keys(identifier)
    phonemes, language = keys.get("phonemes"), keys.get("language")
    names = {t.name for t in phoneme_tables()}
    for cand in (phonemes, language, (language or "").split("-")[0]):
        if cand and cand in names:
            return cand
    return "base1"


@dataclass(frozen=True)
class Inventory:
    """The IPA segments an espeak-ng voice can render and the mnemonic that renders each."""

    voice: str  # espeak-ng language code, e.g. "sw"
    name: str
    identifier: str  # voice file, e.g. "bnt/sw"
    table: str
    ipa_to_mnemonic: dict[str, str] = field(default_factory=dict)  # every renderable sound phoneme
    native: frozenset[str] = frozenset()  # IPA of phonemes defined outside the shared base tables
    kinds: dict[str, str] = field(default_factory=dict)  # IPA -> sound type
    used: frozenset[str] = frozenset()  # native + what the language's rules produce (the inventory)

    @property
    def segments(self) -> list[str]:
        """The inventory used for mapping (see module doc)."""
        return sorted(self.used)

    @property
    def constructed(self) -> bool:
        return self.identifier.startswith(CONSTRUCTED_FAMILY + "/")

    def to_dict(self) -> dict:
        return {"voice": self.voice, "name": self.name, "identifier": self.identifier, "table": self.table,
                "ipa_to_mnemonic": self.ipa_to_mnemonic, "native": sorted(self.native), "kinds": self.kinds,
                "used": sorted(self.used)}

    @classmethod
    def from_dict(cls, d: dict) -> Inventory:
        return cls(d["voice"], d["name"], d["identifier"], d["table"], d["ipa_to_mnemonic"],
                   frozenset(d["native"]), d["kinds"], frozenset(d["used"]))


def _clean_ipa(events: tuple[str, ...]) -> str:
    import unicodedata

    from ..text.ipa import STRESS

    return unicodedata.normalize("NFC", "".join(c for e in events for c in e if c not in STRESS))


def _well_formed(ipa: str) -> bool:
    """IPA whose every part panphon knows (drops the placeholders espeak-ng reports by mnemonic, such as
    'ɣ^' or 'ə-', that :data:`espeak_lib.PLACEHOLDER_IPA` does not name)."""
    if not ipa or any(c in ipa for c in ".^#()0123456789`"):
        return False
    from ..text.mapping import vectors

    return vectors(ipa) is not None


#: The syllable a consonant is probed in: ``[[C'a]]``, an onset before a stressed vowel. A consonant said
#: alone, or in a coda, is what a language's final-position rules make of it (German and Dutch devoice a
#: final obstruent: ``[[z]]`` is spoken [s], ``[[za]]`` [za]); between vowels some voices lenite it
#: (Spanish ``[['aba]]`` is [aβa], American English ``[['ata]]`` [aɾa]). The onset is where espeak-ng's
#: tables say what the phoneme is.
PROBE_VOWEL = "a"
#: The consonant around a probed vowel: ``[[t'Vta]]`` (see :func:`probe_ipa`).
PROBE_CONSONANT = "t"


def _said(session, text: str, identifier: str) -> tuple[str, ...]:
    r = session.synthesize(text, identifier, 175, 50, 50, True, 0)
    return tuple(p for p in r.phonemes if p)


def probe_ipa(session, mnemonic: str, sound_type: int, identifier: str, vowel_events: tuple[str, ...],
              frame_events: tuple[str, ...] = ()) -> str:
    """The IPA espeak-ng reports for one phoneme mnemonic of a voice: a consonant as the onset of
    ``[[C'a]]`` (see :data:`PROBE_VOWEL`), a vowel as the stressed nucleus of ``[[t'Vta]]``; alone when
    the frame does not come back as it is said around the probe vowel (``vowel_events``: ``[['a]]``;
    ``frame_events``: ``[[t'ata]]``), i.e. the phoneme changed its neighbours."""
    if sound_type == 2 and len(frame_events) == 4:
        c = PROBE_CONSONANT
        events = _said(session, f"[[{c}'{mnemonic}{c}{PROBE_VOWEL}]]", identifier)
        if len(events) > 3 and events[0] == frame_events[0] and events[-2:] == frame_events[-2:]:
            return _clean_ipa(events[1:-2])
    elif sound_type != 2 and vowel_events:
        events = _said(session, f"[[{mnemonic}'{PROBE_VOWEL}]]", identifier)
        n = len(vowel_events)
        if len(events) > n and events[-n:] == vowel_events:
            return _clean_ipa(events[:-n])
    return _clean_ipa(_said(session, f"[[{mnemonic}]]", identifier))


def derive_inventory(session, voice: str, name: str, identifier: str) -> Inventory:
    """Ask espeak-ng (an open :func:`espeak_lib.session`) for the IPA of every phoneme of a voice."""
    table = table_name_for(identifier)
    eff = effective_table(table)
    # closer tables first, so the mnemonic a language defines itself wins over an inherited one
    chain_order = {t: i for i, t in enumerate(_chain(table))}
    entries = sorted(((chain_order.get(src, 99), code, m, typ, src) for code, (m, typ, src) in eff.items()
                      if typ in SOUND_TYPES))
    m_to_ipa: dict[str, str] = {}
    native: set[str] = set()
    kinds: dict[str, str] = {}
    vowel_events = _said(session, f"[['{PROBE_VOWEL}]]", identifier)
    c, v = PROBE_CONSONANT, PROBE_VOWEL
    frame_events = _said(session, f"[[{c}'{v}{c}{v}]]", identifier)
    for _order, _code, m, typ, src in entries:
        ipa = probe_ipa(session, m, typ, identifier, vowel_events, frame_events)
        if ipa.endswith("`") and typ in (4, 5):  # stops with no IPA given: espeak-ng's ejectives (am, om, qu, ti)
            ipa = ipa[:-1] + "ʼ"
        if not _well_formed(ipa):
            continue
        m_to_ipa[m] = ipa
        kinds.setdefault(ipa, SOUND_TYPES[typ])
        if src not in SHARED_TABLES:
            native.add(ipa)
    # what the language's own rules produce, most frequent mnemonic first
    probed = Counter()
    words = probe_text(voice).split()
    clauses = [c for k in range(0, len(words), PROBE_WORDS)
               for c in session.text_to_phonemes(" ".join(words[k:k + PROBE_WORDS]), identifier, ipa=False,
                                                 separator="_")]
    for clause in clauses:
        for word in clause.split():
            for m in word.split("_"):
                m = m.strip("'',%=!|")
                if m in m_to_ipa:
                    probed[m] += 1
    ipa_to_m: dict[str, str] = {}
    for m, _ in probed.most_common():  # the mnemonic the language itself uses wins
        ipa_to_m.setdefault(m_to_ipa[m], m)
    for m, ipa in m_to_ipa.items():  # then the closest table in the chain (entries are sorted so)
        ipa_to_m.setdefault(ipa, m)
    used = native | {m_to_ipa[m] for m in probed}
    return Inventory(voice, name, identifier, table, ipa_to_m, frozenset(native), kinds, frozenset(used))


_LATIN_EXTRA = "".join(chr(c) for c in range(0xDF, 0x250) if chr(c).isalpha() and chr(c).islower())
_DIGRAPHS = ("ch sh th ng ny gh kh ph dh zh ts dz tz ck qu gu ll rr ss ie ei ou au ai oi ui eu oe ae ij sz cz "
             "rz gy ly nj lj dj gn sch tch mb nd nk ng' sy ty dy bh dh jh").split()
_HAN = ("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可里后小么心多天而能好"
        "都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把"
        "法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教")


#: Probe words read per call. Read whole, a long probe came back in part: espeak-ng's phonemes for the
#: 31,000-word Persian probe held 17,920 words and no g (read 50 words at a time: 38,123 words, گ as g).
PROBE_WORDS = 50

#: Scripts with at most this many letters are also probed with every pair of letters.
_PAIRS_UP_TO = 100

#: The basic lowercase letters of the alphabets among espeak-ng's scripts, first to last; the first is a
#: (а, α, ա, ა), which probe words put after each pair of letters.
_ALPHABETS = {"Cyrl": ("\u0430", "\u044f"), "Grek": ("\u03b1", "\u03c9"), "Armn": ("\u0561", "\u0586"),
              "Geor": ("\u10d0", "\u10f0")}


def probe_text(voice: str) -> str:
    """Pseudo-words over the letters of ``voice``'s script, common digraphs, and numbers."""
    import unicodedata

    from ..languages import ESPEAK_SCRIPTS
    from ..text.normalize import SCRIPT_NAMES

    script = ESPEAK_SCRIPTS.get(voice, "Latn")
    numbers = " ".join(str(n) for n in [*range(0, 101), 200, 1000, 2024, 10000, 1000000])
    if script in (None, "Latn"):
        letters = [chr(c) for c in range(ord("a"), ord("z") + 1)] + list(_LATIN_EXTRA) + _DIGRAPHS
        words = [w for L in letters for w in (f"{L}a", f"a{L}a", f"{L}i", f"u{L}u", f"{L}e", f"o{L}o")]
        return " ".join(words) + " " + numbers
    if script == "Hani":
        return "，".join(_HAN[i:i + 8] for i in range(0, len(_HAN), 8)) + " " + numbers
    prefixes = SCRIPT_NAMES.get(script, ())
    chars = [chr(c) for c in range(0x0370, 0x3100) if unicodedata.name(chr(c), "").startswith(prefixes)]
    letters = [c for c in chars if unicodedata.category(c) == "Lo" or unicodedata.category(c) == "Ll"]
    signs = [c for c in chars if unicodedata.category(c) in ("Mc", "Mn")]
    # every pair of letters where there are few (Hebrew נג [ŋ], Tamil ஃப [f]), else neighbours in code order
    pairs = ([a + b for a in letters for b in letters] if len(letters) <= _PAIRS_UP_TO
             else [a + b for a, b in zip(letters, letters[1:])])
    # and every letter with every vowel sign or mark: a letter alone may be read as its name, and the
    # letters past the basic ones (Uyghur ڭ گ ژ, Persian گ) were never heard in a syllable
    words = letters + pairs + [L + s for L in letters for s in signs]
    if script in _ALPHABETS:  # every two-letter onset before a (Bulgarian дж [dʒ], Greek τζ [dz])
        first, last = _ALPHABETS[script]
        basic = [chr(c) for c in range(ord(first), ord(last) + 1)]
        words += [a + b + first for a in basic for b in basic]
    return " ".join(words) + " " + numbers


def _chain(table: str) -> list[str]:
    tables = phoneme_tables()
    index = {t.name: i for i, t in enumerate(tables)}
    out, i = [], index.get(table)
    while i is not None:
        out.append(tables[i].name)
        i = tables[i].parent
    return out


def _cache_file() -> Path:
    data = Path(espeak_lib.paths()[1])
    h = hashlib.sha256(f"v{FORMAT_VERSION}".encode())
    for f in ("phontab", "phondata", "phonindex"):
        st = (data / f).stat()
        h.update(f"{f}:{st.st_size}".encode())
    h.update((data / "phontab").read_bytes())
    root = os.environ.get("SYNTHKIT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "synthkit")
    return Path(root) / "espeak" / f"inventories-{h.hexdigest()[:16]}.json"


@lru_cache(maxsize=1)
def inventories() -> dict[str, Inventory]:
    """Inventory of every espeak-ng voice, by language code (derived once, then cached on disk)."""
    cache = _cache_file()
    if cache.is_file():
        try:
            return {k: Inventory.from_dict(v) for k, v in json.loads(cache.read_text(encoding="utf-8")).items()}
        except (ValueError, KeyError):
            pass
    out: dict[str, Inventory] = {}
    voices = espeak_lib.list_voices()
    with espeak_lib.session() as s:
        for v in voices:
            lang = v.languages[0] if v.languages else v.identifier
            if lang in out or not has_dictionary(v.identifier):
                continue
            try:
                out[lang] = derive_inventory(s, lang, v.name, v.identifier)
            except (FileNotFoundError, KeyError, ValueError):
                continue
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({k: v.to_dict() for k, v in out.items()}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, cache)
    return out


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    """Every language code -> the code of the inventory of the voice espeak-ng prefers for it."""
    invs = inventories()
    out: dict[str, str] = {}
    for lang, v in espeak_lib.voice_for_language().items():
        primary = v.languages[0] if v.languages else v.identifier
        if primary in invs:
            out[lang.lower()] = primary
    return out


def inventory(voice: str) -> Inventory:
    inv = inventories().get(_aliases().get(voice.lower(), voice))
    if inv is None:
        from ..errors import SynthkitError

        raise SynthkitError(f"espeak-ng has no voice {voice!r} to use as a donor; see 'synthkit languages'")
    return inv
