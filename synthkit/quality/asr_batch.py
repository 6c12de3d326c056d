"""The ASR work of a batch of rows: ``cer`` and ``lid`` jobs gathered by :class:`~.metrics.Scorer`, run
per model in one batched pass.

For a Whisper model (:class:`~.whisper.FasterWhisper`, or the model :class:`~.whisper.AutoWhisper`
picks for a row) the jobs of one row become one :class:`~.whisper.Request`: when ``cer`` and ``lid``
of a row go to the same model, the clip is encoded once for both. The requests of all rows go to
:meth:`~.whisper.WhisperEngine.run` together, which batches windows of equal length. Any other
transcriber (transformers, speechbrain, an object of your own) gets one ``transcribe`` call per row,
and any other language identifier one ``detect(audio, sr)`` call.

A job that fails puts its exception in the result, never the batch's other rows: when a batched
pass raises, its requests are run again one by one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import whisper_languages as wl
from .whisper import LID_TOP_K, SAMPLE_RATE, Request, Result, WhisperEngine


@dataclass(frozen=True)
class Job:
    """One metric of one row: ``cer`` (transcribe ``audio`` in ``language``, compare to ``reference``)
    or ``lid`` (the languages heard in ``audio``). ``spec`` names the model for ``asr_model``."""

    row: int
    metric: str
    audio: np.ndarray
    model: Any
    language: str | None = None
    reference: str | None = None
    spec: str = ""


def run_jobs(jobs: list[Job], batch_size: int) -> dict[tuple[int, str], dict[str, Any] | Exception]:
    """Keys to write, or the exception, for every ``(row, metric)`` job."""
    out: dict[tuple[int, str], dict[str, Any] | Exception] = {}
    per_engine: dict[int, list[Job]] = defaultdict(list)
    engines: dict[int, WhisperEngine] = {}
    for j in jobs:
        eng = getattr(j.model, "engine", None)
        if isinstance(eng, WhisperEngine):
            per_engine[id(eng)].append(j)
            engines[id(eng)] = eng
        else:
            out[(j.row, j.metric)] = _guard(_one, j)
    for key, js in per_engine.items():
        out.update(_run_engine(engines[key], js, batch_size))
    return out


def _guard(fn, *args) -> Any:
    try:
        return fn(*args)
    except Exception as exc:  # reported on the row, never raised through the batch
        return exc


def _one(j: Job) -> dict[str, Any]:
    if j.metric == "cer":
        return cer_keys(j, j.model.transcribe(j.audio, SAMPLE_RATE, j.language))
    heard = [(str(code), float(p)) for code, p in j.model.detect(j.audio, SAMPLE_RATE)]
    return lid_keys(heard)


def _run_engine(eng: WhisperEngine, jobs: list[Job], batch_size: int) -> dict[tuple[int, str], Any]:
    out: dict[tuple[int, str], Any] = {}
    by_row: dict[int, list[Job]] = defaultdict(list)
    for j in jobs:
        by_row[j.row].append(j)
    rows, requests = [], []
    for row, js in by_row.items():
        cer_job = next((j for j in js if j.metric == "cer"), None)
        code = None
        if cer_job is not None:
            try:
                code = cer_job.model.code(cer_job.language)
            except Exception as exc:
                out[(row, "cer")] = exc
                cer_job = None
        want_lid = any(j.metric == "lid" for j in js)
        if cer_job is None and not want_lid:
            continue
        rows.append(row)
        requests.append(Request(js[0].audio, code, transcribe=cer_job is not None, lid=want_lid))
    try:
        results: list[Result | Exception] = list(eng.run(requests, batch_size))
    except Exception:  # find the row that breaks it; the others still get their scores
        results = [_guard(lambda r: eng.run([r], 1)[0], r) for r in requests]
    for row, req, res in zip(rows, requests, results):
        for j in by_row[row]:
            if (row, j.metric) in out:
                continue
            if isinstance(res, Exception):
                out[(row, j.metric)] = res
            elif j.metric == "cer":
                out[(row, "cer")] = _guard(cer_keys, j, res.text or "")
            else:
                out[(row, "lid")] = _guard(lid_keys, [(wl.iso3(c), p) for c, p in res.lid or ()])
    return out


def cer_keys(j: Job, text: str) -> dict[str, Any]:
    from .asr import cer

    return {"asr_text": text, "asr_model": j.spec, "cer": round(cer(text, j.reference or "", j.language), 4)}


def lid_keys(heard: list[tuple[str, float]]) -> dict[str, Any]:
    """``lid`` (ISO 639-3), ``lid_prob`` and ``lid_top`` ({ISO 639-3: probability}, the
    :data:`~.whisper.LID_TOP_K` most probable, most probable first) from (language, probability) pairs."""
    if not heard:
        raise ValueError("no language probabilities (an empty clip?)")
    top = sorted(heard, key=lambda cp: -cp[1])[:LID_TOP_K]
    return {"lid": top[0][0], "lid_prob": round(top[0][1], 4), "lid_top": {c: round(p, 4) for c, p in top}}
