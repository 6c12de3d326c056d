"""coqui-tts as a synthkit synthesizer: ``synthkit synth --backend coqui:MODEL``.

``MODEL`` is one of

* a coqui model name, ``tts_models/<language>/<dataset>/<model>`` (``synthkit languages --coqui`` lists
  them with their licences) — downloaded by coqui's own ``ModelManager`` into its cache (``$TTS_HOME``,
  else ``$XDG_DATA_HOME/tts``, else ``~/.local/share/tts``; XTTS into the Hugging Face cache) the first
  time it is used, which needs network; afterwards it loads from there offline;
* ``mms`` — Meta's MMS VITS model for ``--lang`` (``tts_models/<iso639-3>/fairseq/vits``; 1,100+
  languages, one speaker each), or ``mms:CODE`` to name the ISO 639-3 code yourself;
* a local folder holding ``config.json`` and a checkpoint (``model.pth``, ``model_file.pth``,
  ``checkpoint.pth`` or one ``*.pth``), as coqui's trainer writes it and as a download unpacks it;
  MMS's layout (``G_*.pth``, ``vocab.txt``, fairseq ``config.json``) is recognized too.

A name is resolved to its downloaded folder by the same ``ModelManager.download_model`` call coqui's
``TTS(model_name)`` makes, and from then on a name and a folder load through one function
(:func:`load_model`), so a tiny random-weight model saved to a folder exercises the code that loads a
downloaded one.

What the model reads:

* **VITS that takes phonemes** (``use_phonemes`` in its config): synthkit's own IPA for the sentence
  (the G2P's output, with the sentence's punctuation), restricted to the model's symbols; coqui's
  phonemizer (which needs the espeak-ng program) is never used, so the input is recorded in the row
  (``render_text``) and does not depend on the machine. Such a model is also a **donor** for
  phoneme-mapped rendering (``--donor coqui:MODEL``): its inventory is its symbol set (plus length,
  secondary articulations and affricates written with its symbols), or the segments listed in an
  ``inventory.txt`` next to its config when the folder has one (a model trained on one language has
  symbols it never heard; list the ones it did).
* **VITS that takes characters** and **MMS**: the normalized text, through the model's own cleaner and
  vocabulary (characters it does not know are dropped by coqui).
* **XTTS**: the normalized text; the voice comes from ``--reference`` clips (voice cloning; each
  reference is one speaker) or the model's built-in speakers.

Speakers: ``--voices N`` gives each sentence N renditions with distinct speakers while they last: the
``--reference`` clips (XTTS, or a VITS with a speaker encoder such as YourTTS), else the model's
speakers (multi-speaker VITS), else its one voice; each rendition also draws a speaking rate
(``speed`` in :data:`SPEED_RANGE`). Multilingual models take the language from ``--lang``.

Reproducible: before each clip torch's generator is seeded from the row's ``seed`` and torch runs on
:data:`RENDER_THREADS` thread(s), so ``synthkit regen`` re-makes a clip bit-identically from its row.
Rows add ``model`` (the name, or the folder's absolute path), ``license``, ``speed``, and
``coqui_speaker``, ``reference`` or ``model_language`` where they apply.

Licences: a name's licence comes from coqui's catalogue (``.models.json``; MMS: CC BY-NC 4.0); a
folder's from a ``license`` key in its ``config.json``, a ``LICENSE*`` file in it, or the catalogue entry
its name matches (coqui names download folders ``tts_models--<language>--<dataset>--<model>``).
Several are non-commercial (XTTS: CPML; MMS: CC BY-NC 4.0; YourTTS: CC BY-NC-ND 4.0); every row carries
its model's licence.

coqui-tts (and torch) are imported only when this backend is used.
"""

from __future__ import annotations

import contextlib
import json
import random
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SynthkitError
from ..hashing import file_sha256
from .base import Audio, Voice
from .coqui_catalog import (EXTRA, MMS_NAME, PACKAGE, UNKNOWN_LICENSE, catalogue, downloaded, folder_license,
                            is_mms_name, license_label, local_folder, source_url, user_data_dir)

