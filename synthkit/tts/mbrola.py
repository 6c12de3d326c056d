"""MBROLA diphone voices with espeak-ng's prosody: ``synthkit synth --backend mbrola[:VOICE|FILE]``, and as
donors: ``--donor mbrola:VOICE[,mbrola:VOICE]`` (or ``--backend mbrola --donor auto``).

An MBROLA voice is a diphone database cut from one real speaker's recordings; the ``mbrola`` program
concatenates its diphones along a ``.pho`` score (phoneme, duration, pitch points). synthkit writes the
score from espeak-ng, as espeak-ng's own ``mb-*`` voices do: the sentence is rendered by the voice's
language's espeak-ng voice with the rendition's rate, pitch and pitch range; each phoneme's duration is
the distance between espeak-ng's phoneme events (a stop's closure, which espeak-ng counts in the phoneme
before the release, is moved to the stop), length and gemination come from espeak-ng's phonemes for the
text, and each vowel's pitch is the median F0 (YIN) of espeak-ng's audio over the vowel. So the words,
their phonemes and the intonation are espeak-ng's; the voice is a person's.

Voices (installed by ``./setup.sh`` from Debian's archive, see :mod:`synthkit.tts.mbrola_install`):
``ar1``, ``ar2`` (Arabic, male), ``hb1`` (Hebrew, Ashkenazi accent, male), ``hb2`` (Hebrew, Israeli,
female), ``tr1``, ``tr2`` (Turkish, male and female); Faculté Polytechnique de Mons, free for
non-commercial use, not to be sold: rows record the licence. Each voice has a symbol table
(:data:`VOICES`: its symbols and the IPA each says, from its README, every symbol checked against the
database by a test) and the espeak-ng allophones it says with a phoneme's symbol (Turkish [c] with k).
``--backend mbrola`` with ``--lang ar`` uses every installed voice of the language (each a speaker for
``--voices``); ``mbrola:ar1`` one; ``mbrola:FILE`` a database file named after a known voice. A phoneme
the voice has no symbol for (a loanword's [e] in Arabic, espeak-ng switching to English) rejects the
sentence with the phoneme named: nothing is spoken as something else.

**As a donor** a voice renders another language's sentence mapped onto its inventory: the segments its
symbols say that espeak-ng's voice of its language also renders (the mapping is synthkit's, as for
espeak-ng donors). The mapped sentence is rendered by that espeak-ng voice from phonemes (``render_text``,
as an espeak-ng donor row), which gives the durations and pitch; ``donor_phonemes`` is what the score
spoke, in the IPA of the voice's symbols. MBROLA donors are offered for ``--donor auto`` only with
``--backend mbrola`` (``synthkit donors`` does not rank them: no measured prior exists for them).

Each rendition also draws ``voice_freq``, MBROLA's voice-quality frequency (``-l``): the database read as
if sampled at that rate, which scales the spectral envelope (a longer or shorter vocal tract) and keeps
durations and pitch. Rows carry ``model`` and ``voice`` (the MBROLA voice), ``prosody_voice`` (the
espeak-ng voice that gave the prosody), ``rate``/``pitch``/``pitch_range``, ``voice_freq`` and
``license``. The ``mbrola`` program and espeak-ng are deterministic, so ``synthkit regen`` re-makes a clip
bit-identically.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SynthkitError
from .base import Audio, Voice, no_references, pick_speakers

BACKEND = "mbrola"
#: Environment variable: a folder laid out as the installer writes it (``bin/mbrola``, ``NAME/NAME``).
HOME_ENV = "SYNTHKIT_MBROLA"
#: Where ``./setup.sh`` installs the program and voices (inside the virtual environment).
INSTALL_DIR = Path(sys.prefix) / "share" / "synthkit-mbrola"
#: System locations (Debian's packages) searched after synthkit's own.
SYSTEM_VOICES = Path("/usr/share/mbrola")
#: Range of the voice-quality frequency drawn per rendition, as a factor of the database's rate.
VOICE_FREQ_RANGE = (0.88, 1.14)
#: Milliseconds of silence before and after a sentence.
EDGE_MS = 80
#: Silence put between two phonemes whose diphone the database lacks (milliseconds).
GAP_MS = 20
#: Seconds ``mbrola`` may take for one sentence (it needs milliseconds; a hung process rejects the row).
TIMEOUT_S = 60.0
INSTALL_HINT = "./setup.sh installs MBROLA and its voices (ar1, ar2, hb1, hb2, tr1, tr2) from Debian's archive"

#: IPA vowels (a segment is a vowel when its first letter is one): they carry the pitch points.
_VOWELS = frozenset("aeiouyɯøœɛɔəæɪʊɑɐ")
#: Stops (by the IPA a symbol says): espeak-ng marks their release; their closure lies in the phoneme before.
_STOP_IPA = frozenset({"b", "t", "d", "k", "ɡ", "q", "p", "tˤ", "dˤ"})
#: Arabic's emphatics: a vowel after one is the voices' coloured vowel (``a.``), never plain ``a``.
_EMPHATIC = frozenset({"s.", "t.", "d.", "z."})

_AR = (("a", "a"), ("i", "i"), ("u", "u"), ("?", "ʔ"), ("b", "b"), ("t", "t"), ("d", "d"), ("k", "k"), ("q", "q"),
       ("f", "f"), ("T", "θ"), ("D", "ð"), ("s", "s"), ("z", "z"), ("S", "ʃ"), ("Z", "dʒ"), ("x", "x"), ("G", "ɣ"),
       ("X", "ħ"), ("H", "ʕ"), ("h", "h"), ("m", "m"), ("n", "n"), ("l", "l"), ("r", "r"), ("w", "w"), ("j", "j"),
       ("s.", "sˤ"), ("t.", "tˤ"), ("d.", "dˤ"), ("z.", "ðˤ"))
#: espeak-ng's Arabic writes ص ط as s̪ t̪ and خ as χ.
_AR_ALSO = (("χ", "x"), ("ʁ", "ɣ"), ("ʒ", "dʒ"), ("s̪", "sˤ"), ("t̪", "tˤ"), ("zˤ", "ðˤ"))
_HB2 = (("a", "a"), ("e", "e"), ("i", "i"), ("o", "o"), ("u", "u"), ("?", "ʔ"), ("b", "b"), ("g", "ɡ"), ("d", "d"),
        ("h", "h"), ("v", "v"), ("z", "z"), ("X", "χ"), ("t", "t"), ("j", "j"), ("k", "k"), ("l", "l"), ("m", "m"),
        ("n", "n"), ("s", "s"), ("p", "p"), ("f", "f"), ("Ts", "ts"), ("R", "ʁ"), ("S", "ʃ"), ("Z", "ʒ"),
        ("tS", "tʃ"), ("dZ", "dʒ"), ("N", "ŋ"), ("w", "w"))
_HB1 = (("a", "a"), ("e", "e"), ("i", "i"), ("o", "o"), ("u", "u"), ("^", "ʔ"), ("b", "b"), ("v", "v"), ("g", "ɡ"),
        ("dZ", "dʒ"), ("d", "d"), ("h", "h"), ("w", "w"), ("z", "z"), ("J", "ʒ"), ("x", "χ"), ("t", "t"), ("j", "j"),
        ("k", "k"), ("l", "l"), ("m", "m"), ("n", "n"), ("s", "s"), ("p", "p"), ("f", "f"), ("Ts", "ts"),
        ("TS", "tʃ"), ("r", "ʁ"), ("S", "ʃ"))
#: espeak-ng's Hebrew: χ also written x, its rhotic also r or ɣ.
_HB_ALSO = (("x", "χ"), ("r", "ʁ"), ("ɣ", "ʁ"))
_TR = (("a", "a"), ("b", "b"), ("dZ", "dʒ"), ("tS", "tʃ"), ("d", "d"), ("e", "e"), ("f", "f"), ("g", "ɡ"),
       ("G", "ɣ"), ("h", "h"), ("@", "ɯ"), ("I", "i"), ("Z", "ʒ"), ("k", "k"), ("l", "l"), ("m", "m"), ("n", "n"),
       ("o", "o"), ("@'", "ø"), ("p", "p"), ("r", "ɾ"), ("s", "s"), ("S", "ʃ"), ("t", "t"), ("u", "u"), ("y", "y"),
       ("v", "v"), ("j", "j"), ("z", "z"))
#: espeak-ng's Turkish allophones, each said with its phoneme's symbol (fronted k and g, dark l, open e...).
_TR_ALSO = (("r", "ɾ"), ("c", "k"), ("ɟ", "ɡ"), ("ɫ", "l"), ("ɛ", "e"), ("æ", "e"), ("ɪ", "i"), ("ʊ", "u"),
            ("ɔ", "o"), ("œ", "ø"), ("w", "v"))

_FPMS = ("MBROLA database licence (Faculté Polytechnique de Mons): non-commercial use; may not be sold or be "
         "part of a product that is sold")


@dataclass(frozen=True)
class VoiceInfo:
    name: str
    language: str  # ISO 639-1 of the language it speaks
    espeak_voice: str  # the espeak-ng voice that gives its prosody (and, as a donor, renders its phonemes)
    sample_rate: int
    description: str
    pairs: tuple[tuple[str, str], ...]  # (symbol, the IPA it says): the voice's phonemes
    also: tuple[tuple[str, str], ...] = ()  # (espeak-ng IPA, the IPA whose symbol says it): allophones
    long_vowels: bool = False  # the database writes long vowels doubled (aa, ii, uu)
    license: str = _FPMS

    @property
    def table(self) -> dict[str, str]:
        """espeak-ng's IPA -> the symbol that says it."""
        by_ipa = {ipa: sym for sym, ipa in self.pairs}
        return {**by_ipa, **{ipa: by_ipa[to] for ipa, to in self.also}}

    @property
    def says(self) -> dict[str, str]:
        """symbol -> the IPA it says."""
        return dict(self.pairs)

    @property
    def glottal(self) -> str | None:
        return self.table.get("ʔ")

    @property
    def vowel_symbols(self) -> frozenset[str]:
        return frozenset(sym for sym, ipa in self.pairs if _is_vowel(ipa))


