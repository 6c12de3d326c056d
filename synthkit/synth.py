"""``synthkit synth``: text file -> normalized sentences -> phonemes -> rendered, augmented clips.

The stage reads the text lazily, renders sentences in worker processes, and writes rows in input
order to ``manifest.jsonl`` (sentences that cannot be used go to ``rejects.jsonl`` with their line
number and reason). It resumes: run the same command again and only missing clips are made; the
finished manifest equals an uninterrupted run's. Each clip is a pure function of its row
(:func:`regenerate`), so any clip can be redone alone.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__, guard
from .audio import DEFAULT_SAMPLE_RATE, float_to_int16, int16_to_float, resample, save_wav
from .augment import AugmentConfig, Augmenter, load_augment
from .errors import SynthkitError
from .hashing import code_difference, code_fingerprint, other_code
from .languages import LanguageChoice, resolve
from .manifest import MANIFEST_NAME, ManifestWriter, Utterance, dumps_row
from .rng import derive_seed, seeded_random
from .text import ipa, mapping
from .text.g2p import make_g2p
from .text.normalize import Rejected, normalize
from .tts import backends
from .tts import espeak as espeak_tts
from .tts.base import RenderPlan, Synthesizer

REJECTS_NAME = "rejects.jsonl"
RUN_NAME = "run.json"
SUMMARY_NAME = "summary.json"
WAV_DIR = "wavs"
#: Format version of run.json / rows written by this module. 2: ``text`` is the spoken form
#: (synthkit.text.verbalize) and ``text_original`` the line as written; a run of format 1 is not resumed.
FORMAT = 2


@dataclass(frozen=True)
class SynthConfig:
    language: str
    text_path: Path
    out_dir: Path
    voices: int = 1
    augment: AugmentConfig = field(default_factory=lambda: load_augment("light"))
    seed: int = 0
    sample_rate: int = DEFAULT_SAMPLE_RATE
    workers: int = 1
    g2p: str = "auto"
    variants: tuple[str, ...] = espeak_tts.DEFAULT_VARIANTS
    prosody: espeak_tts.ProsodyRanges = field(default_factory=espeak_tts.ProsodyRanges)
    max_seconds: float = 30.0
    max_chars: int = 1000
    progress: bool = True
    engine: str = "local"
    engine_address: str | None = None
    donor: str | None = None  # "auto", an espeak-ng voice, or several separated by commas
    donors: int = 1  # with donor="auto": spread renditions over this many best donors
    mapping: Path | None = None  # user overrides, TSV target<TAB>donor segments[<TAB>voice]
    exclude: tuple[str, ...] = ()  # with donor="auto": languages / voices left out (synthkit.donors)
    exclude_family: tuple[str, ...] = ()  # with donor="auto": espeak-ng voice families left out
    backend: str = backends.DEFAULT  # "espeak", "coqui:MODEL", "piper:VOICE", ... (see synthkit.tts.backends)
    references: tuple[Path, ...] = ()  # voice-cloning reference clips (coqui XTTS / YourTTS)


@dataclass(frozen=True)
class Job:
    line: int
    source: str  # the line as written (the row's text_original)
    text: str  # the spoken form (the row's text; what the G2P and the voice read)
    words: tuple[tuple[str, ...], ...]  # IPA segments per word, from the G2P
    renditions: tuple[int, ...]
    reject: str | None = None  # why the sentence cannot be used (passed through, so writes stay in order)


@dataclass
class Summary:
    clips: int = 0  # rows in the manifest after the run
    new_clips: int = 0
    new_audio_s: float = 0.0
    total_audio_s: float = 0.0
    rejects: int = 0
    blank_lines: int = 0  # lines of the text file with nothing to say (no rows, no rejects)
    wall_s: float = 0.0
    language: str = ""
    donors: list[str] = field(default_factory=list)
    mapping_cost_mean: float | None = None  # over the manifest's rows, when rendered through donors
    unmapped: dict[str, int] = field(default_factory=dict)  # target segment -> rows it was unmapped in

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["hours"] = round(self.total_audio_s / 3600, 4)
        d["audio_s_per_wall_s"] = round(self.new_audio_s / self.wall_s, 2) if self.wall_s > 0 else None
        return d

    def text(self) -> str:
        d = self.to_dict()
        speed = f"{d['audio_s_per_wall_s']:.1f} audio s per wall s" if d["audio_s_per_wall_s"] else "nothing new"
        blank = f", {self.blank_lines} blank lines skipped" if self.blank_lines else ""
        out = (f"{self.clips} clips ({d['hours']:.3f} h; {self.new_clips} new), {self.rejects} rejects{blank}, "
               f"{self.wall_s:.1f} s wall, {speed}")
        if self.donors:
            unmapped = ", ".join(f"{k} ({v})" for k, v in self.unmapped.items()) or "none"
            out += (f"\ndonors: {', '.join(self.donors)}; mean mapping cost {self.mapping_cost_mean:.4f}; "
                    f"unmapped segments (rows): {unmapped}")
        return out


# --- validation before any work -----------------------------------------------------------------

def _text_sha256(path: Path) -> str:
    """Hash of the text file; also proves it is readable UTF-8 before any work starts."""
    if not path.exists():
        raise SynthkitError(f"text file not found: {path}")
    if not path.is_file():
        raise SynthkitError(f"text file is not a regular file: {path}")
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise SynthkitError(f"cannot read text file {path}: {exc.strerror or exc}") from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SynthkitError(f"text file {path} is not UTF-8 (bad byte at offset {exc.start})") from None
    h.update(data)
    return h.hexdigest()


def settings(config: SynthConfig, choice: LanguageChoice, text_sha: str, donor_plan: DonorPlan | None = None,
             backend: RenderPlan | None = None) -> dict[str, Any]:
    """Everything that shapes the output; a resumed run must match it exactly. (The espeak-ng default
    adds no backend keys, so its settings are what they were before backends existed.)"""
    return {
        **(backend.settings() if backend is not None else {}),
        **({"donors": donor_plan.voices, "mapping_sha256": donor_plan.mapping_sha, "tonal": donor_plan.tonal}
           if donor_plan else {}),
        **({"donors_excluded": sorted(donor_plan.excluded)} if donor_plan and donor_plan.excluded else {}),
        "format": FORMAT,
        "code": code_fingerprint("synth"),
        "language": choice.requested,
        "g2p": choice.g2p,
        "voice": choice.voice,
        "text_sha256": text_sha,
        "voices": config.voices,
        "seed": config.seed,
        "sample_rate": config.sample_rate,
        "augment": config.augment.to_dict(),
        "variants": list(config.variants),
        "prosody": {k: list(v) for k, v in config.prosody.__dict__.items()},
        "max_seconds": config.max_seconds,
        "max_chars": config.max_chars,
    }


def _diff(a: dict, b: dict) -> str:
    keys = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    return ", ".join(f"{k}: {json.dumps(a.get(k))[:40]} -> {json.dumps(b.get(k))[:40]}" for k in keys[:4])


def check_out_dir(out: Path, wanted: dict[str, Any]) -> None:
    if out.exists() and not out.is_dir():
        raise SynthkitError(f"--out {out} exists and is not a folder")
    run_file, manifest = out / RUN_NAME, out / MANIFEST_NAME
    if run_file.exists():
        try:
            have = json.loads(run_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise SynthkitError(f"--out {out} holds an unreadable {RUN_NAME}; choose another --out") from None
        if have != wanted:
            refusal = other_code(f"--out {out}", have, wanted, "another --out")
            if refusal:
                raise SynthkitError(refusal)
            raise SynthkitError(
                f"--out {out} holds another run with different settings ({_diff(have, wanted)}); "
                "choose another --out or delete that folder")
    elif manifest.exists():
        raise SynthkitError(f"--out {out} holds a {MANIFEST_NAME} from another tool or run; choose another --out")
    else:
        ours = [n for n in (REJECTS_NAME, SUMMARY_NAME) if (out / n).exists()]
        if (out / WAV_DIR).is_dir() and any((out / WAV_DIR).iterdir()):
            ours.append(f"{WAV_DIR}/")
        if ours:
            raise SynthkitError(f"--out {out} holds {', '.join(ours)} but no {RUN_NAME}: files synthkit did not write "
                                "for this run; choose another --out")


def guard_out_dir(out: Path, inputs: Iterable[guard.Input], option: str = "--out") -> None:
    """The files a stage writes in ``out`` (manifest, rejects, run settings, summary, ``wavs/``) are no
    input, and ``out`` takes files; before any work (see :mod:`synthkit.guard`)."""
    guard.guard(guard.stage_outputs(option, out, (MANIFEST_NAME, REJECTS_NAME, RUN_NAME, SUMMARY_NAME), (WAV_DIR,)),
                inputs)


def write_run_settings(out: Path, settings: dict[str, Any]) -> None:
    """Write ``out/run.json`` (what :func:`check_out_dir` compares a re-run against) unless it exists;
    atomically, so a killed run never leaves half of it."""
    run_file = out / RUN_NAME
    if not run_file.exists():
        tmp = run_file.with_name(f".{RUN_NAME}.tmp")
        tmp.write_text(json.dumps(settings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, run_file)


@dataclass(frozen=True)
class DonorPlan:
    """Which donor voices render the text and how (decided once, before any work)."""

    voices: list[str]
    scores: list[dict[str, Any]]  # ranking entries of the chosen donors
    tonal: bool
    mapping_sha: str | None
    excluded: dict[str, str] = field(default_factory=dict)  # voice -> why it was left out (--exclude)
    # per donor: (mapper with every segment of the text already mapped, IPA -> the backend's input for
    # it, e.g. an espeak-ng mnemonic); shipped to workers so they need no feature table
    mappers: dict[str, tuple[Any, dict[str, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Prepared:
    config: SynthConfig
    choice: LanguageChoice
    settings: dict[str, Any]
    donor_plan: DonorPlan | None = None
    backend: RenderPlan | None = None  # what renders the run (synthkit.tts.base.RenderPlan)


def plan_donors(config: SynthConfig, choice: LanguageChoice, backend: RenderPlan) -> DonorPlan:
    """Measure the text's inventory and choose the donor voices (``--donor``/``--donors``) among the
    backend's donors, less those ``--exclude``/``--exclude-family`` leave out."""
    from .donors import excluded_voices, mapper_for, rank_donors
    from .text.inventory import measure_file

    excluded: dict[str, str] = {}
    if (config.exclude or config.exclude_family) and config.donor != "auto":
        raise SynthkitError("--exclude and --exclude-family apply to --donor auto (named donors are used as named)")
    if config.donors < 1:
        raise SynthkitError("--donors must be at least 1")
    mapping_sha = None
    if config.mapping is not None:
        if not config.mapping.is_file():
            raise SynthkitError(f"--mapping file not found: {config.mapping}")
        mapping_sha = hashlib.sha256(config.mapping.read_bytes()).hexdigest()
    target = measure_file(config.text_path, make_g2p(choice.g2p), choice.iso639_3, choice.iso639_1, choice.script)
    if config.donor == "auto":
        # a plan that applied --exclude to its own candidates says which it left out (MBROLA: mbrola:ar1, ...),
        # possibly none; else espeak-ng's voices of the excluded languages are left out here
        own = getattr(backend, "excluded", None)
        excluded = own if own is not None else excluded_voices(config.exclude, config.exclude_family)
        invs = [i for i in backend.donor_candidates() if i.voice not in excluded]
        if not invs:
            raise SynthkitError("every donor voice was excluded (--exclude / --exclude-family)")
        skipped: list[tuple[str, str]] = []  # donors that cannot render an override are not chosen
        ranking = rank_donors(target, voices=[], extra=invs, overrides_path=config.mapping,
                              skipped=skipped, language=choice.iso639_3)[: config.donors]
        for voice, why in skipped:
            print(f"synthkit synth: skipped donor {voice}: {why}", file=sys.stderr)
    else:
        names = donor_names(config)
        if config.donors != 1 and config.donors != len(names):
            raise SynthkitError("--donors counts the automatic choice; with named donors, list them: --donor sw,it")
        invs = [backend.donor(n) for n in names]
        ranking = rank_donors(target, voices=[], extra=list({i.voice: i for i in invs}.values()),
                              overrides_path=config.mapping)
        order = {inv.voice: i for i, inv in reversed(list(enumerate(invs)))}
        ranking.sort(key=lambda s: order[s.voice])
    by_voice = {inv.voice: inv for inv in invs}
    mappers = {}
    for s in ranking:
        inv = by_voice[s.voice]
        mapper = mapper_for(inv, config.mapping)
        for seg in target.counts:
            mapper.map(seg)
        mappers[s.voice] = (mapper, inv.ipa_to_mnemonic)
    return DonorPlan([s.voice for s in ranking], [s.to_dict() for s in ranking], target.tonal, mapping_sha,
                     excluded, mappers)


