"""The scoring stage: ``synthkit score MANIFEST -o OUT.jsonl``.

* :func:`annotate` — a plain generator over rows (one process; for library use and tests), and one
  stage per kind of score (:func:`annotate_cer`, :func:`annotate_mos`, ...) that takes a model instance.
* :func:`score_row` / :func:`score_rows` + :func:`init_worker` — the per-row (per-batch) function and
  worker initializer that :func:`synthkit.engine.map_ordered` runs (models are built once per worker);
  :func:`map_scores` sends batches of ``config.batch_size`` rows when ``cer`` or ``lid`` is asked for, so
  the Whisper work of a batch runs as one batched pass (the scores do not depend on the batch size).
* :func:`score_manifest` — the driver: reads the manifest lazily, skips ids already in ``OUT`` (resume),
  writes each scored row as it arrives, in input order. Kill it at any point and run it again: it
  finishes the file, and the result is the same as an uninterrupted run.

Rows keep every key they had; scores are added as flat keys (see :mod:`.metrics`). Relative
``audio_filepath`` values (and the reference-clip key) are rewritten relative to ``OUT``'s folder, so the
scored manifest points at the same files wherever it is written. A manifest line that
is not a row becomes a row with id ``<line N>`` and ``score_errors``, so nothing is dropped silently;
a row whose id an earlier row has is written unscored with ``score_errors`` naming the duplicate.

``OUT`` is never an input (the manifest, or a file its rows name: see :mod:`synthkit.guard`), and an
existing ``OUT`` is continued only when its sidecar ``OUT.run.json`` shows synthkit wrote it from the
same manifest with the same metrics and models; any other existing file is refused.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from ..errors import SynthkitError
from ..manifest import BadRow, ManifestWriter, Utterance, manifest_dir, read_manifest
from .asr import Transcriber
from .metrics import BATCHED_METRICS, SCORE_ERRORS, SCORE_SKIPPED, SCORED_ON_RENDER, ScoreConfig, Scorer, bad_row, rebase
from .mos import MosPredictor
from .phones import PhoneRecognizer
from .speaker import SpeakerEmbedder

_scorer: Scorer | None = None
_init_error: str | None = None


def init_worker(config: ScoreConfig) -> None:
    """Build the models once in this worker. A failure is kept and raised on the first row, so a
    broken model stops the run with its message instead of a pool that keeps restarting workers."""
    global _scorer, _init_error
    import sys

    os.environ.setdefault("OMP_NUM_THREADS", str(config.threads))
    try:
        _scorer = Scorer(config)
        _init_error = None
        if "torch" in sys.modules:  # only when a model needed it (signal measures do not import torch)
            sys.modules["torch"].set_num_threads(config.threads)
    except SynthkitError as exc:
        _scorer, _init_error = None, str(exc)
    except Exception as exc:  # a model that fails to load for another reason
        _scorer, _init_error = None, f"cannot build the scorer: {type(exc).__name__}: {exc}"


@dataclass(frozen=True)
class _Done:
    """A row that is written as it is, unscored (a repeated id): passed through the workers in order."""

    row: Utterance


def score_row(item: tuple[Utterance | BadRow | _Done, str]) -> Utterance:
    """Score one ``(row, manifest folder)`` item in a worker set up by :func:`init_worker`."""
    row, base = item
    if isinstance(row, _Done):
        return row.row
    if isinstance(row, BadRow):
        return bad_row(row)
    if _scorer is None:
        raise SynthkitError(_init_error or "scorer not initialized")
    return _scorer.score(row, base)


def score_rows(batch: list[tuple[Utterance | BadRow, str]]) -> list[Utterance]:
    """Score a batch of ``(row, manifest folder)`` items together (see :meth:`Scorer.score_batch`)."""
    if _scorer is None:
        raise SynthkitError(_init_error or "scorer not initialized")
    out: list[Utterance | None] = [bad_row(r) if isinstance(r, BadRow) else None for r, _ in batch]
    by_base: dict[str, list[int]] = {}
    for k, (row, base) in enumerate(batch):
        if out[k] is None:
            by_base.setdefault(base, []).append(k)
    for base, ks in by_base.items():
        for k, row in zip(ks, _scorer.score_batch([batch[k][0] for k in ks], base)):  # type: ignore[misc]
            out[k] = row
    return out  # type: ignore[return-value]


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def map_scores(items: Iterable[tuple[Utterance | BadRow, str]], config: ScoreConfig, workers: int = 1,
               engine: str = "local", address: str | None = None) -> Iterator[Utterance]:
    """Scored rows in input order, on ``engine`` with ``workers`` workers; batched when ``cer``/``lid`` run."""
    from ..engine import map_ordered

    size = config.batch_size if any(m in BATCHED_METRICS for m in config.metrics) else 1
    if size <= 1:
        yield from map_ordered(score_row, items, workers, init_worker, (config,), engine=engine, address=address)
        return
    for rows in map_ordered(score_rows, _chunks(items, size), workers, init_worker, (config,), engine=engine,
                            address=address):
        yield from rows


def annotate(utts: Iterable[Utterance | BadRow], base_dir: str | os.PathLike, scorer: Scorer) -> Iterator[Utterance]:
    """Score rows lazily in this process (``base_dir``: folder relative audio paths start from), the ASR /
    LID work in batches of ``scorer.config.batch_size`` rows."""
    size = max(1, scorer.config.batch_size) if any(m in BATCHED_METRICS for m in scorer.config.metrics) else 1
    for chunk in _chunks(utts, size):
        good = [u for u in chunk if not isinstance(u, BadRow)]
        scored = iter(scorer.score_batch(good, base_dir))
        for u in chunk:
            yield bad_row(u) if isinstance(u, BadRow) else next(scored)


# One stage per kind of score, for library use with a model of your own (any object with the kind's method).

def annotate_signal(utts: Iterable[Utterance | BadRow], base_dir: str | os.PathLike) -> Iterator[Utterance]:
    """duration, peak_dbfs, clipping, rms_dbfs, snr_db, bandwidth_hz (no model)."""
    from .metrics import SIGNAL_METRICS

    return annotate(utts, base_dir, Scorer(ScoreConfig(metrics=SIGNAL_METRICS)))


def annotate_mos(utts: Iterable[Utterance | BadRow], base_dir: str | os.PathLike, name: str = "dnsmos",
                 predictor: MosPredictor | None = None) -> Iterator[Utterance]:
    """MOS keys of backend ``name`` (dnsmos, utmos, nisqa, squim), from ``predictor`` when given."""
    return annotate(utts, base_dir, Scorer(ScoreConfig(metrics=(name,)),
                                           mos={name: predictor} if predictor is not None else None))


def annotate_cer(utts: Iterable[Utterance | BadRow], base_dir: str | os.PathLike,
                 asr: Transcriber | None = None) -> Iterator[Utterance]:
    """asr_text, asr_model and cer with ``asr`` (default ``auto``: Whisper tiny.en for English, base for
    the other languages Whisper knows)."""
    return annotate(utts, base_dir, Scorer(ScoreConfig(metrics=("cer",)), asr=asr))


def annotate_lid(utts: Iterable[Utterance | BadRow], base_dir: str | os.PathLike,
                 identifier: Any = None) -> Iterator[Utterance]:
    """lid, lid_prob and lid_top with ``identifier`` (default: Whisper base)."""
    return annotate(utts, base_dir, Scorer(ScoreConfig(metrics=("lid",)), lid=identifier))


def annotate_per(utts: Iterable[Utterance | BadRow], base_dir: str | os.PathLike, phones: PhoneRecognizer,
                 weighted: bool = False) -> Iterator[Utterance]:
    """phone_text and per (and per_weighted) with ``phones``."""
    return annotate(utts, base_dir, Scorer(ScoreConfig(metrics=("per",), per_weighted=weighted), phones=phones))


def annotate_speaker_sim(utts: Iterable[Utterance | BadRow], base_dir: str | os.PathLike,
                         embedder: SpeakerEmbedder | None = None, reference: str | None = None,
                         reference_key: str = "speaker_ref") -> Iterator[Utterance]:
    """speaker_sim against each row's ``reference_key`` clip, else ``reference``."""
    config = ScoreConfig(metrics=("speaker_sim",), speaker_ref=reference, speaker_ref_key=reference_key)
    return annotate(utts, base_dir, Scorer(config, speaker=embedder))