#: The voices synthkit has a symbol table for.
VOICES = {
    "ar1": VoiceInfo("ar1", "ar", "ar", 16000, "Arabic, male", _AR + (("g", "ɡ"),), _AR_ALSO, long_vowels=True),
    "ar2": VoiceInfo("ar2", "ar", "ar", 16000, "Arabic, male", _AR, _AR_ALSO),
    "hb1": VoiceInfo("hb1", "he", "he", 16000, "Hebrew (Ashkenazi accent), male", _HB1, _HB_ALSO),
    "hb2": VoiceInfo("hb2", "he", "he", 22050, "Hebrew (Israeli accent), female", _HB2, _HB_ALSO),
    "tr1": VoiceInfo("tr1", "tr", "tr", 16000, "Turkish, male", _TR, _TR_ALSO),
    "tr2": VoiceInfo("tr2", "tr", "tr", 16000, "Turkish, female", _TR, _TR_ALSO),
}


def _homes() -> list[Path]:
    env = os.environ.get(HOME_ENV)
    return [Path(env)] if env else [INSTALL_DIR]


def program() -> Path:
    """The ``mbrola`` program: ``$SYNTHKIT_MBROLA/bin/mbrola``, synthkit's install, or ``mbrola`` on PATH."""
    for home in _homes():
        p = home / "bin" / "mbrola"
        if p.is_file() and os.access(p, os.X_OK):
            return p
    found = None if os.environ.get(HOME_ENV) else shutil.which("mbrola")
    if found:
        return Path(found)
    raise SynthkitError(f"the mbrola program is not installed; {INSTALL_HINT}")