BACKEND = "coqui"
MMS = "mms"
#: ISO 639-3 macrolanguage -> the individual language MMS names its model by.
MMS_CODES = {"swa": "swh"}
#: Range of the speaking-rate factor drawn per rendition (1 = the model's own rate).
SPEED_RANGE = (0.9, 1.1)
#: torch threads while rendering; fixed so a clip's bytes do not depend on the machine's core count.
RENDER_THREADS = 1
#: Checkpoint file names coqui's ModelManager looks for, in its order.
CHECKPOINT_NAMES = ("model_file.pth", "model_file.pth.tar", "model.pth", "checkpoint.pth")
#: Optional file in a model folder listing the IPA segments the model was trained on (one per line).
INVENTORY_FILE = "inventory.txt"
#: Modifier letters a phoneme model can append to a consonant to write one segment.
SEGMENT_MODIFIERS = "ʰʲʷˠˤʼ"
LENGTH = "ː"
NASAL = "\u0303"
TIE = "\u0361"
#: Affricates written as two symbols when a model has no single symbol for them.
AFFRICATES = (("t", "ʃ"), ("d", "ʒ"), ("t", "s"), ("d", "z"), ("t", "ɕ"), ("d", "ʑ"), ("ʈ", "ʂ"), ("ɖ", "ʐ"),
              ("p", "f"), ("k", "x"))
#: The models this backend renders: end-to-end models that output a waveform.
END_TO_END = ("vits", "xtts", "fairseq")
#: Fields of a coqui config that name files; fixed up to the model folder when they point elsewhere.
PATH_FIELDS = {
    "speakers_file": ("speaker_ids.json", "speaker_ids.pth", "speakers.json", "speakers.pth"),
    "d_vector_file": ("speakers.json", "speakers.pth"),
    "language_ids_file": ("language_ids.json",),
    "speaker_encoder_model_path": ("model_se.pth", "model_se.pth.tar"),
    "speaker_encoder_config_path": ("config_se.json",),
}


# --- resolving MODEL ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ModelInfo:
    """A resolved model: everything the driver decides before any worker loads weights."""

    model: str  # what rows record: a coqui model name or a folder's absolute path
    checkpoint: str
    config_path: str
    kind: str  # "vits" | "xtts" | "fairseq"
    license: str
    input: str  # "phonemes" | "characters" | "text"
    sample_rate: int
    speakers: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    vocab: tuple[str, ...] = ()  # the model's input symbols (phoneme models)
    cloning: bool = False  # takes reference clips
    inventory: tuple[str, ...] = ()  # from inventory.txt, when the folder has one

    @property
    def short(self) -> str:
        """A speaker-label prefix: the folder's name, or the name without ``tts_models/``."""
        p = Path(self.model)
        if p.is_absolute():
            return p.parent.name if p.suffix else p.name
        return self.model.removeprefix("tts_models/")

    def describe(self) -> str:
        what = {"phonemes": "reads IPA", "characters": "reads text", "text": "reads text"}[self.input]
        spk = (f", {len(self.speakers)} speakers" if len(self.speakers) > 1 else "") + (
            ", voice cloning from --reference" if self.cloning else "")
        langs = f", languages {' '.join(self.languages)}" if len(self.languages) > 1 else ""
        return f"coqui {self.kind} model {self.model} ({what}{spk}{langs}; {self.sample_rate} Hz; " \
               f"licence {license_label(self.license)})"


def _coqui(purpose: str = "--backend coqui"):
    import logging

    from ..optional import require

    require("torch", "torch", EXTRA, purpose)
    module = require("TTS.api", PACKAGE, EXTRA, purpose)
    log = logging.getLogger("TTS")
    if log.level == logging.NOTSET:  # coqui warns about defaults synthkit sets on purpose (no language, ...)
        log.setLevel(logging.ERROR)
    return module