def check_models(config: ScoreConfig) -> None:
    """Before any work: a model the config names by hub name that is neither on this machine nor
    downloadable now stops the run with one line (nothing is loaded; see :mod:`synthkit.hub`)."""
    from . import asr, mos, phones, speaker
    from .metrics import MOS_METRICS

    wanted = set(config.metrics)
    if "cer" in wanted:
        asr.check_available(config.asr)
    if "lid" in wanted:
        asr.check_available(config.lid if config.lid.startswith("faster-whisper:") else f"faster-whisper:{config.lid}")
    if "per" in wanted:
        phones.check_available(config.phones)
    if "speaker_sim" in wanted:
        speaker.check_available(config.speaker)
    for name in MOS_METRICS:
        if name in wanted:
            mos.check_available(name, config.model_for(name))


@dataclass
class ScoreSummary:
    rows: int = 0
    scored: int = 0
    skipped_done: int = 0
    with_errors: int = 0
    on_render: int = 0  # rows with metrics measured on their unaugmented render (see .metrics)
    on_render_metrics: tuple[str, ...] = ()

    def text(self) -> str:
        s = (f"{self.scored} rows scored ({self.skipped_done} already done), "
             f"{self.with_errors} with score_errors; {self.rows} rows in the output")
        if self.on_render:
            s += (f"; {self.on_render} augmented rows had {', '.join(self.on_render_metrics)} measured on their "
                  "unaugmented render (--on-render)")
        return s