def voice_file(name: str) -> Path | None:
    """The database of voice ``name`` (``NAME/NAME`` in synthkit's install or Debian's folder)."""
    roots = _homes() + ([] if os.environ.get(HOME_ENV) else [SYSTEM_VOICES])
    for root in roots:
        p = root / name / name
        if p.is_file():
            return p
    return None


def installed(language: str | None = None) -> list[str]:
    """Names of the installed voices synthkit can render (of ``language``, an ISO 639-1 code)."""
    return [n for n, v in VOICES.items() if (language is None or v.language == language) and voice_file(n)]


@lru_cache(maxsize=16)
def resolve(spec: str) -> tuple[VoiceInfo, str]:
    """``ar1`` or a database file named after a known voice -> (voice, database path)."""
    path = Path(spec).expanduser()
    name = path.name if (path.is_file() and spec not in VOICES) else spec
    info = VOICES.get(name)
    if info is None:
        raise SynthkitError(f"mbrola voice {spec!r}: synthkit has a symbol table for {', '.join(VOICES)} only")
    db = path.resolve() if path.is_file() and spec not in VOICES else voice_file(name)
    if db is None:
        raise SynthkitError(f"mbrola voice {name} is not installed; {INSTALL_HINT}")
    return info, str(db)


# --- the score -----------------------------------------------------------------------------------

