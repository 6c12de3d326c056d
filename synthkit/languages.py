"""Which G2P and which voice serve a ``--lang`` code, decided offline.

``--lang`` accepts ISO 639-1 (``sw``), ISO 639-3 (``swa``), espeak-ng language codes (``en-us``) and
epitran codes (``swa-Latn``). Resolution, in order:

1. an epitran code names the G2P itself (``epitran:swa-Latn``);
2. an espeak-ng language code, or an ISO code whose language espeak-ng speaks, uses espeak-ng for
   both G2P and voice (``espeak:sw``) — espeak-ng handles stress and its own number reading;
3. otherwise the language's epitran map (``<iso639-3>-<Script>``), if epitran has one.

The voice is the espeak-ng voice for the language when one exists; otherwise there is none and the
text must be rendered through a donor voice.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from .errors import SynthkitError

#: Scripts of espeak-ng languages not written in Latin script (ISO 15924); others are Latn.
ESPEAK_SCRIPTS = {
    **dict.fromkeys(["hi", "mr", "ne", "kok", "bpy"], "Deva"),
    **dict.fromkeys(["ar", "fa", "ur", "sd", "ug"], "Arab"),
    **dict.fromkeys(["ru", "ru-cl", "ru-lv", "uk", "be", "bg", "mk", "kk", "ky", "tt", "ba", "cv", "nog"], "Cyrl"),
    **dict.fromkeys(["el", "grc"], "Grek"), "he": "Hebr", **dict.fromkeys(["am", "ti"], "Ethi"),
    "ka": "Geor", **dict.fromkeys(["hy", "hy-arevela", "hy-arevmda", "hyw"], "Armn"),
    **dict.fromkeys(["bn", "as"], "Beng"), "ta": "Taml", "te": "Telu", "kn": "Knda", "ml": "Mlym",
    "pa": "Guru", "gu": "Gujr", "or": "Orya", "si": "Sinh", "th": "Thai", "my": "Mymr", "ko": "Hang",
    "ja": "Jpan", **dict.fromkeys(["cmn", "yue", "hak", "zh", "zh-cmn", "zh-yue"], "Hani"),
    "chr-US-Qaaa-x-west": None, "shn": "Mymr",
}
#: Individual languages that espeak-ng or epitran list under their macrolanguage's code.
ALIASES = {"swh": "swa", "zsm": "msa", "pes": "fas", "arb": "ara", "ekk": "est", "lvs": "lav", "nob": "nor",
           "gaz": "orm", "khk": "mon", "uzn": "uzb"}


@dataclass(frozen=True)
class LanguageChoice:
    requested: str
    iso639_3: str
    iso639_1: str | None
    name: str
    script: str | None
    g2p: str  # spec for synthkit.text.g2p.make_g2p, e.g. "espeak:sw" or "epitran:yor-Latn"
    voice: str | None  # espeak-ng voice language that speaks it natively, or None

    @property
    def tag(self) -> str:
        """A short code for ids and file names."""
        return self.requested.replace("-", "").replace("_", "")

    def describe(self) -> str:
        voice = f"espeak-ng voice '{self.voice}'" if self.voice else "no native voice"
        return f"{self.name} ({self.iso639_3}): G2P {self.g2p}, {voice}"

    def to_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=1)
def espeak_languages() -> dict[str, str]:
    """espeak-ng language code -> voice name, for every voice the shipped data holds."""
    from .tts.espeak_lib import voice_for_language
    from .tts.espeak_phonemes import has_dictionary

    # a voice whose pronunciation dictionary is not in the shipped data (fo, kaa, xex) cannot speak
    return {lang: v.name for lang, v in sorted(voice_for_language().items()) if has_dictionary(v.identifier)}


@lru_cache(maxsize=1)
def epitran_codes() -> tuple[str, ...]:
    """Every epitran map code (``xxx-Scrp[-variant]``) in the installed epitran (found without importing
    it: importing epitran builds panphon's tables, seconds of work)."""
    from .checks import module_dir

    root = module_dir("epitran")
    if root is None:
        return ()
    d = root / "data" / "map"
    return tuple(sorted(p.stem for p in d.glob("*.csv") if p.stem.count("-") >= 1 and len(p.stem.split("-")[0]) == 3))


@lru_cache(maxsize=1)
def _iso_table() -> dict[str, tuple[str, str | None, str]]:
    """ISO 639-1 and 639-3 code -> (639-3, 639-1, name), from pycountry's ISO 639-3 database read
    directly (a plain JSON read; pycountry's own loader builds an object per language, about 4x slower
    and on the path of every command that names a language)."""
    import json

    from .checks import module_dir

    root = module_dir("pycountry")
    path = root / "databases" / "iso639-3.json" if root else None
    if path is None or not path.is_file():
        import pycountry  # its database moved: let pycountry find it

        entries = [{"alpha_3": x.alpha_3, "alpha_2": getattr(x, "alpha_2", None), "name": x.name}
                   for x in pycountry.languages]
    else:
        with open(path, encoding="utf-8") as f:
            entries = json.load(f)["639-3"]
    table: dict[str, tuple[str, str | None, str]] = {}
    for e in entries:
        info = (e["alpha_3"], e.get("alpha_2"), e["name"])
        table[e["alpha_3"].lower()] = info
        if e.get("alpha_2"):
            table[e["alpha_2"].lower()] = info
    return table


def _iso(code: str) -> tuple[str, str | None, str] | None:
    """(639-3, 639-1, name) for an ISO code, or None."""
    c = code.lower()
    return _iso_table().get(c) if len(c) in (2, 3) else None


def _primary(code: str) -> str:
    """The code espeak-ng's preferred voice for ``code`` is filed under ('en' -> 'en-gb'): the one
    phonemizer and the voice inventories know."""
    from .tts.espeak_lib import voice_for_language

    v = voice_for_language().get(code)
    return v.languages[0] if v and v.languages else code


def _espeak_code_for(iso3: str, iso1: str | None) -> str | None:
    langs = espeak_languages()
    for c in (iso1, iso3, ALIASES.get(iso3)):
        if c and c in langs:
            return _primary(c)
    alias = ALIASES.get(iso3)
    if alias:
        info = _iso(alias)
        if info and info[1] in langs:
            return _primary(info[1])
    return None


def _epitran_code_for(iso3: str) -> str | None:
    codes = [c for c in epitran_codes() if c.split("-")[0] in (iso3, ALIASES.get(iso3))]
    plain = [c for c in codes if c.count("-") == 1]
    return (sorted(plain, key=lambda c: (not c.endswith("-Latn"), c)) or codes or [None])[0]


def resolve(code: str, g2p: str = "auto") -> LanguageChoice:
    """Resolve ``--lang`` (and an optional ``--g2p`` preference: auto, espeak, epitran, or a full spec)
    to a :class:`LanguageChoice`; raise :class:`SynthkitError` when nothing covers it."""
    code = code.strip()
    if not code:
        raise SynthkitError("--lang is empty; give an ISO 639-1/639-3, espeak-ng or epitran code")
    if g2p.startswith("rules:"):
        return _with_rules(code, g2p)
    ep = {c.lower(): c for c in epitran_codes()}
    es = {c.lower(): c for c in espeak_languages()}
    low = code.lower()
    if low in ep:
        epi = ep[low]
        iso3, script = epi.split("-")[0], epi.split("-")[1]
        info = _iso(iso3) or (iso3, None, iso3)
        choice = LanguageChoice(code, info[0], info[1], info[2], script, f"epitran:{epi}",
                                _espeak_code_for(info[0], info[1]))
    elif low in es:
        ecode = _primary(es[low])
        info = _iso(ecode.split("-")[0]) or (ecode, None, espeak_languages()[ecode])
        choice = LanguageChoice(code, info[0], info[1], info[2], ESPEAK_SCRIPTS.get(ecode, "Latn"),
                                f"espeak:{ecode}", ecode)
    else:
        info = _iso(low) if len(low) in (2, 3) and low.isalpha() else None
        if info is None:
            raise SynthkitError(
                f"unknown language {code!r}: not an ISO 639-1/639-3, espeak-ng or epitran code "
                "(run 'synthkit languages' to list what is covered)"
            )
        iso3, iso1, name = info
        voice = _espeak_code_for(iso3, iso1)
        epi = _epitran_code_for(iso3)
        if voice:
            choice = LanguageChoice(code, iso3, iso1, name, ESPEAK_SCRIPTS.get(voice, "Latn"), f"espeak:{voice}", voice)
        elif epi:
            choice = LanguageChoice(code, iso3, iso1, name, epi.split("-")[1], f"epitran:{epi}", None)
        else:
            raise SynthkitError(
                f"no G2P covers {name} ({iso3}): neither espeak-ng nor epitran has it; "
                "write a rules file and pass --g2p rules:FILE"
            )
    return _apply_g2p_preference(choice, g2p)


def _with_rules(code: str, g2p: str) -> LanguageChoice:
    """A language described by a rules file: any code works (ISO codes are recognised for names)."""
    from .text.rules import script_of

    path = g2p.split(":", 1)[1]
    if not Path(path).is_file():
        raise SynthkitError(f"G2P rules file not found: {path}")
    low = code.lower()
    info = _iso(low) if len(low) in (2, 3) and low.isalpha() else None
    iso3, iso1, name = info if info else (low, None, code)
    return LanguageChoice(code, iso3, iso1, name, script_of(path), g2p, _espeak_code_for(iso3, iso1))


def _apply_g2p_preference(choice: LanguageChoice, g2p: str) -> LanguageChoice:
    from dataclasses import replace

    if g2p in ("", "auto"):
        return choice
    if ":" in g2p:
        return replace(choice, g2p=g2p)
    if g2p == "espeak":
        code = choice.voice or _espeak_code_for(choice.iso639_3, choice.iso639_1)
        if not code:
            raise SynthkitError(f"espeak-ng has no G2P for {choice.name} ({choice.iso639_3}); use --g2p epitran")
        return replace(choice, g2p=f"espeak:{code}")
    if g2p == "epitran":
        epi = choice.g2p.split(":", 1)[1] if choice.g2p.startswith("epitran:") else _epitran_code_for(choice.iso639_3)
        if not epi:
            raise SynthkitError(f"epitran has no map for {choice.name} ({choice.iso639_3}); use --g2p espeak")
        return replace(choice, g2p=f"epitran:{epi}", script=epi.split("-")[1])
    raise SynthkitError(f"unknown --g2p {g2p!r}: use auto, espeak, epitran, or a spec such as epitran:swa-Latn")


def coverage() -> dict:
    """What each G2P and voice covers, for ``synthkit languages``."""
    return {
        "espeak_voices": espeak_languages(),
        "epitran_maps": list(epitran_codes()),
    }


def coverage_json() -> str:
    return json.dumps(coverage(), ensure_ascii=False, indent=2)
