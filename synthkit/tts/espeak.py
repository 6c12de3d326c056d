"""espeak-ng as a synthkit synthesizer: voices, variants, and prosody sampling (the offline default)."""

from __future__ import annotations

import bisect
import random
import re
from dataclasses import dataclass

from ..audio import int16_to_float
from ..errors import SynthkitError
from . import espeak_lib
from .base import Audio, Voice

BACKEND = "espeak"

#: Variants (espeak-ng ``voices/!v``) used for speaker diversity by default: the classic male and
#: female variants and named voices that sound like a person rather than an effect. "" = the base voice.
DEFAULT_VARIANTS = (
    "", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4",
    "Alex", "Andy", "Annie", "anika", "belinda", "john", "linda", "max", "paul", "steph",
)


@dataclass(frozen=True)
class ProsodyRanges:
    """Ranges sampled per rendition (inclusive); espeak-ng units."""

    rate: tuple[int, int] = (150, 200)  # words per minute (espeak default 175)
    pitch: tuple[int, int] = (35, 65)  # 0-99 (default 50)
    pitch_range: tuple[int, int] = (30, 70)  # 0-99 (default 50)

    def __post_init__(self) -> None:
        for name, (lo, hi), (blo, bhi) in (
            ("rate", self.rate, espeak_lib.RATE_RANGE),
            ("pitch", self.pitch, espeak_lib.PITCH_RANGE),
            ("pitch_range", self.pitch_range, espeak_lib.PITCH_RANGE_RANGE),
        ):
            if not (blo <= lo <= hi <= bhi):
                raise SynthkitError(f"{name} range {lo}-{hi} must lie within {blo}-{bhi}")


def check_variants(variants: tuple[str, ...]) -> None:
    known = set(espeak_lib.list_variants())
    bad = [v for v in variants if v and v not in known]
    if bad:
        raise SynthkitError(f"unknown espeak-ng variant(s) {', '.join(bad)}; see 'synthkit languages --variants'")


def sample_voices(rng: random.Random, language: str | list[str], n: int,
                  variants: tuple[str, ...] = DEFAULT_VARIANTS, prosody: ProsodyRanges = ProsodyRanges()) -> list[Voice]:
    """``n`` voices for one sentence: distinct variants while the pool lasts, prosody drawn per voice.
    ``language`` is one espeak-ng language for all, or one per rendition (donor voices)."""
    langs = [language] * n if isinstance(language, str) else list(language)
    pool = list(variants) or [""]
    picks = rng.sample(pool, n) if n <= len(pool) else [rng.choice(pool) for _ in range(n)]
    voices = []
    for variant, language in zip(picks, langs):
        name = f"{language}+{variant}" if variant else language
        params = {
            "voice": language,
            "variant": variant,
            "rate": rng.randint(*prosody.rate),
            "pitch": rng.randint(*prosody.pitch),
            "pitch_range": rng.randint(*prosody.pitch_range),
        }
        voices.append(Voice(BACKEND, name, params))
    return voices


def voice_from_row(params: dict) -> Voice:
    """Rebuild the :class:`Voice` recorded in a manifest row."""
    lang, variant = params["voice"], params.get("variant", "")
    keys = ("voice", "variant", "rate", "pitch", "pitch_range")
    return Voice(BACKEND, f"{lang}+{variant}" if variant else lang, {k: params[k] for k in keys if k in params})


class EspeakSynthesizer:
    backend = BACKEND
    sample_rate = espeak_lib.ESPEAK_SAMPLE_RATE

    def render(self, text: str, voice: Voice, phoneme_input: bool = False, report_phonemes: bool = True) -> Audio:
        p = voice.params
        r = espeak_lib.synthesize(
            text, voice.name, rate=p.get("rate", 175), pitch=p.get("pitch", 50),
            pitch_range=p.get("pitch_range", 50), phoneme_input=phoneme_input, seed=0, events=report_phonemes,
        )
        said = reported_phonemes(r, text if phoneme_input else None) if report_phonemes else ()
        return Audio(int16_to_float(r.samples), r.sample_rate, said)