@dataclass
class Segment:
    symbol: str  # the voice's symbol ("_" silence)
    ms: float
    f0: float | None  # Hz, vowels only
    ipa: str  # what it says, as IPA (the symbol's; "" silence); "ː" when long
    gap: bool = False  # a silence put in for a missing diphone (not a pause between words)
    word: int = -1  # the word of espeak-ng's rendering it belongs to (-1: silence)


def _strip(ph: str) -> str:
    return ph.replace("ˈ", "").replace("ˌ", "").replace("ː", "").rstrip(".")


def _is_vowel(ipa: str) -> bool:
    return bool(ipa) and ipa[0] in _VOWELS


def _f0_track(samples: np.ndarray, sr: int) -> tuple[np.ndarray, int]:
    import librosa

    hop = 256
    x = samples.astype(np.float32) / 32768.0
    if x.size < 2048:
        x = np.pad(x, (0, 2048 - x.size))
    return librosa.yin(x, fmin=60, fmax=400, sr=sr, frame_length=1024, hop_length=hop, center=False), hop


def _words_of_events(r, text: str | None) -> list[int]:
    """The word (0, 1, ...) of each non-empty phoneme event, as espeak-ng's word events group them (for
    phoneme input, one word per ``[[...]]`` group; see :func:`synthkit.tts.espeak.reported_phonemes`)."""
    from ..text.ipa import WORD_SEP
    from .espeak import reported_phonemes

    out, w = [], 0
    for p in reported_phonemes(r, text):
        if p == WORD_SEP:
            w += 1
        elif p:
            out.append(w)
    return out