def prepare(config: SynthConfig) -> Prepared:
    """Validate every input; raise :class:`SynthkitError` before any work is done."""
    if config.voices < 1:
        raise SynthkitError("--voices must be at least 1")
    if config.workers < 1:
        raise SynthkitError("--workers must be at least 1")
    if not 8000 <= config.sample_rate <= 48000:
        raise SynthkitError(f"--sample-rate {config.sample_rate} is outside 8000-48000 Hz")
    if not (math.isfinite(config.max_seconds) and config.max_seconds > 0):
        raise SynthkitError(f"--max-seconds must be a positive number of seconds, got {config.max_seconds:g}")
    choice = resolve(config.language, config.g2p)
    name, model, donors = _backend(config)
    backends.get(name).check(model, config, choice)  # cheap checks first: one line now, before the G2P is built
    espeak_tts.check_variants(config.variants)
    make_g2p(choice.g2p)  # fail now, not in a worker, if the G2P cannot be built
    text_sha = _text_sha256(config.text_path)
    backend = backends.get(name).plan(model, config, choice, donors)
    donor_plan = plan_donors(config, choice, backend) if config.donor else None
    wanted = settings(config, choice, text_sha, donor_plan, backend)
    check_out_dir(config.out_dir, wanted)
    guard_out_dir(Path(config.out_dir), _inputs(config))
    return Prepared(config, choice, wanted, donor_plan, backend)


