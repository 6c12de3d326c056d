"""``synthkit restore``: restore every clip of a manifest or folder with a checkpoint bundle.

Streaming and resumable: rows are read lazily, clips are restored in worker processes
(:func:`synthkit.engine.map_ordered`) and written in input order, each WAV under a temporary name
and renamed before its row is appended to ``manifest.jsonl``. Run the same command again after a
crash or a kill and only the missing clips are made. The input is never written: an ``--out`` that
overlaps the input is refused, and a row whose output would land on its own source is rejected.

Each output row keeps every key of the input row (id, text, speaker, ...) and adds
``source_audio_filepath`` (the input audio, absolute), the new ``audio_filepath`` / ``duration`` /
``sample_rate``, and ``restore``: the checkpoint, whether the clip ``kept_original``, and the
before/after scores (DNSMOS SIG/BAK/OVRL of input and output, speaker similarity between them)
when the scoring packages are installed.

Cost: the before/after scores (DNSMOS twice, two speaker embeddings per clip) take most of the work — on
CPU ``restore`` with scores (the default) takes about 2.5-4x as long as ``--no-scores`` (2.4x measured
on 12 LJSpeech clips on 2 cores shared with other jobs; 4x reported on an idle machine). The progress bar says whether scores are on, and the summary states the share
of the worker time they took (with ``keep_original_if_worse`` the ASR judge's two transcriptions per
clip count as scores too).

Do no harm: with ``keep_original_if_worse`` three judges look at each restored clip, in this order,
and the first that finds it worse keeps the original audio instead:

1. ``dnsmos`` — the restored clip scores a lower DNSMOS OVRL than its input;
2. ``speaker`` — the voice moved too far (speaker similarity below ``min_speaker_similarity``);
3. ``asr`` — restoration changed the words (:class:`synthkit.restore.scores.AsrJudge`: Whisper base
   transcribes input and output in the row's ``language``; with a ``text`` the restored CER against it
   must not rise, without one the two transcripts must not differ by more than
   ``max_transcript_change``). Off with ``asr_judge=None``.

The row's ``restore`` says what each judge found (``judges``: pass / fail / not run — a later judge is
not run once one has failed), ``decided_by`` (the judge that kept the original, or null) and why
(``kept_original_reason``), and the transcripts when the ASR judge ran.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..audio import resample, save_wav
from ..errors import SynthkitError
from ..guard import Input
from ..manifest import MANIFEST_NAME, BadRow, ManifestWriter, Utterance
from .corpus import Unusable, bad_row_record, check_paths, guard_inputs, output_rel, read_input, read_source, \
    remove_leftovers
from .scores import JUDGE_ASR, MAX_TRANSCRIPT_CHANGE

REJECTS_NAME, SUMMARY_NAME = "rejects.jsonl", "summary.json"
FORMAT = 1
#: Default floor of speaker similarity (Resemblyzer cosine, input vs output) for keeping a restored clip.
#: Restoring a noisy clip perfectly already lowers this number (the noise moved the input's embedding),
#: so the floor guards against a changed voice, not against any change.
MIN_SPEAKER_SIMILARITY = 0.65
#: What the before/after scores cost, as measured (README, ``--help``, the start-up line).
SCORES_COST_NOTE = ("before/after scores (DNSMOS and speaker similarity of input and output) take most of the "
                    "time: a run takes about 2.5-4x as long as with --no-scores on CPU")


@dataclass(frozen=True)
class RestoreRunConfig:
    source: Path  # manifest or folder
    out_dir: Path
    checkpoint: Path | None = None  # None: the shipped default
    workers: int = 1
    keep_original_if_worse: bool = False
    min_speaker_similarity: float = MIN_SPEAKER_SIMILARITY
    asr_judge: str | None = JUDGE_ASR  # with keep_original_if_worse: ASR spec of the words judge (None: off)
    max_transcript_change: float = MAX_TRANSCRIPT_CHANGE
    scores: bool | None = None  # None: when the scoring packages are installed
    device: str = "cpu"
    progress: bool = True
    engine: str = "local"
    engine_address: str | None = None


@dataclass(frozen=True)
class Prepared:
    config: RestoreRunConfig
    source: Path
    out_dir: Path
    checkpoint: Path
    scores: bool
    settings: dict[str, Any]


@dataclass
class Summary:
    clips: int = 0
    new_clips: int = 0
    kept_original: int = 0
    rejects: int = 0
    new_audio_s: float = 0.0
    wall_s: float = 0.0
    restore_s: float = 0.0  # time in the model alone (all workers together)
    scores_s: float = 0.0  # time in the before/after scores (all workers together)
    ovrl_before: float | None = None  # mean DNSMOS OVRL of the new clips' inputs
    ovrl_after: float | None = None  # ... and of what was written

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["rtf_model"] = round(self.restore_s / self.new_audio_s, 4) if self.new_audio_s else None
        d["scores_share"] = self.scores_share()
        return d

    def scores_share(self) -> float | None:
        """Share of the workers' restore + score time that the before/after scores took."""
        work = self.restore_s + self.scores_s
        return round(self.scores_s / work, 3) if self.scores_s and work else None

    def text(self) -> str:
        s = (f"{self.clips} clips ({self.new_clips} new, {self.kept_original} kept their original), "
             f"{self.rejects} rejects, {self.wall_s:.1f} s wall")
        if self.ovrl_before is not None and self.ovrl_after is not None:
            s += f"; DNSMOS OVRL {self.ovrl_before:.2f} -> {self.ovrl_after:.2f}"
        share = self.scores_share()
        if share is not None:
            s += (f"; the before/after scores took {share:.0%} of the work ({self.scores_s:.1f} s of "
                  f"{self.scores_s + self.restore_s:.1f} s; --no-scores skips them)")
        return s