#: Format of the ``OUT.run.json`` sidecar of a scored manifest.
FORMAT = 1


def run_settings(manifest: Path, config: ScoreConfig) -> dict:
    """What a resumed ``score`` must share with the run that started ``OUT`` (threads, workers and the
    Whisper batch size do not change a score, so they are left out)."""
    from dataclasses import asdict

    from ..hashing import code_fingerprint, file_sha256

    cfg = {k: v for k, v in asdict(config).items() if k not in ("threads", "batch_size")}
    cfg["metrics"] = list(cfg["metrics"])
    cfg["models"] = [list(m) for m in cfg["models"]]
    cfg["on_render"] = list(cfg["on_render"])  # as the run file holds it (JSON has no tuples)
    return {"command": "score", "format": FORMAT, "code": code_fingerprint("score"), "manifest": str(manifest.resolve()),
            "manifest_sha256": file_sha256(manifest), **cfg}


def guard_paths(manifest: Path, out: Path, config: ScoreConfig) -> None:
    """``out`` is no input: not the manifest, no file a row names, no reference clip or model file."""
    from .. import guard

    inputs = [*guard.manifest_inputs(manifest, ("audio_filepath", config.speaker_ref_key))]
    if config.speaker_ref:
        inputs.append(guard.Input.file("the --speaker-ref clip", config.speaker_ref))
    for metric, model in config.models:
        p = Path(model).expanduser()
        if p.exists():
            inputs.append(guard.Input(f"the {metric} model", p, tree=p.is_dir()))
    guard.guard([guard.Output.file("-o", out), guard.Output.file("-o", guard.sidecar(out))], inputs)


def score_manifest(manifest: str | os.PathLike, out: str | os.PathLike, config: ScoreConfig, workers: int = 1,
                   engine: str = "local", address: str | None = None, progress: bool = False) -> ScoreSummary:
    """Score every row of ``manifest`` into ``out`` (resumable). Returns counts."""
    from .. import guard

    manifest, out = Path(manifest), Path(out)
    if not manifest.is_file():
        raise SynthkitError(f"manifest not found: {manifest}")
    check_models(config)
    guard_paths(manifest, out, config)
    settings = run_settings(manifest, config)
    guard.claim("-o", out, settings)
    guard.record(out, settings)
    base = str(manifest_dir(manifest))
    summary = ScoreSummary()
    with ManifestWriter(out) as writer:
        done_before = writer.rows
        summary.skipped_done = 0

        def items() -> Iterator[tuple[Utterance | BadRow, str]]:
            seen: dict[str, int] = {}  # id -> rows with it so far (the k-th is done when OUT holds k)
            for n, row in enumerate(read_manifest(manifest, errors="yield"), start=1):
                rid = row.id if isinstance(row, Utterance) else f"<line {row.line}>"
                k = seen[rid] = seen.get(rid, 0) + 1
                if writer.count(rid) >= k:
                    summary.skipped_done += 1
                    continue
                if k > 1 and isinstance(row, Utterance):
                    row = row.with_fields(**{SCORE_ERRORS: [f"id: duplicate id {rid!r} (row {n} of the manifest; "
                                                           "an earlier row has it), not scored: ids must be unique"]})
                    yield _Done(row), base
                    continue
                yield row, base

        bar = _progress(progress, _pending(manifest, writer) if progress else None)
        dst = out.resolve().parent
        keys = ("audio_filepath", config.speaker_ref_key)
        for row in map_scores(items(), config, workers, engine, address):
            writer.write(rebase(row, Path(base), dst, keys))
            summary.scored += 1
            if row.get(SCORE_ERRORS):
                summary.with_errors += 1
            if row.get(SCORED_ON_RENDER):
                summary.on_render += 1
                summary.on_render_metrics = tuple(dict.fromkeys([*summary.on_render_metrics,
                                                                 *row.get(SCORED_ON_RENDER)]))
            bar.update(1)
        bar.close()
        summary.rows = done_before + summary.scored
    return summary


def _pending(manifest: Path, writer: ManifestWriter) -> int:
    """How many rows of ``manifest`` are not in ``writer`` yet (one cheap pass, for the progress total)."""
    n = 0
    for row in read_manifest(manifest, errors="yield"):
        rid = row.id if isinstance(row, Utterance) else f"<line {row.line}>"
        n += rid not in writer
    return n


def _progress(enabled: bool, total: int | None = None):
    import sys

    from tqdm import tqdm

    return tqdm(total=total, unit="clip", file=sys.stderr, disable=not enabled or None, leave=False, desc="score")


__all__ = ["ScoreConfig", "Scorer", "annotate", "annotate_cer", "annotate_lid", "annotate_mos", "annotate_per",
           "annotate_signal", "annotate_speaker_sim", "init_worker", "map_scores", "score_manifest", "score_row",
           "score_rows", "SCORE_ERRORS", "SCORE_SKIPPED"]