def _inputs(config: SynthConfig) -> list[guard.Input]:
    """Every file and folder ``synth`` reads (for :func:`guard_out_dir`)."""
    inputs = [guard.Input.file("the --text file", config.text_path)]
    if config.mapping is not None:
        inputs.append(guard.Input.file("the --mapping file", config.mapping))
    if Path(config.augment.name).is_file():
        inputs.append(guard.Input.file("the --augment file", config.augment.name))
    for t in config.augment.transforms:
        if t.get("dir"):
            inputs.append(guard.Input.folder(f"the {t['type']} folder", t["dir"]))
    inputs += [guard.Input.file("a --reference clip", r) for r in config.references]
    return inputs


def donor_names(config: SynthConfig) -> list[str]:
    """The donors named with ``--donor`` (not ``auto``)."""
    names = [v.strip() for v in (config.donor or "").split(",") if v.strip()]
    if not names:
        raise SynthkitError("--donor is empty; give 'auto' or an espeak-ng voice such as 'sw'")
    return names


def _backend(config: SynthConfig) -> tuple[str, str | None, tuple[str, ...]]:
    """(backend name, model, donor names) from ``--backend`` and ``--donor``: a donor of another backend
    than espeak-ng (``--donor coqui:MODEL``, ``--donor kokoro:jm_kumo``) chooses that backend."""
    name, model = backends.parse(config.backend)
    if not config.donor:
        return name, model, ()
    if config.donor.strip() == "auto":
        if name != backends.DEFAULT and not getattr(backends.get(name), "auto_donors", False):
            raise SynthkitError(f"with --backend {config.backend} the donor is the model itself: "
                                f"--donor {config.backend}")
        return name, model, ()
    names = donor_names(config)
    parsed = [backends.parse_donor(n) for n in names]
    kinds = sorted({b for b, _ in parsed})
    if len(kinds) > 1:
        raise SynthkitError(f"--donor {config.donor} names voices of several backends ({', '.join(kinds)}); "
                            "render each backend in its own run")
    donor_backend = kinds[0]
    if name == backends.DEFAULT and donor_backend != backends.DEFAULT:
        models = {m for _, m in parsed}
        return donor_backend, (models.pop() if len(models) == 1 else None), tuple(names)
    if name != donor_backend:
        raise SynthkitError(f"with --backend {config.backend} the donor is the model itself: --donor {config.backend}")
    return name, model, tuple(names)  # the backend's plan checks that its donors are its voices