@contextlib.contextmanager
def _quiet_transformers():
    """XTTS builds a GPT-2 config whose default token ids lie outside its vocabulary; transformers warns
    about it on every load. Silence that while loading (the previous verbosity is restored)."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        yield
        return
    old = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(old)


def mms_name(choice) -> str:
    """The MMS model name for a :class:`~synthkit.languages.LanguageChoice`."""
    code = choice.requested.lower() if len(choice.requested) == 3 and choice.requested.isalpha() else choice.iso639_3
    return MMS_NAME.format(code=MMS_CODES.get(code, code))


def model_name_for(spec: str, choice=None) -> str:
    """``mms``/``mms:CODE`` -> the MMS model name; anything else unchanged."""
    if spec == MMS:
        if choice is None:
            raise SynthkitError("coqui:mms picks the MMS model for --lang; give --lang (or coqui:mms:CODE)")
        return mms_name(choice)
    if spec.startswith(MMS + ":"):
        return MMS_NAME.format(code=spec.split(":", 1)[1].strip().lower())
    return spec


def resolve_model(spec: str, choice=None) -> ModelInfo:
    """Turn ``MODEL`` into a :class:`ModelInfo` (downloading a named model through coqui when it is
    not in coqui's cache yet). Raises :class:`SynthkitError` for anything a user can fix."""
    if not spec:
        raise SynthkitError("--backend coqui needs a model: coqui:NAME (tts_models/...), coqui:mms or coqui:FOLDER")
    name = model_name_for(spec, choice)
    path = Path(name).expanduser()
    if path.exists():
        folder = path if path.is_dir() else path.parent
        ckpt, config = find_files(folder) if path.is_dir() else (path, folder / "config.json")
        if not config.is_file():
            raise SynthkitError(f"coqui model folder {folder} has no config.json")
        return describe(str(path.resolve()), ckpt, config, folder_license(folder))
    if not name.startswith("tts_models/") or len(name.split("/")) != 4:
        raise SynthkitError(f"coqui model {spec!r}: no such folder, and not a coqui model name "
                            "(tts_models/<language>/<dataset>/<model>, see 'synthkit languages --coqui'), "
                            "nor mms / mms:CODE")
    ckpt, config, item = download(name)
    return describe(name, ckpt, config, item.get("license") or UNKNOWN_LICENSE)


def find_files(folder: Path) -> tuple[Path, Path]:
    """(checkpoint, config.json) in a model folder, looked for as coqui's ModelManager does."""
    config = folder / "config.json"
    if not config.is_file():
        raise SynthkitError(f"coqui model folder {folder} has no config.json")
    for n in CHECKPOINT_NAMES:
        if (folder / n).is_file():
            return folder / n, config
    ckpts = sorted(p for p in folder.glob("*.pth*") if p.is_file() and not p.name.startswith(("model_se", "speakers")))
    if len(ckpts) == 1:
        return ckpts[0], config
    if not ckpts:
        raise SynthkitError(f"coqui model folder {folder} has no checkpoint (model.pth or one *.pth file)")
    raise SynthkitError(f"coqui model folder {folder} has several checkpoints ({', '.join(p.name for p in ckpts)}); "
                        "name one: coqui:FOLDER/FILE.pth")


def check_available(spec: str, choice=None) -> None:
    """For a coqui model *name* (not a folder): the one-line error now when it is neither on this machine
    nor downloadable (see :func:`require_local_or_online`); nothing is loaded."""
    if not spec:
        return
    name = model_name_for(spec, choice)
    if name.startswith("tts_models/") and len(name.split("/")) == 4 and not Path(name).expanduser().exists():
        require_local_or_online(name)


def require_local_or_online(name: str) -> Path | None:
    """Where coqui model ``name`` is on this machine, or None when it is not but can be downloaded now;
    offline, the one-line error (what is missing, what works now, how to get it) before coqui is imported."""
    from ..checks import first_missing, torchaudio_cuda_problem
    from .coqui_catalog import MODULES

    if first_missing(MODULES) or torchaudio_cuda_problem():
        _coqui()  # raises, saying what is missing and what to run
    if not is_mms_name(name) and catalogue() and name not in catalogue():
        raise SynthkitError(f"{name!r} is not in coqui's model list; see 'synthkit languages --coqui'")
    folder = local_folder(name)
    if folder is not None:
        return folder
    from ..hub import hf_cache, hf_how, require_download

    url, hf = source_url(name)
    have = [n for n, _ in downloaded()][:3]
    alternative = "--backend espeak" + (f", or a downloaded coqui model: {', '.join('coqui:' + n for n in have)}"
                                        if have else "") + ", or a local model folder: coqui:FOLDER"
    where = (f"not in the Hugging Face cache {hf_cache()}, where coqui keeps it" if hf else
             f"not in coqui's download folder {user_data_dir()}")
    how = (hf_how((catalogue().get(name) or {}).get("repo_id", name)) if hf else
           f"run again with network access (coqui downloads {url} into {user_data_dir()}; set TTS_HOME for another "
           "folder)")
    require_download("coqui model", name, where, alternative, how, url, hf=bool(hf))
    return None


def download(name: str) -> tuple[Path, Path, dict]:
    """coqui's ``ModelManager.download_model``: a no-op when the model is in its cache already (offline, a
    model coqui keeps in the Hugging Face cache is taken from there without asking the hub)."""
    from ..hub import offline_reason

    local = require_local_or_online(name)
    _coqui()
    from TTS.utils.manage import ModelManager

    manager = ModelManager(progress_bar=False)
    if not is_mms_name(name) and name not in catalogue():
        raise SynthkitError(f"{name!r} is not in coqui's model list; see 'synthkit languages --coqui'")
    item, full_name, _ = manager._set_model_item(name)
    if item.get("tos_required") and not manager.tos_agreed(item, manager.output_prefix / full_name):
        raise SynthkitError(f"{name} is under the {license_label(item.get('license', '?'))} licence; to accept "
                            "its terms set COQUI_TOS_AGREED=1 (coqui's own switch) and run again")
    if local is not None and item.get("repo_id") and offline_reason(source_url(name)[0], hf=True):
        ckpt, config = find_files(local)  # offline: from the Hugging Face cache, without asking the hub
        return ckpt, config, dict(item)
    try:
        ckpt, config, item = manager.download_model(name)
    except SynthkitError:
        raise
    except Exception as exc:
        raise SynthkitError(f"cannot get coqui model {name} ({type(exc).__name__}: {str(exc)[:160]}); downloading "
                            "needs network once; offline, give a local model folder: coqui:FOLDER") from None
    return Path(ckpt), Path(config), dict(item)


def _fix_paths(config, folder: Path) -> None:
    """Point file fields of a config (and its model_args) at the model folder when they point
    elsewhere (configs carry the paths of the machine that trained them). In memory only."""
    for key, defaults in PATH_FIELDS.items():
        for holder in (config, config.get("model_args") or {}):
            if key not in holder or not holder[key]:
                continue
            value = holder[key][0] if isinstance(holder[key], list) else holder[key]
            if Path(value).is_file():
                continue
            for cand in (Path(value).name, *defaults):
                if cand and (folder / cand).is_file():
                    holder[key] = str(folder / cand)
                    break


def load_config(info_or_path: ModelInfo | Path):
    """The model's coqui config, ready for building the model offline: file paths fixed up, and a
    phoneme model's phonemizer switched off (synthkit feeds IPA; its vocabulary is kept)."""
    _coqui()
    from TTS.config import load_config as coqui_load_config

    config_path = Path(info_or_path.config_path if isinstance(info_or_path, ModelInfo) else info_or_path)
    config = coqui_load_config(str(config_path))
    _fix_paths(config, config_path.parent)
    if config.get("use_phonemes"):
        if not config.get("characters") or not config.characters.get("characters_class"):
            from TTS.tts.utils.text.characters import IPAPhonemes

            _, config = IPAPhonemes.init_from_config(config)
        config.use_phonemes = False
        config.phonemizer = None
    return config


def _is_fairseq(ckpt: Path, config: Path) -> bool:
    if not (config.parent / "vocab.txt").is_file():
        return False
    try:
        return "data" in json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def describe(model: str, ckpt: Path, config_path: Path, license: str) -> ModelInfo:
    """Read a model's config (and speaker/language files; no weights) into a :class:`ModelInfo`."""
    _coqui()
    folder = config_path.parent
    inventory = _inventory_file(folder)
    if _is_fairseq(ckpt, config_path):
        raw = json.loads(config_path.read_text(encoding="utf-8"))
        vocab = tuple(line.rstrip("\n") for line in (folder / "vocab.txt").read_text(encoding="utf-8").splitlines(True))
        return ModelInfo(model, str(ckpt), str(config_path), "fairseq", license, "characters",
                         int(raw["data"]["sampling_rate"]), vocab=vocab, inventory=inventory)
    try:
        raw = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SynthkitError(f"cannot read coqui config {config_path}: {exc}") from None
    kind = str(raw.get("model", "")).lower()
    if kind not in END_TO_END:
        raise SynthkitError(f"coqui model {model} is a {kind or 'unknown'} model; synthkit's coqui backend renders "
                            "end-to-end models (VITS, YourTTS, MMS, XTTS), not models that need a separate vocoder")
    config = load_config(config_path)
    audio = config.audio
    if kind == "xtts":
        sr = int(config.model_args.output_sample_rate)
        speakers: tuple[str, ...] = ()
        spk_file = folder / "speakers_xtts.pth"
        if spk_file.is_file():
            import torch

            speakers = tuple(sorted(torch.load(spk_file, map_location="cpu", weights_only=True)))
        return ModelInfo(model, str(ckpt), str(config_path), kind, license, "text", sr, speakers,
                         tuple(config.languages or ()), cloning=True, inventory=inventory)
    sr = int(audio.get("output_sample_rate") or audio["sample_rate"])
    from TTS.tts.utils.languages import LanguageManager
    from TTS.tts.utils.speakers import SpeakerManager
    from TTS.tts.utils.text.tokenizer import TTSTokenizer

    uses_phonemes = bool(raw.get("use_phonemes"))
    tokenizer, _ = TTSTokenizer.init_from_config(config)
    chars = tokenizer.characters
    special = {chars.pad, chars.blank, chars.bos, chars.eos} - {None}
    vocab = tuple(c for c in chars.vocab if c not in special)
    speakers = ()
    try:
        manager = SpeakerManager.init_from_config(config)
    except Exception as exc:
        raise SynthkitError(f"coqui model {model}: cannot read its speakers ({type(exc).__name__}: {exc})") from None
    if manager is not None:
        speakers = tuple(manager.speaker_names)
    cloning = bool(config.model_args.get("speaker_encoder_model_path"))
    languages = tuple(LanguageManager.init_from_config(config).language_names) if config.get("language_ids_file") or \
        config.model_args.get("language_ids_file") or config.get("languages") else ()
    return ModelInfo(model, str(ckpt), str(config_path), kind, license, "phonemes" if uses_phonemes else "characters",
                     sr, speakers, languages, vocab, cloning, inventory)


def _inventory_file(folder: Path) -> tuple[str, ...]:
    f = folder / INVENTORY_FILE
    if not f.is_file():
        return ()
    return tuple(s.strip() for s in f.read_text(encoding="utf-8").splitlines() if s.strip() and not s.startswith("#"))


def model_language(info: ModelInfo, choice) -> str | None:
    """The model's name for ``--lang`` (XTTS and multilingual models), or None for one-language models."""
    if len(info.languages) <= 1 and info.kind != "xtts":
        return None
    cands = [choice.requested, choice.requested.lower(), choice.iso639_1, choice.iso639_3]
    if choice.iso639_1 == "zh" or choice.iso639_3 == "cmn":
        cands.append("zh-cn")
    for c in cands:
        if c and c in info.languages:
            return c
    raise SynthkitError(f"coqui model {info.model} does not speak {choice.name}; its languages: "
                        f"{', '.join(info.languages)}")


# --- phoneme input ------------------------------------------------------------------------------

def to_symbols(ipa: str, vocab: frozenset[str]) -> tuple[str, list[str]]:
    """``ipa`` written with the model's symbols: tie bars dropped, a character the model lacks
    decomposed (NFD) into parts it has; (text, symbols that had to be dropped)."""
    out, dropped = [], []
    for ch in unicodedata.normalize("NFC", ipa.replace(TIE, "").replace("\u035c", "")):
        if ch in vocab:
            out.append(ch)
            continue
        for c in unicodedata.normalize("NFD", ch):
            if c in vocab:
                out.append(c)
            elif c not in dropped:
                dropped.append(c)
    return "".join(out), dropped


def ipa_input(words: list[list[str]], punctuation: list[str] | None, vocab: frozenset[str]) -> tuple[str, list[str]]:
    """IPA input for a phoneme model: each word's segments written with its symbols, the sentence's
    punctuation after its word, words separated by spaces. Returns (text, dropped symbols)."""
    punct = punctuation if punctuation and len(punctuation) == len(words) else [""] * (len(words) - 1) + ["."]
    parts, dropped = [], []
    for w, p in zip(words, punct):
        text, bad = to_symbols("".join(w), vocab)
        dropped += [b for b in bad if b not in dropped]
        if text:
            parts.append(text + "".join(c for c in p if c in vocab))
    sep = " " if " " in vocab else ""
    return sep.join(parts), dropped


def donor_inventory(info: ModelInfo):
    """The model as a donor for phoneme-mapped rendering (see module doc), in the shape
    :mod:`synthkit.donors` ranks: segments and the model input that writes each."""
    if info.input != "phonemes":
        raise SynthkitError(f"coqui model {info.model} reads {'text' if info.input == 'text' else 'characters'}, "
                            "not phonemes, so it cannot be a donor; use a VITS model with use_phonemes")
    from ..text import ipa
    from ..text.mapping import vectors
    from .espeak_phonemes import Inventory

    vocab = frozenset(info.vocab)

    def ok(seg: str) -> bool:
        v = vectors(seg)
        return v is not None and len(v) == 1

    if info.inventory:
        segs = {s for s in info.inventory if vectors(s) is not None}
    else:
        singles = {c for c in vocab if not c.isspace() and unicodedata.category(c)[0] == "L" and ok(c)}
        segs = set(singles)
        consonants = {s for s in singles if s not in ipa.VOWELS}
        for m in SEGMENT_MODIFIERS:
            if m in vocab:
                segs |= {s + m for s in consonants if ok(s + m)}
        for a, b in AFFRICATES:
            if a in vocab and b in vocab and ok(a + TIE + b):
                segs.add(a + TIE + b)
        if NASAL in vocab:
            segs |= {unicodedata.normalize("NFC", s + NASAL) for s in singles - consonants if ok(s + NASAL)}
        if LENGTH in vocab:
            segs |= {s + LENGTH for s in singles if ok(s + LENGTH)}
    to_input = {s: to_symbols(s, vocab)[0] for s in segs}
    segs = {s for s in segs if to_input[s]}
    voice = donor_id(info)
    return Inventory(voice, f"coqui {info.kind} {info.short}", info.model, BACKEND,
                     {s: to_input[s] for s in segs}, frozenset(segs), {}, frozenset(segs))


def donor_id(info: ModelInfo) -> str:
    return f"{BACKEND}:{info.model}"


# --- voices -------------------------------------------------------------------------------------

def check_references(info: ModelInfo, references: tuple[Path, ...]) -> list[dict[str, str]]:
    """Validate ``--reference`` clips; returns [{path (absolute), sha256}] for the run settings."""
    if not references:
        if info.kind == "xtts" and not info.speakers:
            raise SynthkitError(f"XTTS model {info.model} has no built-in speakers; give reference clips of the "
                                "voices to clone: --reference CLIP.wav (one per speaker)")
        return []
    if not info.cloning:
        raise SynthkitError(f"coqui model {info.model} cannot clone voices, so --reference does not apply "
                            "(use XTTS or a VITS with a speaker encoder, e.g. YourTTS)")
    from ..audio import info as audio_info

    out = []
    for r in references:
        if not Path(r).is_file():
            raise SynthkitError(f"--reference {r}: file not found")
        try:
            audio_info(r)
        except Exception as exc:
            raise SynthkitError(f"--reference {r} is not a readable audio file ({exc})") from None
        out.append({"path": str(Path(r).resolve()), "sha256": file_sha256(r)})
    return out


@dataclass(frozen=True)
class VoicePlan:
    """How renditions get their voices: the pool of speakers and the language, decided once."""

    info: ModelInfo
    language: str | None = None
    references: tuple[str, ...] = ()  # absolute paths
    speed: tuple[float, float] = SPEED_RANGE

    def pool(self) -> list[tuple[str, dict[str, Any]]]:
        if self.references:
            return [(f"{self.info.short}/{Path(r).stem}", {"reference": r}) for r in self.references]
        if len(self.info.speakers) > 1 or (self.info.kind == "xtts" and self.info.speakers):
            return [(f"{self.info.short}/{s}", {"coqui_speaker": s}) for s in self.info.speakers]
        return [(self.info.short, {})]

    def sample(self, rng: random.Random, n: int) -> list[Voice]:
        """``n`` voices for one sentence: distinct speakers while the pool lasts, a speed each."""
        pool = self.pool()
        picks = rng.sample(pool, n) if n <= len(pool) else [rng.choice(pool) for _ in range(n)]
        voices = []
        for name, who in picks:
            params: dict[str, Any] = {"model": self.info.model, "license": self.info.license, **who}
            if self.language:
                params["model_language"] = self.language
            params["speed"] = round(rng.uniform(*self.speed), 3)
            voices.append(Voice(BACKEND, name, params))
        return voices


#: Row keys that make up a coqui voice (everything :func:`voice_from_row` reads back).
VOICE_KEYS = ("model", "license", "coqui_speaker", "reference", "model_language", "speed", "seed")


def voice_from_row(fields: dict) -> Voice:
    return Voice.from_row(BACKEND, VOICE_KEYS, fields)


# --- loading and rendering ----------------------------------------------------------------------

def load_model(info: ModelInfo):
    """Build the model from its config and load its weights (CPU, eval mode). One function for a
    downloaded model and a local folder."""
    _coqui()
    ckpt = Path(info.checkpoint)
    if info.kind == "fairseq":
        from TTS.tts.configs.vits_config import VitsConfig
        from TTS.tts.models.vits import Vits

        config = VitsConfig()  # coqui's own way: MMS models have the default VITS architecture
        config.model_args.init_discriminator = False  # (coqui drops it after building it; never build it)
        model = Vits(config)
        model.load_fairseq_checkpoint(config, ckpt, eval=True)
        return model
    from TTS.tts.models import setup_model

    config = load_config(info)
    if info.kind == "xtts":
        with _quiet_transformers():
            model = setup_model(config)
            model.load_checkpoint(config, checkpoint_dir=str(ckpt.parent), checkpoint_path=str(ckpt), eval=True)
    else:
        model = setup_model(config)
        model.load_checkpoint(config, checkpoint_path=str(ckpt), eval=True)
        encoder = config.model_args.get("speaker_encoder_model_path")
        if encoder and getattr(model, "speaker_manager", None) is not None:
            model.speaker_manager.init_encoder(encoder, config.model_args.get("speaker_encoder_config_path"), False)
            model._register_speaker_encoder()
    model.eval()
    return model


class CoquiSynthesizer:
    """A loaded coqui model; :meth:`render` is deterministic given the voice's ``seed``."""

    backend = BACKEND

    def __init__(self, model: str | ModelInfo) -> None:
        self.info = model if isinstance(model, ModelInfo) else resolve_model(model)
        import torch

        torch.set_num_threads(RENDER_THREADS)
        self.model = load_model(self.info)
        self.sample_rate = self.info.sample_rate
        self.vocab = frozenset(self.info.vocab)
        self._base_length_scale = float(getattr(self.model, "length_scale", 1.0) or 1.0)
        self._conditioning: dict[str, Any] = {}

    def render(self, text: str, voice: Voice, phoneme_input: bool = False, report_phonemes: bool = True) -> Audio:
        import numpy as np
        import torch

        p = voice.params
        torch.set_num_threads(RENDER_THREADS)
        torch.manual_seed(int(p.get("seed", 0)))
        with torch.inference_mode():
            if self.info.kind == "xtts":
                wav = self._xtts(text, p)
            else:
                wav = self._vits(text, p, phoneme_input)
        return Audio(np.asarray(wav, dtype=np.float32).reshape(-1), self.sample_rate)

    # VITS (coqui's own, MMS, YourTTS)
    def _token_ids(self, text: str, phoneme_input: bool, language: str | None) -> list[int]:
        tok = self.model.tokenizer
        if not phoneme_input:
            return tok.text_to_ids(text, language=language)
        ids = tok.encode(text)  # IPA written with the model's symbols: no cleaner, no phonemizer
        if tok.add_blank:
            ids = tok.intersperse_blank_char(ids)
        if tok.use_eos_bos:
            ids = tok.pad_with_bos_eos(ids)
        return ids

    def _vits(self, text: str, p: dict, phoneme_input: bool):
        import numpy as np
        import torch

        m = self.model
        language = p.get("model_language")
        ids = self._token_ids(text, phoneme_input, language)
        if not [i for i in ids if i != getattr(m.tokenizer, "blank_id", None)]:
            return np.zeros(0, np.float32)
        x = torch.as_tensor(ids, dtype=torch.long).unsqueeze(0)
        aux: dict[str, Any] = {"x_lengths": torch.tensor([x.shape[1]]), "speaker_ids": None, "d_vectors": None,
                               "language_ids": None}
        if p.get("reference"):
            aux["d_vectors"] = self._d_vector(p["reference"])
        elif p.get("coqui_speaker") is not None or m.speaker_manager is not None:
            aux["speaker_ids"], aux["d_vectors"] = m._get_speaker_id_or_dvector(p.get("coqui_speaker"), None, None)
        lid = m._get_language_id(language) if hasattr(m, "_get_language_id") else None
        if lid is not None and getattr(m.args, "use_language_embedding", False):
            aux["language_ids"] = torch.tensor([lid])
        m.length_scale = self._base_length_scale / float(p.get("speed", 1.0))
        try:
            out = m.inference(x, aux_input=aux)
        finally:
            m.length_scale = self._base_length_scale
        return out["model_outputs"][0].squeeze().cpu().numpy()

    def _d_vector(self, reference: str):
        import torch

        if reference not in self._conditioning:
            emb = self.model.speaker_manager.compute_embedding_from_clip(reference)
            self._conditioning[reference] = torch.tensor(emb, dtype=torch.float).reshape(1, -1)
        return self._conditioning[reference]

    # XTTS
    def _xtts(self, text: str, p: dict):
        from ..text.normalize import Rejected

        m = self.model
        if p.get("reference"):
            latent, embedding = self._xtts_voice(p["reference"])
        else:
            latent, embedding = m.speaker_manager.speakers[p["coqui_speaker"]].values()
        cfg = m.config
        try:
            out = m.inference(text, p["model_language"], latent, embedding, temperature=cfg.temperature,
                              length_penalty=cfg.length_penalty, repetition_penalty=cfg.repetition_penalty,
                              top_k=cfg.top_k, top_p=cfg.top_p, speed=float(p.get("speed", 1.0)))
        except AssertionError as exc:  # XTTS asserts its 400-token limit
            raise Rejected(f"XTTS cannot read it: {exc}".strip()) from None
        return out["wav"]

    def _xtts_voice(self, reference: str):
        """GPT conditioning latents and speaker embedding of a reference clip (as coqui's
        ``get_conditioning_latents`` computes them; the clip is read with soundfile)."""
        import torch

        from ..audio import load

        if reference not in self._conditioning:
            m, cfg = self.model, self.model.config
            sr = XTTS_REFERENCE_SR
            x, _ = load(reference, sr)
            audio = torch.from_numpy(x[: sr * int(cfg.max_ref_len)]).unsqueeze(0)
            embedding = m.get_speaker_embedding(audio, sr)
            latent = m.get_gpt_cond_latents(audio, sr, length=int(cfg.gpt_cond_len),
                                            chunk_length=int(cfg.gpt_cond_chunk_len))
            self._conditioning[reference] = (latent, embedding)
        return self._conditioning[reference]


#: Sample rate XTTS reads reference clips at (coqui's ``load_sr``).
XTTS_REFERENCE_SR = 22050


# --- what synth needs from the backend ----------------------------------------------------------

@dataclass(frozen=True)
class CoquiPlan:
    """Decided in the driver (``synth.prepare``), shipped to the workers."""

    info: ModelInfo
    voices: VoicePlan
    references: list[dict[str, str]] = field(default_factory=list)

    def settings(self) -> dict[str, Any]:
        return {"backend": BACKEND, "model": self.info.model, "license": self.info.license,
                "model_language": self.voices.language, "references": self.references,
                "speed": list(self.voices.speed)}

    backend: str = BACKEND

    def describe(self) -> str:
        return f"rendering with {self.info.describe()}"

    def sample_voices(self, rng: random.Random, n: int, donors=None) -> list[Voice]:
        return self.voices.sample(rng, n)

    def input_fields(self, words: list[list[str]], punctuation: list[str] | None) -> dict[str, Any]:
        """Row keys that say what a phoneme model reads for a sentence (nothing for text models)."""
        if self.info.input != "phonemes":
            return {}
        text, dropped = ipa_input(words, punctuation, frozenset(self.info.vocab))
        if not text:
            from ..text.normalize import Rejected

            raise Rejected(f"no phoneme of the sentence is among the symbols of {self.info.model}")
        return {"render_text": text, **({"dropped_symbols": dropped} if dropped else {})}

    def donor_fields(self, mapped, punctuation: list[str] | None) -> dict[str, Any]:
        return {"render_text": self.input_fields(mapped.donor_words, punctuation)["render_text"]}

    def donor(self, spec: str):
        return donor_inventory(self.info)  # the model is the one donor (synth checks --donor names it)

    def donor_candidates(self) -> list:
        return [donor_inventory(self.info)]

    def synthesizer(self) -> CoquiSynthesizer:
        return CoquiSynthesizer(self.info)


def plan(model: str, choice, references: tuple[Path, ...] = ()) -> CoquiPlan:
    info = resolve_model(model, choice)
    refs = check_references(info, tuple(references))
    language = model_language(info, choice)
    return CoquiPlan(info, VoicePlan(info, language, tuple(r["path"] for r in refs)), refs)


class CoquiBackend:
    """coqui-tts models (see module doc), as registered in :data:`synthkit.tts.backends.BACKENDS`."""

    name = BACKEND
    usage = "coqui:MODEL (a coqui model name, mms, or a model folder)"
    reproducible = True

    def check(self, model, config, choice) -> None:
        check_available(model or "", choice)  # a named model offline: the one line, before the G2P is built

    def plan(self, model, config, choice, donors=()) -> CoquiPlan:
        for d in donors:
            if d.partition(":")[2].strip() != model:
                raise SynthkitError(f"--donor {config.donor} and --backend {config.backend} name different models; "
                                    "give one")
        if not model:
            raise SynthkitError("--backend coqui needs a model: coqui:NAME (tts_models/...), coqui:mms or coqui:FOLDER")
        p = plan(model, choice, config.references)
        if donors and config.donors != 1:
            raise SynthkitError("--donors does not apply to a coqui donor: the model is the one donor")
        return p

    def donor_candidates(self, include_constructed: bool = False) -> list:
        return []  # a coqui donor is always named: --donor coqui:MODEL

    def donor_inventory(self, model, choice=None):
        if not model:
            raise SynthkitError("--donor coqui needs a model: coqui:NAME (tts_models/...), coqui:mms or coqui:FOLDER")
        return donor_inventory(resolve_model(model, choice))

    def voice_from_row(self, fields: dict) -> Voice:
        return voice_from_row(fields)

    def synthesizer(self, fields: dict) -> CoquiSynthesizer:
        if not fields.get("model"):
            raise SynthkitError("--backend coqui needs a model: coqui:NAME (tts_models/...), coqui:mms or coqui:FOLDER")
        return CoquiSynthesizer(fields["model"])


#: This backend, as registered in :data:`synthkit.tts.backends.BACKENDS`.
backend = CoquiBackend()
