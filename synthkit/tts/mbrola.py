"""MBROLA diphone voices with espeak-ng's prosody: ``synthkit synth --backend mbrola[:VOICE|FILE]``.

An MBROLA voice is a diphone database cut from one real speaker's recordings; the ``mbrola`` program
concatenates its diphones along a ``.pho`` score (phoneme, duration, pitch points). synthkit writes the
score from espeak-ng, as espeak-ng's own ``mb-*`` voices do: the sentence is rendered by the language's
espeak-ng voice with the rendition's rate, pitch and pitch range; each phoneme's duration is the
distance between espeak-ng's phoneme events (a stop's closure, which espeak-ng counts in the phoneme
before the release, is moved to the stop), its length and gemination come from espeak-ng's phonemes
for the text, and each vowel's pitch is the median F0 (YIN) of espeak-ng's audio over the vowel. So
the words, their phonemes and the intonation are espeak-ng's; the voice is a person's.

Voices (installed by ``./setup.sh`` from Debian's archive, see :mod:`synthkit.tts.mbrola_install`):
``ar1`` and ``ar2``, two male Arabic voices (Faculté Polytechnique de Mons; free for non-commercial use,
not to be sold: rows record the licence). ``--backend mbrola`` with ``--lang ar`` uses every installed
voice of the language (each a speaker for ``--voices``); ``mbrola:ar1`` one; ``mbrola:FILE`` a database
file named after a known voice. A phoneme the voice has no symbol for (a loanword's [e], [p], [tʃ]...)
rejects the sentence with the phoneme named: nothing is spoken as something else.

Each rendition also draws ``voice_freq``, MBROLA's voice-quality frequency (``-l``): the database read as
if sampled at that rate, which scales the spectral envelope (a longer or shorter vocal tract) and keeps
durations and pitch. Rows carry ``model`` and ``voice`` (the MBROLA voice), ``prosody_voice`` (the
espeak-ng voice that gave the prosody), ``rate``/``pitch``/``pitch_range``, ``voice_freq`` and ``license``. The ``mbrola`` program and
espeak-ng are deterministic, so ``synthkit regen`` re-makes a clip bit-identically.

MBROLA voices render their own language only here; they are not offered as donors (a voice's symbol
table would have to be written for each; only Arabic's is).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
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
INSTALL_HINT = "./setup.sh installs MBROLA and its Arabic voices (ar1, ar2) from Debian's archive"

# Arabic (both voices): espeak-ng's IPA -> the voices' SAMPA-like symbols (their README's table).
_AR_CONSONANTS = {
    "b": "b", "t": "t", "d": "d", "k": "k", "q": "q", "ʔ": "?", "f": "f", "θ": "T", "ð": "D", "s": "s",
    "z": "z", "ʃ": "S", "dʒ": "Z", "ʒ": "Z", "x": "x", "χ": "x", "ɣ": "G", "ʁ": "G", "ħ": "X", "ʕ": "H",
    "h": "h", "m": "m", "n": "n", "l": "l", "r": "r", "w": "w", "j": "j",
    "s̪": "s.", "sˤ": "s.", "t̪": "t.", "tˤ": "t.", "dˤ": "d.", "ðˤ": "z.", "zˤ": "z.",
}
_AR_VOWELS = {"a": "a", "i": "i", "u": "u"}
_EMPHATIC = frozenset({"s.", "t.", "d.", "z."})
_STOPS = frozenset({"b", "t", "d", "k", "g", "q", "t.", "d."})


@dataclass(frozen=True)
class VoiceInfo:
    name: str
    language: str  # ISO 639-1 of the language it speaks
    espeak_voice: str  # the espeak-ng voice whose prosody it takes
    sample_rate: int
    long_vowels: bool  # the database has aa/ii/uu (else a long vowel is a long a/i/u)
    extra: tuple[tuple[str, str], ...] = ()  # more IPA -> symbol pairs this voice has
    license: str = ("MBROLA database licence (Faculté Polytechnique de Mons): non-commercial use; "
                    "may not be sold or be part of a product that is sold")


#: The voices synthkit has a symbol table for.
VOICES = {
    "ar1": VoiceInfo("ar1", "ar", "ar", 16000, True, (("ɡ", "g"),)),
    "ar2": VoiceInfo("ar2", "ar", "ar", 16000, False),
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


@lru_cache(maxsize=8)
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


def symbol_table(info: VoiceInfo) -> dict[str, str]:
    table = dict(_AR_CONSONANTS) if info.language == "ar" else {}
    table.update(dict(info.extra))
    return table


# --- the score -----------------------------------------------------------------------------------

@dataclass
class Segment:
    symbol: str  # the voice's symbol ("_" silence)
    ms: float
    f0: float | None  # Hz, vowels only
    ipa: str  # what it renders, as IPA ("" silence)
    gap: bool = False  # a silence put in for a missing diphone (not a pause between words)


def _strip(ph: str) -> str:
    return ph.replace("ˈ", "").replace("ˌ", "").replace("ː", "").rstrip(".")


def _f0_track(samples: np.ndarray, sr: int) -> tuple[np.ndarray, int]:
    import librosa

    hop = 256
    x = samples.astype(np.float32) / 32768.0
    if x.size < 2048:
        x = np.pad(x, (0, 2048 - x.size))
    return librosa.yin(x, fmin=60, fmax=400, sr=sr, frame_length=1024, hop_length=hop, center=False), hop


def score(text: str, info: VoiceInfo, rate: int, pitch: int, pitch_range: int) -> list[Segment]:
    """The ``.pho`` score of ``text`` for ``info``: phonemes, durations and vowel pitch from espeak-ng
    (see module doc). Raises :class:`~synthkit.text.normalize.Rejected` for a phoneme the voice lacks."""
    from ..text.normalize import Rejected
    from . import espeak_lib

    r = espeak_lib.synthesize(text, info.espeak_voice, rate=rate, pitch=pitch, pitch_range=pitch_range, seed=0)
    with espeak_lib.session() as s:
        full = [p for clause in s.text_to_phonemes(text, info.espeak_voice, separator="_")
                for word in clause.split() for p in word.split("_") if p]
    sr = r.sample_rate
    ends = [at for at, _ in r.timings[1:]] + [len(r.samples)]
    events = [(at, end, ph) for (at, ph), end in zip(r.timings, ends)]
    spoken = [e for e in events if _strip(e[2])]
    if len(spoken) != len(full):  # espeak-ng's events and its phoneme string disagree: lengths unknown
        full = [e[2] for e in spoken]
    table = symbol_table(info)
    f0, hop = _f0_track(r.samples, sr)
    segs: list[Segment] = []
    lead = events[0][0] if events else 0
    segs.append(Segment("_", max(EDGE_MS, 1000 * lead / sr), None, ""))
    names = iter(full)
    for at, end, ph in events:
        ms = 1000 * (end - at) / sr
        if not _strip(ph):
            segs.append(Segment("_", ms, None, ""))
            continue
        name = next(names)
        core = _strip(name)
        long_ = "ː" in name
        if core in _AR_VOWELS and info.language == "ar":
            a, b = at // hop, max(at // hop + 1, end // hop)
            v = f0[a:b]
            v = v[(v > 60) & (v < 400)]
            segs.append(Segment(_AR_VOWELS[core], ms, float(np.median(v)) if v.size else None,
                                core + ("ː" if long_ else "")))
        elif core in table:
            sym = table[core]
            if segs[-1].symbol == sym:  # a geminate written as two events: one longer segment
                segs[-1].ms += ms
                segs[-1].ipa = core + "ː"
            else:
                segs.append(Segment(sym, ms, None, core + ("ː" if long_ else "")))
        elif core.startswith("("):  # espeak-ng's language switch, e.g. "(en)" before a Latin-script word
            raise Rejected(f"espeak-ng reads part of the sentence as another language {core}; mbrola voice "
                           f"{info.name} speaks {info.language} only")
        else:
            raise Rejected(f"mbrola voice {info.name} has no phoneme for [{core}] (espeak-ng's {name!r})")
    segs.append(Segment("_", EDGE_MS, None, ""))
    # stops: espeak-ng marks the release; the closure lies in the phoneme before it
    for k in range(1, len(segs)):
        sg, prev = segs[k], segs[k - 1]
        if sg.symbol in _STOPS and prev.symbol != "_":
            gem = sg.ipa.endswith("ː")
            take = min(prev.ms * (0.55 if gem else 0.35), 110.0 if gem else 60.0)
            prev.ms -= take
            sg.ms += take
    # vowels: coloured after an emphatic; long ones written doubled where the voice has them; pitch
    # outliers (YIN octave errors) and unvoiced medians replaced by the sentence's median
    pitches = [s.f0 for s in segs if s.f0]
    mid = float(np.median(pitches)) if pitches else 110.0
    for k, sg in enumerate(segs):
        if sg.symbol in ("a", "i", "u"):
            if k and segs[k - 1].symbol in _EMPHATIC:
                sg.symbol += "."
            elif sg.ipa.endswith("ː") and info.long_vowels:
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
    """What the score speaks, as IPA, words separated at pauses (:data:`synthkit.text.ipa.WORD_SEP`)."""
    from ..text.ipa import WORD_SEP

    out: list[str] = []
    for sg in segs:
        if sg.ipa:
            out.append(sg.ipa)
        elif not sg.gap and out and out[-1] != WORD_SEP:
            out.append(WORD_SEP)
    while out and out[-1] == WORD_SEP:
        out.pop()
    return tuple(out)


#: Silence put between two phonemes whose diphone the database lacks (milliseconds).
GAP_MS = 20
_MISSING = re.compile(r"Unknown recovery for (\S+)-(\S+) segment")


def run_mbrola(db: str, segs: list[Segment], voice_freq: int) -> tuple[np.ndarray, list[Segment]]:
    """int16 samples (at ``voice_freq`` Hz) of the score ``segs`` spoken by database ``db``, and the score
    as spoken. Where the database lacks the diphone of two neighbouring phonemes: a glottal stop after a
    silence or a consonant (ar1 and ar2 have [ʔ] only between vowels) is left out — the vowel's onset
    carries it, as in connected speech ("ذهب الولد" [ðahab alwalad]); between other phonemes a
    :data:`GAP_MS` silence is put, as a speaker would pause."""
    from ..text.normalize import Rejected

    segs = list(segs)
    for _ in range(64):
        p = subprocess.run([str(program()), "-l", str(int(voice_freq)), db, "-", "-.raw"],
                           input=pho(segs).encode(), capture_output=True, check=False)
        if p.returncode == 0:
            return np.frombuffer(p.stdout, dtype="<i2").copy(), segs
        msg = p.stderr.decode(errors="replace").strip().splitlines()
        m = _MISSING.search(msg[-1]) if msg else None
        if m is None or (m.group(1) == "_" and m.group(2) != "?") or m.group(2) == "_":
            raise Rejected(f"mbrola failed ({msg[-1] if msg else f'exit {p.returncode}'})")
        a, b = m.groups()
        fixed = [segs[0]]
        for sg in segs[1:]:
            if fixed[-1].symbol == a and sg.symbol == b:
                if b == "?":
                    continue
                fixed.append(Segment("_", GAP_MS, None, "", gap=True))
            fixed.append(sg)
        segs = fixed
    raise Rejected("mbrola failed (too many missing diphones)")


# --- voices --------------------------------------------------------------------------------------

VOICE_KEYS = ("model", "voice", "prosody_voice", "rate", "pitch", "pitch_range", "voice_freq", "license")


def voice_from_row(fields: dict) -> Voice:
    return Voice.from_row(BACKEND, VOICE_KEYS, fields)


@dataclass(frozen=True)
class MbrolaPlan:
    voices: tuple[str, ...]  # database names (installed)
    prosody: Any  # synthkit.tts.espeak.ProsodyRanges
    voice_freq: tuple[float, float] = VOICE_FREQ_RANGE
    backend: str = BACKEND

    def settings(self) -> dict[str, Any]:
        return {"backend": BACKEND, "model": ",".join(self.voices), "license": VOICES[self.voices[0]].license,
                "voice_freq": list(self.voice_freq)}

    def describe(self) -> str:
        return (f"rendering with MBROLA diphone voice(s) {', '.join(self.voices)} on espeak-ng's prosody "
                f"(licence: {VOICES[self.voices[0]].license})")

    def sample_voices(self, rng: random.Random, n: int, donors=None) -> list[Voice]:
        out = []
        for name in pick_speakers(rng, self.voices, n):
            info = VOICES[name]
            params = {"model": name, "voice": name, "prosody_voice": info.espeak_voice,
                      "rate": rng.randint(*self.prosody.rate),
                      "pitch": rng.randint(*self.prosody.pitch),
                      "pitch_range": rng.randint(*self.prosody.pitch_range),
                      "voice_freq": int(round(info.sample_rate * rng.uniform(*self.voice_freq))),
                      "license": info.license}
            out.append(Voice(BACKEND, name, params))
        return out

    def input_fields(self, words, punctuation) -> dict[str, Any]:
        return {}  # the voice reads the text (through espeak-ng's prosody)

    def donor_fields(self, mapped, punctuation) -> dict[str, Any]:
        raise SynthkitError("MBROLA voices are not donors")

    def donor(self, spec: str):
        raise SynthkitError("MBROLA voices render their own language only; they are not donors")

    def donor_candidates(self) -> list:
        return []

    def synthesizer(self) -> MbrolaSynthesizer:
        return MbrolaSynthesizer()


class MbrolaBackend:
    name = BACKEND
    usage = f"mbrola[:VOICE|FILE] ({', '.join(VOICES)})"
    reproducible = True

    def _voices(self, model, choice) -> tuple[str, ...]:
        if model:
            info, _ = resolve(model)
            if info.language != choice.iso639_1:
                raise SynthkitError(f"mbrola voice {info.name} speaks {info.language}, not {choice.name}")
            return (model,)
        names = installed(choice.iso639_1)
        if not names:
            known = [n for n, v in VOICES.items() if v.language == choice.iso639_1]
            if known:
                raise SynthkitError(f"no MBROLA voice for {choice.name} is installed ({', '.join(known)}); {INSTALL_HINT}")
            langs = sorted({v.language for v in VOICES.values()})
            raise SynthkitError(f"synthkit has no MBROLA voice for {choice.name} (it has: {', '.join(langs)})")
        return tuple(names)

    def check(self, model, config, choice) -> None:
        no_references(config)
        if config.donor:
            raise SynthkitError("MBROLA voices render their own language only; --donor is not for --backend mbrola")
        program()
        self._voices(model, choice)

    def plan(self, model, config, choice, donors=()) -> MbrolaPlan:
        self.check(model, config, choice)
        return MbrolaPlan(self._voices(model, choice), config.prosody)

    def donor_candidates(self, include_constructed: bool = False) -> list:
        return []

    def donor_inventory(self, model, choice=None):
        raise SynthkitError("MBROLA voices render their own language only; they are not donors")

    def voice_from_row(self, fields: dict) -> Voice:
        return voice_from_row(fields)

    def synthesizer(self, fields: dict) -> MbrolaSynthesizer:
        return MbrolaSynthesizer()


#: This backend, as registered in :data:`synthkit.tts.backends.BACKENDS`.
backend = MbrolaBackend()


class MbrolaSynthesizer:
    """Renders a row's text with its MBROLA voice; a pure function of (text, voice params)."""

    backend = BACKEND

    def render(self, text: str, voice: Voice, phoneme_input: bool = False, report_phonemes: bool = True) -> Audio:
        if phoneme_input:
            raise SynthkitError("an MBROLA voice here reads text (through espeak-ng), not phonemes")
        p = voice.params
        info, db = resolve(str(p.get("model") or voice.name))
        segs = score(text, info, int(p.get("rate", 175)), int(p.get("pitch", 50)), int(p.get("pitch_range", 50)))
        vf = int(p.get("voice_freq", info.sample_rate))
        x, spoken = run_mbrola(db, segs, vf)
        return Audio(x.astype(np.float32) / 32768.0, vf, said(spoken))