# --- the work, in worker processes --------------------------------------------------------------

def donor_for(donors: list[str], line: int, rendition: int) -> str:
    """The donor voice of rendition ``rendition`` of text line ``line``: donors take turns, by rendition
    and by line, so every donor is used even with ``--voices 1`` (line 1: donors 1, 2, ...; line 2:
    donors 2, 3, ...)."""
    return donors[(line - 1 + rendition) % len(donors)]


def sentence_id(choice: LanguageChoice, line: int) -> str:
    return f"{choice.tag}_{line:06d}"


def clip_id(choice: LanguageChoice, line: int, k: int) -> str:
    return f"{sentence_id(choice, line)}_{k:02d}"


class _Worker:
    """Per-process state: synthesizer, augmentation chain and donor mappers, built once. (Text
    normalization and G2P run in the driver, which reads the text in order.)"""

    def __init__(self, prep: Prepared) -> None:
        self.prep = prep
        self.config = prep.config
        self.choice = prep.choice
        self.backend = prep.backend
        self.synth = self.backend.synthesizer()
        self.augmenter = Augmenter(prep.config.augment)
        self.mappers = prep.donor_plan.mappers if prep.donor_plan else {}

    def process(self, job: Job) -> tuple[list[Utterance], list[dict[str, Any]]]:
        cfg, choice, backend = self.config, self.choice, self.backend
        sid = sentence_id(choice, job.line)
        if job.reject:
            return [], [{"id": sid, "line": job.line, "text": job.source, "reason": job.reject}]
        text, words = job.text, [list(w) for w in job.words]
        rng = seeded_random(cfg.seed, "voices", sid)
        plan = self.prep.donor_plan
        donors = [donor_for(plan.voices, job.line, k) for k in range(cfg.voices)] if plan else None
        voices = backend.sample_voices(rng, cfg.voices, donors)
        punct = mapping.punctuation_after_words(text, len(words))
        rows, rejects = [], []
        for k in job.renditions:
            uid = clip_id(choice, job.line, k)
            try:
                if plan:
                    donor = donors[k]
                    mapper, to_input = self.mappers[donor]
                    mapped = mapping.map_sentence(words, mapper, to_input, voices[k].params.get("pitch", 50),
                                                  plan.tonal)
                    if not mapped.mnemonic_words:
                        raise Rejected(f"no segment could be mapped onto donor {donor}")
                    input_fields = {
                        "donor": donor,
                        "donor_phonemes": ipa.join_words(mapped.donor_words),
                        "mapping_cost": round(mapped.cost, 5),
                        "unmapped": mapped.unmapped,
                        **backend.donor_fields(mapped, punct),
                    }
                else:
                    input_fields = backend.input_fields(words, punct)
            except Rejected as exc:
                rejects.append({"id": uid, "line": job.line, "text": job.source, "reason": str(exc)})
                continue
            base = {
                "text_original": job.source,
                "language": choice.iso639_3,
                "speaker": voices[k].speaker,
                "phonemes": ipa.join_words(words),
                "g2p": choice.g2p,
                "backend": voices[k].backend,
                "sample_rate": cfg.sample_rate,
                "seed": derive_seed(cfg.seed, uid),
                "line": job.line,
                "rendition": k,
                **input_fields,
                **voices[k].params,
            }
            try:
                row = render_clip(Utterance(uid, f"{WAV_DIR}/{uid}.wav", None, text, base), cfg.out_dir,
                                  self.synth, self.augmenter, cfg.max_seconds)
            except Rejected as exc:
                rejects.append({"id": uid, "line": job.line, "text": job.source, "reason": str(exc)})
                continue
            rows.append(row)
        return rows, rejects


