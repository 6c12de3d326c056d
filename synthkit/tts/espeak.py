"""espeak-ng as a synthkit synthesizer: voices, variants, and prosody sampling (the offline default)."""

from __future__ import annotations

import random
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

    def render(self, text: str, voice: Voice, phoneme_input: bool = False) -> Audio:
        p = voice.params
        r = espeak_lib.synthesize(
            text, voice.name, rate=p.get("rate", 175), pitch=p.get("pitch", 50),
            pitch_range=p.get("pitch_range", 50), phoneme_input=phoneme_input, seed=0,
        )
        return Audio(int16_to_float(r.samples), r.sample_rate, reported_phonemes(r))


def reported_phonemes(r: espeak_lib.Rendering) -> tuple[str, ...]:
    """The IPA phonemes espeak-ng reported, words separated by :data:`synthkit.text.ipa.WORD_SEP`."""
    from ..text.ipa import WORD_SEP

    if not r.words:
        return tuple(x for x in r.phonemes if x)
    out: list[str] = []
    for w in r.words:
        if out:
            out.append(WORD_SEP)
        out.extend(w)
    return tuple(out)