def reported_phonemes(r: espeak_lib.Rendering, text: str | None = None) -> tuple[str, ...]:
    """The IPA phonemes espeak-ng reported, words separated by :data:`synthkit.text.ipa.WORD_SEP`.

    With ``text`` (the phoneme input rendered: ``[[...]]`` groups, one per word, separated by spaces),
    words are the text's groups: espeak-ng starts a new word event at every embedded command, so a
    tonal target's pitch commands (one per syllable) would split each word into syllables. Each
    reported word goes to the group its text position falls in."""
    from ..text.ipa import WORD_SEP

    if not r.words:
        return tuple(x for x in r.phonemes if x)
    words = [list(w) for w in r.words]
    if text is not None and len(r.word_positions) == len(words):
        starts = [m.start() + 1 for m in re.finditer(r"\S+", text)]  # espeak-ng counts from 1
        merged: list[list[str]] = []
        last = None
        for w, pos in zip(words, r.word_positions):
            group = bisect.bisect_right(starts, pos) - 1
            if merged and group == last:
                merged[-1].extend(w)
            else:
                merged.append(w)
            last = group
        words = merged
    out: list[str] = []
    for w in words:
        if out:
            out.append(WORD_SEP)
        out.extend(w)
    return tuple(out)


# --- the backend interface (synthkit.tts.base) ----------------------------------------------------

@dataclass(frozen=True)
class EspeakPlan:
    """espeak-ng as a run uses it: the language's own voice, or donor voices, with variants and prosody
    sampled per rendition. It adds no keys to ``run.json`` (its settings are synth's own)."""

    language: str | None  # the espeak-ng voice that speaks the language (None: donors only)
    variants: tuple[str, ...] = DEFAULT_VARIANTS
    prosody: ProsodyRanges = ProsodyRanges()
    backend: str = BACKEND

    def settings(self) -> dict:
        return {}

    def describe(self) -> None:
        return None

    def sample_voices(self, rng: random.Random, n: int, donors=None) -> list[Voice]:
        return sample_voices(rng, list(donors) if donors else self.language, n, self.variants, self.prosody)

    def input_fields(self, words, punctuation) -> dict:
        return {}  # espeak-ng reads the text

    def donor_fields(self, mapped, punctuation) -> dict:
        punct = punctuation if punctuation else [""] * (len(mapped.mnemonic_words) - 1) + ["."]
        return {"render_text": mapped.render_text(punct)}

    def donor(self, spec: str):
        return backend.donor_inventory(spec)

    def donor_candidates(self) -> list:
        return backend.donor_candidates()

    def synthesizer(self) -> EspeakSynthesizer:
        return EspeakSynthesizer()


class EspeakBackend:
    name = BACKEND
    usage = "espeak"
    reproducible = True

    def check(self, model, config, choice) -> None:
        from .base import no_references

        if model:
            raise SynthkitError(f"--backend espeak takes no model (got {model!r}); voices come from --lang and --donor")
        no_references(config)
        if choice.voice is None and not config.donor:
            raise SynthkitError(f"no voice speaks {choice.name} ({choice.iso639_3}); render it through a donor voice "
                                "with --donor auto (or name one, e.g. --donor sw)")

    def plan(self, model, config, choice, donors=()) -> EspeakPlan:
        self.check(model, config, choice)
        return EspeakPlan(choice.voice, tuple(config.variants), config.prosody)

    def donor_candidates(self, include_constructed: bool = False) -> list:
        from .espeak_phonemes import inventories

        return [i for i in inventories().values() if include_constructed or not i.constructed]

    def donor_inventory(self, model, choice=None):
        from .espeak_phonemes import inventory

        return inventory(model or "")

    def voice_from_row(self, fields: dict) -> Voice:
        return voice_from_row(fields)

    def synthesizer(self, fields: dict) -> EspeakSynthesizer:
        return EspeakSynthesizer()


#: This backend, as registered in :data:`synthkit.tts.backends.BACKENDS`.
backend = EspeakBackend()