def score(text: str, info: VoiceInfo, rate: int, pitch: int, pitch_range: int,
          phoneme_input: bool = False) -> list[Segment]:
    """The ``.pho`` score of ``text`` (or of espeak-ng phoneme input) for ``info``: phonemes, durations
    and vowel pitch from espeak-ng (see module doc). Raises :class:`~synthkit.text.normalize.Rejected`
    for a phoneme the voice has no symbol for."""
    from ..text.normalize import Rejected
    from . import espeak_lib

    r = espeak_lib.synthesize(text, info.espeak_voice, rate=rate, pitch=pitch, pitch_range=pitch_range,
                              phoneme_input=phoneme_input, seed=0)
    sr = r.sample_rate
    ends = [at for at, _ in r.timings[1:]] + [len(r.samples)]
    events = [(at, end, ph) for (at, ph), end in zip(r.timings, ends)]
    spoken = [e for e in events if _strip(e[2])]
    full = [e[2] for e in spoken]
    if not phoneme_input:  # length and gemination: espeak-ng's phonemes for the text, where they line up
        names = [p for clause in espeak_lib.text_to_phonemes(text, info.espeak_voice, separator="_")
                 for word in clause.split() for p in word.split("_") if p]
        if len(names) == len(spoken):
            full = names
    words = _words_of_events(r, text if phoneme_input else None)
    if len(words) != len(spoken):
        words = [0] * len(spoken)
    table, says = info.table, info.says
    f0, hop = _f0_track(r.samples, sr)
    segs: list[Segment] = [Segment("_", max(EDGE_MS, 1000 * events[0][0] / sr) if events else EDGE_MS, None, "")]
    k = 0
    for at, end, ph in events:
        ms = 1000 * (end - at) / sr
        if not _strip(ph):
            segs.append(Segment("_", ms, None, ""))
            continue
        name, word = full[k], words[k]
        k += 1
        core = _strip(name)
        if core.startswith("("):  # espeak-ng's language switch, e.g. "(en)" before a Latin-script word
            raise Rejected(f"espeak-ng reads part of the sentence as another language {core}; mbrola voice "
                           f"{info.name} speaks {info.language} only")
        sym = table.get(core)
        if sym is None:
            raise Rejected(f"mbrola voice {info.name} has no phoneme for [{core}] (espeak-ng's {name!r})")
        said_ipa = says[sym]
        long_ = "ː" in name
        if _is_vowel(said_ipa):
            a, b = at // hop, max(at // hop + 1, end // hop)
            v = f0[a:b]
            v = v[(v > 60) & (v < 400)]
            segs.append(Segment(sym, ms, float(np.median(v)) if v.size else None, said_ipa + ("ː" if long_ else ""),
                                word=word))
        elif segs[-1].symbol == sym and segs[-1].word == word:  # a geminate written as two events
            segs[-1].ms += ms
            segs[-1].ipa = said_ipa + "ː"
        else:
            segs.append(Segment(sym, ms, None, said_ipa + ("ː" if long_ else ""), word=word))
    segs.append(Segment("_", EDGE_MS, None, ""))
    # stops: espeak-ng marks the release; the closure lies in the phoneme before it
    for i in range(1, len(segs)):
        sg, prev = segs[i], segs[i - 1]
        if sg.ipa.rstrip("ː") in _STOP_IPA and prev.symbol != "_":
            gem = sg.ipa.endswith("ː")
            take = min(prev.ms * (0.55 if gem else 0.35), 110.0 if gem else 60.0)
            prev.ms -= take
            sg.ms += take
    # vowels: coloured after an Arabic emphatic; long ones doubled where the voice writes them so; pitch
    # outliers (YIN octave errors) and unvoiced medians replaced by the sentence's median
    pitches = [sg.f0 for sg in segs if sg.f0]
    mid = float(np.median(pitches)) if pitches else 110.0
    for i, sg in enumerate(segs):
        if sg.word < 0 or not _is_vowel(sg.ipa):
            continue
        if i and segs[i - 1].symbol in _EMPHATIC and sg.symbol in ("a", "i", "u"):
            sg.symbol += "."
        elif sg.ipa.endswith("ː") and info.long_vowels and sg.symbol in ("a", "i", "u"):
            sg.symbol *= 2
        if not sg.f0 or not 0.6 * mid < sg.f0 < 1.6 * mid:
            sg.f0 = mid
    return segs


def pho(segs: list[Segment]) -> str:
    lines = []
    for sg in segs:
        ms = max(20, int(round(sg.ms)))
        lines.append(f"{sg.symbol} {ms}" + (f" 50 {sg.f0:.1f}" if sg.f0 else ""))
    return "\n".join(lines) + "\n"