def prepare(config: RestoreRunConfig) -> Prepared:
    """Validate everything before any work; raise :class:`SynthkitError` on a problem."""
    from ..hashing import code_fingerprint, file_sha256
    from ..synth import check_out_dir
    from .model import checkpoint_path, read_bundle
    from .scores import available

    if config.workers < 1:
        raise SynthkitError("--workers must be at least 1")
    if not 0.0 <= config.min_speaker_similarity <= 1.0:
        raise SynthkitError("--min-speaker-similarity must be in [0, 1]")
    if not config.max_transcript_change >= 0.0:
        raise SynthkitError("--max-transcript-change must be >= 0")
    from .model import check_device

    check_device(config.device)
    source, out = check_paths(Path(config.source), Path(config.out_dir))
    ckpt = checkpoint_path(config.checkpoint).resolve()
    if config.checkpoint is None and not ckpt.is_file():
        raise SynthkitError(f"the default restoration checkpoint is missing ({ckpt}); pass --checkpoint")
    read_bundle(ckpt)  # a broken or foreign file fails now, not in a worker
    have_scores = available()
    scores = have_scores if config.scores is None else bool(config.scores)
    if scores and not have_scores:
        raise SynthkitError("scores need torchmetrics, speechmos, onnxruntime and Resemblyzer; install them with "
                            "pip install 'synthkit[quality]' (or run without --scores)")
    if config.keep_original_if_worse and not scores:
        raise SynthkitError("--keep-original-if-worse compares before/after scores, which need "
                            "pip install 'synthkit[quality]'")
    settings = {
        "format": FORMAT,
        "command": "restore",
        "code": code_fingerprint("restore"),
        "input": str(source),
        "checkpoint_sha256": file_sha256(ckpt),
        "keep_original_if_worse": config.keep_original_if_worse,
        "min_speaker_similarity": config.min_speaker_similarity if config.keep_original_if_worse else None,
        "asr_judge": config.asr_judge if config.keep_original_if_worse else None,
        "max_transcript_change": (config.max_transcript_change
                                  if config.keep_original_if_worse and config.asr_judge else None),
        "scores": scores,
    }
    check_out_dir(out, settings)
    guard_inputs(source, out, [Input.file("the --checkpoint", ckpt)] if config.checkpoint else [])
    if config.keep_original_if_worse and config.asr_judge:
        _check_asr(config.asr_judge)
    return Prepared(config, source, out, ckpt, scores, settings)


def _check_asr(spec: str) -> None:
    """Fail before any work when the ASR judge's model is not there (the Whisper base folder, or a
    local faster-whisper folder), without loading it."""
    from ..quality.asr import ASR_BACKENDS, parse_spec

    if spec in ("faster-whisper:base", "base"):
        from .. import models

        st = models.status("whisper-base")
        if not st.installed:
            raise SynthkitError(f"the ASR judge needs Whisper base ({st.detail}); install it with "
                                f"{models.INSTALL_HINT}, or pass --asr-judge none")
        return
    parse_spec(spec, ASR_BACKENDS, "faster-whisper", "ASR")