def render_clip(row: Utterance, out_dir: Path, synth: Synthesizer, augmenter: Augmenter | None,
                max_seconds: float | None = None, records: list[dict] | None = None) -> Utterance:
    """Render, resample, augment and save one clip; return its finished row. ``synth`` is the row's
    backend (``backend`` key).

    With ``records`` the augmentation is replayed from them instead of sampled (see
    :func:`regenerate`). Raises :class:`Rejected` for a clip that cannot be made."""
    x, row = _render(row, synth, max_seconds)
    sr = int(row["sample_rate"])
    seed = int(row["seed"])
    if records is None:
        x, records = augmenter.apply(x, sr, seed) if augmenter else (x, [])
    elif records:
        x = (augmenter or Augmenter.from_records(records)).replay(x, sr, seed, records)
    pcm = float_to_int16(x)
    if max_seconds is not None and pcm.size / sr > max_seconds:  # a tempo transform lengthens the clip
        raise Rejected(f"too long after augmentation: {pcm.size / sr:.1f} s > {max_seconds:g} s")
    path = row.audio_path(out_dir)
    save_wav(path, pcm, sr)
    return row.with_fields(duration=pcm.size / sr, augment=records, synthkit_version=__version__)


def _render(row: Utterance, synth: Synthesizer, max_seconds: float | None = None) -> tuple[np.ndarray, Utterance]:
    """The row's rendering, resampled to its ``sample_rate``, before any augmentation; and the row, its
    ``donor_phonemes`` set to what the donor voice reports it said (when the backend reports it), or,
    for a backend whose native speech is not simply the G2P's phonemes (``reports_spoken``: MBROLA's
    voices leave out a glottal stop they cannot join), ``spoken_phonemes`` set to what it spoke."""
    voice = backends.voice_from_row(row.fields)
    render_text = row.get("render_text") or row.text
    donor = row.get("donor_phonemes") is not None
    spoken = not donor and getattr(synth, "reports_spoken", False)  # it may say other phonemes than the G2P's
    audio = synth.render(render_text, voice, phoneme_input=bool(row.get("render_text")),
                         report_phonemes=donor or spoken)
    if audio.samples.size == 0:
        raise Rejected("the synthesizer produced no audio")
    seconds = audio.samples.size / audio.sample_rate
    if max_seconds is not None and seconds > max_seconds:
        raise Rejected(f"too long for one clip: {seconds:.1f} s > {max_seconds:g} s")
    if donor and audio.phonemes:  # what the donor voice reports it said
        said = mapping.as_rendered(ipa.split_words(row["donor_phonemes"]), audio.phonemes)
        row = row.with_fields(donor_phonemes=ipa.join_words(said))
    elif spoken and audio.phonemes:  # what the voice spoke, where it is not simply the G2P (MBROLA)
        row = row.with_fields(spoken_phonemes=ipa.join_words(mapping.as_rendered([], audio.phonemes)))
    return resample(audio.samples, audio.sample_rate, int(row["sample_rate"])), row