def said(segs: list[Segment]) -> tuple[str, ...]:
    """What the score speaks, as IPA, words separated by :data:`synthkit.text.ipa.WORD_SEP` (espeak-ng's
    words)."""
    from ..text.ipa import WORD_SEP

    out: list[str] = []
    last = None
    for sg in segs:
        if not sg.ipa:
            continue
        if last is not None and sg.word != last:
            out.append(WORD_SEP)
        out.append(sg.ipa)
        last = sg.word
    return tuple(out)


_MISSING = re.compile(r"Unknown recovery for (\S+)-(\S+) segment")


def run_mbrola(db: str, segs: list[Segment], voice_freq: int, glottal: str | None = "?",
               vowels: frozenset[str] = frozenset()) -> tuple[np.ndarray, list[Segment]]:
    """int16 samples (at ``voice_freq`` Hz) of the score ``segs`` spoken by database ``db``, and the score
    as spoken. Where the database lacks the diphone of two neighbouring phonemes:

    * a glottal stop (``glottal``, the voice's symbol) it cannot join is left out — the Arabic voices have
      [ʔ] only between vowels, so after a silence or a consonant the vowel's onset carries it, as in
      connected speech ("ذهب الولد" [ðahab alwalad]);
    * a vowel (one of ``vowels``) the voice cannot start after a silence gets the glottal onset a speaker
      gives it (hb2 has no silence-[i], -[o], -[u] diphones: [ʔi]), when the voice can say that;
    * between two other phonemes a :data:`GAP_MS` silence is put, as a speaker would pause;
    * anything else (a phoneme it cannot start or end a phrase with) rejects the sentence, naming it.

    The spoken score says what was changed: its segments are the IPA said."""
    from ..text.normalize import Rejected

    segs = list(segs)
    missing: set[tuple[str, str]] = set()
    for _ in range(64):
        try:
            p = subprocess.run([str(program()), "-l", str(int(voice_freq)), db, "-", "-.raw"],
                               input=pho(segs).encode(), capture_output=True, check=False, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise Rejected(f"mbrola did not finish within {TIMEOUT_S:g} s") from None
        if p.returncode == 0:
            return np.frombuffer(p.stdout, dtype="<i2").copy(), segs
        msg = p.stderr.decode(errors="replace").strip().splitlines()
        m = _MISSING.search(msg[-1]) if msg else None
        if m is None:
            raise Rejected(f"mbrola failed ({msg[-1] if msg else f'exit {p.returncode}'})")
        a, b = m.groups()
        missing.add((a, b))
        fixed = [segs[0]]
        for sg in segs[1:]:
            prev = fixed[-1]
            if prev.symbol != a or sg.symbol != b:
                fixed.append(sg)
            elif b == glottal:
                continue
            elif a == glottal:
                fixed[-1] = sg
            elif a == "_" and b in vowels and glottal and ("_", glottal) not in missing:
                fixed += [Segment(glottal, 40.0, None, "ʔ", word=sg.word), sg]
            elif "_" in (a, b):
                raise Rejected(f"mbrola voice {Path(db).name} has no {a}-{b} diphone (a phrase cannot "
                               f"{'start' if a == '_' else 'end'} with [{sg.ipa or prev.ipa}] in it)")
            else:
                fixed += [Segment("_", GAP_MS, None, "", gap=True), sg]
        segs = fixed
    raise Rejected("mbrola failed (too many missing diphones)")


# --- as a donor ----------------------------------------------------------------------------------

def donor_id(name: str) -> str:
    return f"{BACKEND}:{name}"


@lru_cache(maxsize=16)
def donor_inventory(name: str):
    """Voice ``name`` as a donor: the IPA its symbols say that its language's espeak-ng voice renders
    (written as that voice's mnemonics: the row's ``render_text`` is espeak-ng phoneme input)."""
    from .espeak_phonemes import Inventory, inventory

    info, _ = resolve(name)
    source = inventory(info.espeak_voice)
    segs = frozenset(ipa for ipa in info.says.values() if ipa in source.used and ipa in source.ipa_to_mnemonic)
    return Inventory(donor_id(name), f"MBROLA {name} ({info.description})", name, BACKEND,
                     {s: source.ipa_to_mnemonic[s] for s in segs}, segs,
                     {s: k for s, k in source.kinds.items() if s in segs}, segs)


# --- voices --------------------------------------------------------------------------------------

VOICE_KEYS = ("model", "voice", "prosody_voice", "rate", "pitch", "pitch_range", "voice_freq", "license")


def voice_from_row(fields: dict) -> Voice:
    return Voice.from_row(BACKEND, VOICE_KEYS, fields)


@dataclass(frozen=True)
class MbrolaPlan:
    voices: tuple[str, ...]  # database names (installed): the speakers, or the donors this backend may use
    prosody: Any  # synthkit.tts.espeak.ProsodyRanges
    voice_freq: tuple[float, float] = VOICE_FREQ_RANGE
    backend: str = BACKEND
    #: with ``--donor auto``: the donors ``--exclude``/``--exclude-family`` left out -> why
    excluded: dict[str, str] = field(default_factory=dict)

    def settings(self) -> dict[str, Any]:
        return {"backend": BACKEND, "model": ",".join(self.voices), "license": VOICES[self.voices[0]].license,
                "voice_freq": list(self.voice_freq)}

    def describe(self) -> str:
        return (f"rendering with MBROLA diphone voice(s) {', '.join(self.voices)} on espeak-ng's prosody "
                f"(licence: {VOICES[self.voices[0]].license})")

    def _voice(self, rng: random.Random, name: str) -> Voice:
        info = VOICES[name]
        params = {"model": name, "voice": name, "prosody_voice": info.espeak_voice,
                  "rate": rng.randint(*self.prosody.rate), "pitch": rng.randint(*self.prosody.pitch),
                  "pitch_range": rng.randint(*self.prosody.pitch_range),
                  "voice_freq": int(round(info.sample_rate * rng.uniform(*self.voice_freq))),
                  "license": info.license}
        return Voice(BACKEND, name, params)

    def sample_voices(self, rng: random.Random, n: int, donors=None) -> list[Voice]:
        if donors:  # each rendition is its donor's voice
            return [self._voice(rng, d.partition(":")[2]) for d in donors]
        return [self._voice(rng, name) for name in pick_speakers(rng, self.voices, n)]

    def input_fields(self, words, punctuation) -> dict[str, Any]:
        return {}  # the voice reads the text (through espeak-ng's prosody)

    def donor_fields(self, mapped, punctuation) -> dict[str, Any]:
        punct = punctuation if punctuation else [""] * (len(mapped.mnemonic_words) - 1) + ["."]
        return {"render_text": mapped.render_text(punct)}  # espeak-ng phoneme input, as an espeak-ng donor's

    def donor(self, spec: str):
        return donor_inventory(spec.partition(":")[2] or spec)

    def donor_candidates(self) -> list:
        return [donor_inventory(n) for n in self.voices]

    def synthesizer(self) -> MbrolaSynthesizer:
        return MbrolaSynthesizer()


class MbrolaBackend:
    name = BACKEND
    usage = f"mbrola[:VOICE|FILE] ({', '.join(VOICES)})"
    reproducible = True
    #: ``--backend mbrola --donor auto`` chooses among the installed MBROLA voices
    auto_donors = True

    def _voices(self, model, choice) -> tuple[str, ...]:
        if model:
            info, _ = resolve(model)
            if info.language != choice.iso639_1:
                raise SynthkitError(f"mbrola voice {info.name} speaks {info.language}, not {choice.name}; render "
                                    f"{choice.name} through it as a donor: --donor mbrola:{info.name}")
            return (info.name,)
        names = installed(choice.iso639_1)
        if not names:
            known = [n for n, v in VOICES.items() if v.language == choice.iso639_1]
            if known:
                raise SynthkitError(f"no MBROLA voice for {choice.name} is installed ({', '.join(known)}); {INSTALL_HINT}")
            langs = sorted({v.language for v in VOICES.values()})
            raise SynthkitError(f"synthkit has no MBROLA voice for {choice.name} (it has: {', '.join(langs)}); "
                                f"render it through one as a donor: --donor mbrola:VOICE")
        return tuple(names)

    def _donors(self, config, donors) -> tuple[tuple[str, ...], dict[str, str]]:
        """(the donor voices, those ``--exclude`` left out -> why)."""
        if config.donor == "auto":  # every installed voice, less those whose language --exclude leaves out
            from ..donors import excluded_voices

            names = tuple(installed())
            if not names:
                raise SynthkitError(f"no MBROLA voice is installed; {INSTALL_HINT}")
            excluded = excluded_voices(config.exclude, config.exclude_family)
            left = {donor_id(n): excluded[VOICES[n].espeak_voice] for n in names
                    if VOICES[n].espeak_voice in excluded}
            names = tuple(n for n in names if VOICES[n].espeak_voice not in excluded)
            if not names:
                raise SynthkitError("every MBROLA donor voice was excluded (--exclude / --exclude-family)")
            return names, left
        out = []
        for d in donors:
            name = d.partition(":")[2]
            if not name:
                raise SynthkitError(f"--donor {config.donor}: name the MBROLA voice(s): --donor mbrola:VOICE "
                                    f"({', '.join(VOICES)}), or --backend mbrola --donor auto")
            out.append(resolve(name)[0].name)
        return tuple(dict.fromkeys(out)), {}

    def check(self, model, config, choice) -> None:
        no_references(config)
        program()
        if not config.donor:
            self._voices(model, choice)

    def plan(self, model, config, choice, donors=()) -> MbrolaPlan:
        self.check(model, config, choice)
        if config.donor:
            names, excluded = self._donors(config, donors)
            return MbrolaPlan(names, config.prosody, excluded=excluded)
        return MbrolaPlan(self._voices(model, choice), config.prosody)

    def donor_candidates(self, include_constructed: bool = False) -> list:
        return []  # not ranked by `synthkit donors`: no measured prior exists for them (see module doc)

    def donor_inventory(self, model, choice=None):
        if not model:
            raise SynthkitError(f"name the MBROLA voice: mbrola:VOICE ({', '.join(VOICES)})")
        return donor_inventory(model)

    def voice_from_row(self, fields: dict) -> Voice:
        return voice_from_row(fields)

    def synthesizer(self, fields: dict) -> MbrolaSynthesizer:
        return MbrolaSynthesizer()


#: This backend, as registered in :data:`synthkit.tts.backends.BACKENDS`.
backend = MbrolaBackend()


class MbrolaSynthesizer:
    """Renders a row with its MBROLA voice: the text (native rows) or its ``render_text`` (donor rows,
    espeak-ng phoneme input); a pure function of (text, voice params)."""

    backend = BACKEND
    #: native rows get ``spoken_phonemes``: what the score spoke, in the IPA of the symbols used (a glottal
    #: stop left out, espeak-ng's s̪ as the voice's [sˤ]), beside the G2P's ``phonemes``
    reports_spoken = True

    def render(self, text: str, voice: Voice, phoneme_input: bool = False, report_phonemes: bool = True) -> Audio:
        p = voice.params
        info, db = resolve(str(p.get("model") or voice.name))
        segs = score(text, info, int(p.get("rate", 175)), int(p.get("pitch", 50)), int(p.get("pitch_range", 50)),
                     phoneme_input)
        vf = int(p.get("voice_freq", info.sample_rate))
        x, spoken = run_mbrola(db, segs, vf, info.glottal, info.vowel_symbols)
        return Audio(x.astype(np.float32) / 32768.0, vf, said(spoken))