# --- the work, in worker processes --------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    row: Utterance | None  # audio_filepath is absolute (the source)
    out_rel: str = ""
    reject: dict[str, Any] | None = None  # a row rejected while reading: passed through, written in order


class _Worker:
    def __init__(self, prep: Prepared, threads: int | None) -> None:
        import torch

        from .model import load_checkpoint

        if threads:
            torch.set_num_threads(threads)
        self.prep = prep
        self.model = load_checkpoint(prep.checkpoint, prep.config.device)
        self.ckpt_name = prep.checkpoint.name
        self.scorer = None
        if prep.scores:
            from .scores import Scorer

            self.scorer = Scorer(threads=threads or 1)
        self.judge = None
        if prep.config.keep_original_if_worse and prep.config.asr_judge:
            from .scores import AsrJudge

            self.judge = AsrJudge(prep.config.asr_judge, threads or 1, prep.config.max_transcript_change)

    def process(self, job: Job) -> tuple[dict[str, Any] | None, dict[str, Any] | None, float, float]:
        """-> (row, reject, seconds in the model, seconds in the scores)."""
        if job.row is None:
            return None, job.reject, 0.0, 0.0
        row, out = job.row, self.prep.out_dir / job.out_rel
        src = row.audio_filepath
        audio, reject = read_source(row, out)
        if audio is None:
            return None, reject, 0.0, 0.0
        x, sr = audio
        out_sr = self.model.sample_rate
        x_out = resample(x, sr, out_sr)  # once: the model and the scores both take it at the model's rate
        t0 = time.perf_counter()
        y, _ = self.model.restore(x_out, out_sr, phonemes=row.get("phonemes"))
        model_s = time.perf_counter() - t0
        info: dict[str, Any] = {"checkpoint": self.ckpt_name, "kept_original": False}
        t1 = time.perf_counter()
        if self.scorer is not None:
            info.update(self.scorer.scores(x_out, y, out_sr))
            if self.prep.config.keep_original_if_worse:
                judges, decided, reason = judge_scores(info, self.prep.config.min_speaker_similarity)
                if self.judge is not None:
                    judges["asr"] = "not run"
                    if decided is None:
                        reason, heard = self.judge.judge(x_out, y, out_sr, row.get("language"), row.get("text"))
                        info.update(heard)
                        judges["asr"] = "fail" if reason else "pass"
                        decided = "asr" if reason else None
                info.update(judges=judges, decided_by=decided)
                if decided:
                    y = x_out
                    info.update(kept_original=True, kept_original_reason=reason)
        scores_s = time.perf_counter() - t1 if self.scorer is not None else 0.0
        save_wav(out, y, out_sr)
        new = row.with_fields(audio_filepath=job.out_rel, duration=y.size / out_sr, sample_rate=out_sr,
                              source_audio_filepath=src, restore=info, synthkit_version=__version__)
        return new.to_dict(), None, model_s, scores_s


def worse_reason(info: dict[str, Any], min_similarity: float) -> str | None:
    """Why a restored clip is worse than its input by its scores (``None``: it is not)."""
    return judge_scores(info, min_similarity)[2]


def judge_scores(info: dict[str, Any], min_similarity: float) -> tuple[dict[str, str], str | None, str | None]:
    """The DNSMOS and speaker judges on a clip's before/after scores:
    ``({judge: "pass" | "fail" | "not run"}, the judge that failed it or None, why)``."""
    before, after = info["dnsmos_before"]["ovrl"], info["dnsmos_after"]["ovrl"]
    if after < before:
        return {"dnsmos": "fail", "speaker": "not run"}, "dnsmos", f"DNSMOS OVRL fell from {before:.2f} to {after:.2f}"
    sim = info["speaker_similarity"]
    if sim is not None and sim < min_similarity:
        return {"dnsmos": "pass", "speaker": "fail"}, "speaker", f"speaker similarity {sim:.2f} < {min_similarity:.2f}"
    return {"dnsmos": "pass", "speaker": "pass"}, None, None


_worker: _Worker | None = None


def _init_worker(prep: Prepared, threads: int | None) -> None:
    global _worker
    _worker = _Worker(prep, threads)


def _process(job: Job):
    assert _worker is not None
    return _worker.process(job)


# --- the driver ---------------------------------------------------------------------------------