def render_unaugmented(row: Utterance, synth: Synthesizer | None = None) -> tuple[np.ndarray, int]:
    """``(samples, sample_rate)`` of the row's clip as rendered, without its recorded augmentation: what
    :func:`regenerate` with ``augment=False`` writes, as float32 read back from 16-bit PCM. The quality
    scorer judges intelligibility on it (see :mod:`synthkit.quality.metrics`). ``synth``: the row's
    backend, when the caller keeps one."""
    if row.get("backend") not in backends.BACKENDS:
        raise SynthkitError(f"row {row.id}: re-rendering clips of backend {row.get('backend')!r} is not supported")
    x, _ = _render(row, synth or backends.for_row(row.fields))
    return int16_to_float(float_to_int16(x)), int(row["sample_rate"])


def regenerate(row: Utterance, out_path: str | os.PathLike, augment: bool = True) -> Path:
    """Re-make one clip from its manifest row alone (voice, prosody, text, sample rate, and the
    recorded augmentation values) and write it to ``out_path``. Bit-identical to the original.
    ``augment=False``: the rendering without its augmentation (what the quality scorer judges).
    A row that cannot be rendered (edited, damaged) raises :class:`SynthkitError` saying why."""
    if row.get("backend") not in backends.BACKENDS or not backends.get(row["backend"]).reproducible:
        raise SynthkitError(f"row {row.id}: regenerating clips of backend {row.get('backend')!r} is not supported")
    _check_row(row)
    out_path = Path(out_path)
    target = row.with_fields(audio_filepath=str(out_path.resolve()))
    records = list(row.get("augment") or []) if augment else []
    try:
        render_clip(target, out_path.parent, backends.for_row(row.fields), None, None, records)
    except Rejected as exc:
        raise SynthkitError(f"row {row.id}: {exc}") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise SynthkitError(f"row {row.id} cannot be rendered again ({type(exc).__name__}: "
                            f"{str(exc).splitlines()[0][:200] if str(exc) else ''}); was it edited?") from None
    return out_path


def _check_row(row: Utterance) -> None:
    """The keys :func:`regenerate` renders from, with the types synth writes (an edited row fails here)."""
    def bad(key: str, want: str) -> SynthkitError:
        return SynthkitError(f"row {row.id}: {key!r} must be {want}, got {row.get(key)!r}")

    sr = row.get("sample_rate")
    if isinstance(sr, bool) or not isinstance(sr, int) or not 8000 <= sr <= 48000:
        raise bad("sample_rate", "a rate in 8000-48000 Hz")
    if isinstance(row.get("seed"), bool) or not isinstance(row.get("seed"), int):
        raise bad("seed", "an integer")
    if not isinstance(row.text, str) or not row.text.strip():
        raise bad("text", "the sentence")
    if row.get("render_text") is not None and not isinstance(row.get("render_text"), str):
        raise bad("render_text", "text")
    if not isinstance(row.get("augment") or [], list):
        raise bad("augment", "a list of transforms")
    if row.get("backend") == "espeak":
        for key in ("voice", "variant"):
            v = row.get(key, "")
            if key == "voice" and not v:
                raise bad(key, "an espeak-ng voice name")
            if not isinstance(v, str) or any(c in v for c in "\\+\0") or v.startswith("/") or ".." in v.split("/"):
                raise bad(key, "an espeak-ng voice name (not a path)")
        for key in ("rate", "pitch", "pitch_range"):
            v = row.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 1000):
                raise bad(key, "an integer")