def run(prep: Prepared) -> Summary:
    """Restore (or finish restoring) the input; returns the summary (also written to summary.json)."""
    from ..engine import map_ordered
    from ..synth import write_run_settings

    cfg, out = prep.config, prep.out_dir
    out.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out)
    write_run_settings(out, prep.settings)
    t0 = time.monotonic()
    summary = Summary()
    before, after = [], []
    with ManifestWriter(out / MANIFEST_NAME) as manifest, ManifestWriter(out / REJECTS_NAME) as rejects:
        def jobs() -> Iterator[Job]:
            # runs in the engine's feeding thread: it only reads; every write happens below, in order
            for item in pending(prep.source, manifest, rejects):
                yield item

        threads = 1 if cfg.workers > 1 else None
        total = sum(1 for _ in pending(prep.source, manifest, rejects)) if cfg.progress else None
        bar = _progress(cfg.progress, total, prep.scores)
        for new, reject, model_s, scores_s in map_ordered(_process, jobs(), cfg.workers, _init_worker, (prep, threads),
                                                engine=cfg.engine, address=cfg.engine_address):
            if reject is not None:
                rejects.write(reject)
            else:
                manifest.write(new)
                summary.new_clips += 1
                summary.new_audio_s += new["duration"]
                summary.restore_s += model_s
                summary.scores_s += scores_s
                info = new["restore"]
                summary.kept_original += int(info.get("kept_original", False))
                if "dnsmos_before" in info:
                    before.append(info["dnsmos_before"]["ovrl"])
                    after.append(info["dnsmos_before" if info["kept_original"] else "dnsmos_after"]["ovrl"])
            bar.update(1)
        bar.close()
        summary.clips = len(manifest)
        summary.rejects = len(rejects)
    if before:
        summary.ovrl_before, summary.ovrl_after = float(np.mean(before)), float(np.mean(after))
    summary.wall_s = time.monotonic() - t0
    (out / SUMMARY_NAME).write_text(json.dumps(summary.to_dict(), indent=2) + "\n", encoding="utf-8")
    return summary


def pending(source: Path, manifest: ManifestWriter, rejects: ManifestWriter) -> Iterator[Job]:
    """Jobs for the input rows not yet in the output (or its rejects). Unusable rows, repeated ids and
    ids whose output file another id already has become reject-only jobs. Shared by restore and degrade."""
    seen: set[str] = set()
    taken: dict[str, str] = {}  # output file -> the id writing it (every row, done or not: same on resume)
    folders: dict[str, str] = {}  # folder under wavs/ -> the first id whose output is inside it
    for row in read_input(source):
        if isinstance(row, BadRow):
            rec = bad_row_record(row)
            if rec["id"] not in rejects:
                yield Job(None, reject=rec)
            continue
        if row.id in seen:
            if f"dup:{row.id}" not in rejects:
                yield Job(None, reject={"id": f"dup:{row.id}", "audio_filepath": row.audio_filepath,
                                        "reason": f"duplicate id {row.id!r}; only its first row is used"})
            continue
        seen.add(row.id)
        if isinstance(row, Unusable):
            if row.id not in rejects and row.id not in manifest:
                yield Job(None, reject={"id": row.id, "audio_filepath": row.audio_filepath, "reason": row.reason})
            continue
        rel = output_rel(row.id)
        parents = [rel.rsplit("/", k)[0] for k in range(1, rel.count("/"))]
        owner = taken.get(rel) or folders.get(rel) or next((taken[p] for p in parents if p in taken), None)
        if owner is None:
            taken[rel] = row.id
            for p in parents:
                folders.setdefault(p, row.id)
        if owner is not None and owner != row.id:
            if row.id not in rejects and row.id not in manifest:
                yield Job(None, reject={"id": row.id, "audio_filepath": row.audio_filepath,
                                        "reason": f"its output file {rel} is already the output of id {owner!r}"})
            continue
        if row.id in manifest or row.id in rejects:
            continue
        yield Job(row, rel)


def _progress(enabled: bool, total: int | None = None, scores: bool = False):
    from tqdm import tqdm

    return tqdm(total=total, unit="clip", file=sys.stderr, disable=not enabled or None, leave=False,
                desc="restore + scores (--no-scores: 2.5-4x faster)" if scores else "restore")


def restore_corpus(config: RestoreRunConfig) -> Summary:
    """Library entry point: validate, then run."""
    return run(prepare(config))