def regenerate_id(manifest: str | os.PathLike, clip_id: str, out_path: str | os.PathLike,
                  augment: bool = True) -> Path:
    """``synthkit regen``: re-make the clip ``clip_id`` of ``manifest`` into ``out_path``, which must be no
    input (the manifest, or any file its rows name: see :mod:`synthkit.guard`)."""
    from . import guard
    from .manifest import read_manifest

    manifest = Path(manifest)
    if not manifest.is_file():
        raise SynthkitError(f"manifest not found: {manifest}")
    outputs = [guard.Output.file("-o", out_path)]
    guard.guard(outputs, guard.manifest_inputs(manifest))
    for row in read_manifest(manifest, errors="yield"):
        if isinstance(row, Utterance) and row.id == clip_id:
            return regenerate(row, out_path, augment=augment)
    raise SynthkitError(f"no row with id {clip_id!r} in {manifest}")


def regen_warning(manifest: str | os.PathLike) -> str | None:
    """A warning for ``synthkit regen`` when the ``run.json`` beside ``manifest`` says other code wrote
    it (then the clip made again need not be bit-identical); None when it matches or there is none."""
    run_file = Path(manifest).parent / RUN_NAME
    try:
        have = json.loads(run_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(have, dict) or "text_sha256" not in have:  # not a synth run's settings
        return None
    what = code_difference(have.get("code"), code_fingerprint("synth"))
    return (f"warning: {manifest} was written by other code ({what}); the clip made again may differ from "
            "the original") if what else None


@dataclass(frozen=True)
class Done:
    """One sentence's results as they travel back to the driver: rows already serialized (the
    driver only writes them, in order) and what the run summary counts."""

    rows: tuple[tuple[str, str], ...]  # (clip id, manifest line)
    rejects: tuple[tuple[str, str], ...]  # (id, rejects line)
    durations: tuple[float, ...]  # of the rows
    mapping_costs: tuple[float, ...] = ()
    unmapped: tuple[str, ...] = ()  # each row's unmapped target segments, concatenated


_worker: _Worker | None = None


def _init_worker(prep: Prepared) -> None:
    global _worker
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _worker = _Worker(prep)


def _process(job: Job) -> Done:
    assert _worker is not None
    rows, rejects = _worker.process(job)
    return Done(tuple((r.id, dumps_row(r)) for r in rows), tuple((r["id"], dumps_row(r)) for r in rejects),
                tuple(r.duration or 0.0 for r in rows),
                tuple(float(r["mapping_cost"]) for r in rows if r.get("mapping_cost") is not None),
                tuple(seg for r in rows for seg in r.get("unmapped") or ()))


# --- the driver ---------------------------------------------------------------------------------

def _read_lines(path: Path) -> Iterator[tuple[int, str]]:
    with open(path, encoding="utf-8-sig") as f:
        for n, line in enumerate(f, start=1):
            if line.strip():
                yield n, line.rstrip("\r\n")


def _count_blank_lines(path: Path) -> int:
    with open(path, encoding="utf-8-sig") as f:
        return sum(1 for line in f if not line.strip())


def run(prep: Prepared) -> Summary:
    """Make (or finish) the corpus; returns the run summary (also written to ``summary.json``)."""
    cfg = prep.config
    out = cfg.out_dir
    out.mkdir(parents=True, exist_ok=True)
    (out / WAV_DIR).mkdir(exist_ok=True)
    for leftover in (out / WAV_DIR).glob(".*.tmp"):  # half-written files of a killed run
        leftover.unlink(missing_ok=True)
    write_run_settings(out, prep.settings)
    t0 = time.monotonic()
    summary = Summary(language=prep.choice.describe())
    choice = prep.choice
    with ManifestWriter(out / MANIFEST_NAME) as manifest, ManifestWriter(out / REJECTS_NAME) as rejects:
        g2p = make_g2p(choice.g2p)

        def pending() -> Iterator[tuple[int, str, tuple[int, ...]]]:
            for n, source in _read_lines(cfg.text_path):
                if sentence_id(choice, n) in rejects:
                    continue
                need = tuple(k for k in range(cfg.voices)
                             if clip_id(choice, n, k) not in manifest and clip_id(choice, n, k) not in rejects)
                if need:
                    yield n, source, need

        def jobs() -> Iterator[Job]:
            for n, source, need in pending():
                # runs in the pool's feeder thread: it only reads, every write happens in this thread
                try:
                    text = normalize(source, choice.iso639_3, choice.iso639_1, choice.script, cfg.max_chars,
                                     locale=choice.requested)
                    words = g2p.phonemize(text)
                except Rejected as exc:
                    yield Job(n, source, "", (), need, reject=str(exc))
                    continue
                yield Job(n, source, text, tuple(tuple(w) for w in words), need)

        total = sum(1 for _ in _read_lines(cfg.text_path))
        todo = sum(1 for _ in pending())
        resumed = len(manifest) > 0
        summary.blank_lines = _count_blank_lines(cfg.text_path)
        bar = _progress(total, cfg.progress)
        bar.update(total - todo)
        costs: list[float] = []
        unmapped: dict[str, int] = {}
        for done in _map(prep, jobs(), todo):
            manifest.write_lines(done.rows)
            rejects.write_lines(done.rejects)
            summary.new_clips += len(done.rows)
            for d in done.durations:
                summary.new_audio_s += d
            costs += done.mapping_costs
            for seg in done.unmapped:
                unmapped[seg] = unmapped.get(seg, 0) + 1
            bar.update(1)
        bar.close()
        summary.clips = len(manifest)
        summary.rejects = len(rejects)
    summary.total_audio_s = summary.new_audio_s
    if resumed:  # count the rows of earlier runs too
        costs, unmapped, summary.total_audio_s = [], {}, 0.0
        for u in _iter_rows(out / MANIFEST_NAME):
            summary.total_audio_s += u.duration or 0.0
            if u.get("mapping_cost") is not None:
                costs.append(float(u["mapping_cost"]))
                for seg in u.get("unmapped") or []:
                    unmapped[seg] = unmapped.get(seg, 0) + 1
    if prep.donor_plan:
        summary.donors = list(prep.donor_plan.voices)
        summary.mapping_cost_mean = round(sum(costs) / len(costs), 5) if costs else None
        summary.unmapped = dict(sorted(unmapped.items(), key=lambda kv: -kv[1]))
    summary.wall_s = time.monotonic() - t0
    (out / SUMMARY_NAME).write_text(json.dumps(summary.to_dict(), indent=2) + "\n", encoding="utf-8")
    return summary


#: Most sentences sent to a local worker at a time (one message each way per chunk).
MAX_CHUNK = 8


def _map(prep: Prepared, jobs: Iterator[Job], todo: int):
    from .engine import map_ordered

    cfg = prep.config
    chunk = max(1, min(MAX_CHUNK, todo // (8 * cfg.workers)))  # small enough to keep every worker busy
    # forked where safe: the workers need what the driver has already imported, and their espeak-ng
    # copies are per process (synthkit.tts.espeak_lib), so nothing of the driver's leaks into a clip
    return map_ordered(_process, jobs, cfg.workers, _init_worker, (prep,), engine=cfg.engine,
                       address=cfg.engine_address, chunksize=chunk, start="fork")


def _iter_rows(path: Path) -> Iterator[Utterance]:
    from .manifest import read_manifest

    for u in read_manifest(path):
        assert isinstance(u, Utterance)
        yield u


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    # no monitor thread (tqdm starts one even for a disabled bar): with a thread running, the
    # workers could not be forked (synthkit.engine.local.fork_is_safe)
    tqdm.monitor_interval = 0
    return tqdm(total=total, unit="sent", file=sys.stderr, disable=not enabled or None, leave=False,
                desc="synth")


def synthesize_corpus(config: SynthConfig) -> Summary:
    """Library entry point: validate, then run."""
    return run(prepare(config))


__all__ = ["SynthConfig", "Summary", "prepare", "run", "regenerate", "regenerate_id", "synthesize_corpus"]
