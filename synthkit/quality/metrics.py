"""The metric registry and the per-row :class:`Scorer`.

A *metric* is what ``--metrics`` names; it writes one or more flat keys into the row:

=================  ======================================================================  =============
metric             keys written                                                            needs
=================  ======================================================================  =============
``duration``       ``file_duration``, ``file_sample_rate``, ``audio_sha1``, and            –
                   ``duration`` when the row has none (a row's own ``duration`` is kept,
                   so a file that does not match its row stays visible)
``peak_dbfs``      ``peak_dbfs``                                                           –
``clipping``       ``clipping``                                                            –
``rms_dbfs``       ``rms_dbfs``                                                            –
``snr_db``         ``snr_db`` (WADA-SNR)                                                   –
``bandwidth_hz``   ``bandwidth_hz``                                                        –
``speech_ratio``   ``speech_ratio``                                                        silero-vad
``srmr``           ``srmr``                                                                torchmetrics
``dnsmos``         ``dnsmos_sig``, ``dnsmos_bak``, ``dnsmos_ovrl``, ``dnsmos_p808``        speechmos
``utmos``          ``utmos``                                                               a model path
``nisqa``          ``nisqa_mos``, ``nisqa_noi``, ``nisqa_dis``, ``nisqa_col``, ``nisqa_loud``  a model path
``squim``          ``squim_stoi``, ``squim_pesq``, ``squim_sisdr``                         a model path
``cer``            ``asr_text``, ``asr_model``, ``cer`` (rows with ``text``)               an ASR model
``lid``            ``lid``, ``lid_prob``, ``lid_top`` (the languages Whisper hears)        Whisper base
``per``            ``phone_text``, ``per`` [, ``per_weighted``] (rows with phonemes)       a phone model
``speaker_sim``    ``speaker_sim`` (rows with a reference clip)                            Resemblyzer
=================  ======================================================================  =============

Groups: ``signal`` (duration … bandwidth_hz), ``default`` (:data:`DEFAULT_METRICS`), ``all``.

Details of each measure are in :mod:`.signal`, :mod:`.mos`, :mod:`.asr`, :mod:`.phones`, :mod:`.speaker`.
``asr_model`` names the model that transcribed the row (the default ASR, ``auto``, picks Whisper tiny.en
for English rows and Whisper base for the other languages Whisper knows). ``lid`` is the ISO 639-3 code of
the language Whisper (base, by default) hears most likely, ``lid_prob`` its probability, ``lid_top`` the
five most likely as ``{code: probability}``; a row whose ``language`` Whisper does not know is skipped
(nothing Whisper hears can confirm it). ``cer`` and ``lid`` of a batch of rows run in one batched Whisper
pass (:mod:`.asr_batch`); a row's clip is encoded once when both go to the same model.
A row that cannot be scored gets ``score_errors`` (list of ``"what: why"``) instead of a crash; a metric
that does not apply to a row (no text, a language the ASR model does not know, no reference clip) is
listed in ``score_skipped`` with the reason.

**Synthetic clips are judged on their rendering, not on the damage the user asked for.** A row that
``synthkit synth`` augmented (its ``augment`` records hold a transform that applied: noise, reverb, band
limit, MP3, gain) gets the metrics in :attr:`ScoreConfig.on_render` — by default :data:`RENDER_METRICS`:
``snr_db``, ``speech_ratio``, ``cer`` and ``per``, i.e. whether the clip holds clear speech that says its
text — measured on the unaugmented render, re-made from the row exactly as ``synthkit regen --no-augment``
makes it (:func:`synthkit.synth.render_unaugmented`). The row lists them in ``scored_on_render``. All other
metrics (levels, clipping, bandwidth, MOS, duration) describe the file as it is. A row whose render cannot
be re-made (an unknown backend, a model that is not installed) gets those metrics in ``score_skipped``
with the reason, so a gate says "not judged" rather than judging the damage. ``on_render=()`` (``score
--on-render none``, ``score.on_render: []`` in a policy) judges the augmented files themselves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..audio import resample
from ..errors import SynthkitError
from ..manifest import BadRow, Utterance
from . import signal as sig

SIGNAL_METRICS = ("duration", "peak_dbfs", "clipping", "rms_dbfs", "snr_db", "bandwidth_hz")
#: Keys each metric writes (``duration`` is written only when the row lacks it, so it is not listed).
METRIC_KEYS: dict[str, tuple[str, ...]] = {
    "duration": ("file_duration", "file_sample_rate", "audio_sha1"),
    "peak_dbfs": ("peak_dbfs",),
    "clipping": ("clipping",),
    "rms_dbfs": ("rms_dbfs",),
    "snr_db": ("snr_db",),
    "bandwidth_hz": ("bandwidth_hz",),
    "speech_ratio": ("speech_ratio",),
    "srmr": ("srmr",),
    "dnsmos": ("dnsmos_p808", "dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl"),
    "utmos": ("utmos",),
    "nisqa": ("nisqa_mos", "nisqa_noi", "nisqa_dis", "nisqa_col", "nisqa_loud"),
    "squim": ("squim_stoi", "squim_pesq", "squim_sisdr"),
    "cer": ("asr_text", "asr_model", "cer"),
    "lid": ("lid", "lid_prob", "lid_top"),
    "per": ("phone_text", "per"),
    "speaker_sim": ("speaker_sim",),
}
#: Keys that are by-products (text, hashes): a metric counts as done when its other keys are present.
BY_PRODUCT_KEYS = frozenset({"asr_text", "asr_model", "phone_text", "audio_sha1", "lid_top"})
#: Metrics whose model work runs batched over several rows (see :meth:`Scorer.score_batch`).
BATCHED_METRICS = ("cer", "lid")
MOS_METRICS = ("dnsmos", "utmos", "nisqa", "squim")
#: The default set: cheap enough that scoring a corpus runs far faster than real time (see BENCHMARKS.md).
DEFAULT_METRICS = (*SIGNAL_METRICS, "speech_ratio")
#: Metrics that run with what ``./setup.sh`` installs, no network and no model path.
OFFLINE_METRICS = (*SIGNAL_METRICS, "speech_ratio", "srmr", "dnsmos", "cer", "lid", "speaker_sim")
GROUPS = {"signal": SIGNAL_METRICS, "default": DEFAULT_METRICS, "all": OFFLINE_METRICS}
SCORE_ERRORS = "score_errors"
SCORE_SKIPPED = "score_skipped"
#: Metrics judged on the unaugmented render of an augmented synthetic row (see the module doc).
RENDER_METRICS = ("snr_db", "speech_ratio", "cer", "per")
#: Row key listing the metrics that were measured on the unaugmented render.
SCORED_ON_RENDER = "scored_on_render"


def key_metric(key: str) -> str | None:
    """The metric that writes ``key`` (``duration`` → ``duration``; the rule ``language_match`` reads
    ``lid``'s keys), or None."""
    if key == "duration":
        return "duration"
    if key == "language_match":
        return "lid"
    for m, keys in METRIC_KEYS.items():
        if key in keys or (m == "per" and key == "per_weighted"):
            return m
    return None


def has_metric(utt: Utterance, metric: str) -> bool:
    """Whether ``utt`` already holds the scores of ``metric``."""
    return all(k in utt for k in METRIC_KEYS[metric] if k not in BY_PRODUCT_KEYS)


def parse_metrics(spec: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``"default,cer"`` → metric names in registry order, groups expanded; unknown names raise."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    chosen: set[str] = set()
    for raw in items:
        name = raw.strip()
        if not name:
            continue
        if name in GROUPS:
            chosen.update(GROUPS[name])
        elif name in METRIC_KEYS:
            chosen.add(name)
        else:
            raise SynthkitError(f"unknown metric {name!r}; available: {', '.join([*GROUPS, *METRIC_KEYS])}")
    if not chosen:
        raise SynthkitError("no metrics chosen")
    return tuple(m for m in METRIC_KEYS if m in chosen)


@dataclass(frozen=True)
class ScoreConfig:
    """What to score and with which models (frozen; picklable for worker processes)."""

    metrics: tuple[str, ...] = DEFAULT_METRICS
    asr: str = "auto"  # BACKEND:MODEL, see quality.asr (auto: tiny.en for English, base for the rest)
    asr_language: str | None = None  # force one language for every row (else each row's `language`)
    asr_context: str = "clip"  # Whisper windows: "clip" (clip length + 1 s) or "30s", see quality.whisper
    lid: str = "faster-whisper:base"  # multilingual Whisper for lid (name or CTranslate2 folder)
    batch_size: int = 8  # rows per batched ASR / LID pass
    phones: str = "transformers:facebook/wav2vec2-xlsr-53-espeak-cv-ft"  # BACKEND:MODEL, see quality.phones
    per_weighted: bool = False
    speaker: str = "resemblyzer"
    speaker_ref: str | None = None  # one reference clip for rows that name none
    speaker_ref_key: str = "speaker_ref"  # row key naming a row's reference clip
    models: tuple[tuple[str, str], ...] = ()  # (metric, model name or path) for dnsmos/utmos/nisqa/squim
    threads: int = 1  # threads per worker for each model
    overwrite: bool = False  # recompute keys a row already has
    on_render: tuple[str, ...] = RENDER_METRICS  # judged on the unaugmented render of augmented synthetic rows

    def model_for(self, metric: str) -> str | None:
        return dict(self.models).get(metric)


def audio_path(utt: Utterance, base_dir: str | os.PathLike) -> Path:
    """The row's audio file (relative paths from ``base_dir``), or :class:`SynthkitError` saying why not."""
    afp = utt.audio_filepath
    if afp is None or afp == "":
        raise SynthkitError("row has no audio_filepath")
    if not isinstance(afp, str):
        raise SynthkitError(f"audio_filepath is not a string: {afp!r}")
    return utt.audio_path(base_dir)


class Skip(Exception):
    """A metric does not apply to this row; the message says why (goes to ``score_skipped``)."""


def _prefix(entry: str) -> str:
    return entry.split(":", 1)[0]


def _augmented(utt: Utterance) -> bool:
    from ..augment import is_augmented

    return is_augmented(utt)


def parse_on_render(spec: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``"cer,snr_db"`` / a list -> metric names (``none`` or empty: none); only metrics that judge what the
    audio says or holds may be named (:data:`RENDER_METRICS`)."""
    if spec is None:
        return RENDER_METRICS
    items = [x.strip() for x in (spec.split(",") if isinstance(spec, str) else spec) if str(x).strip()]
    if items in (["none"], []):
        return ()
    bad = [x for x in items if x not in RENDER_METRICS]
    if bad:
        raise SynthkitError(f"on-render metrics {', '.join(map(repr, bad))}: choose among {', '.join(RENDER_METRICS)} "
                            "(or none)")
    return tuple(m for m in RENDER_METRICS if m in items)


@dataclass
class _Ctx:
    clip: sig.Clip
    _x16: np.ndarray | None = field(default=None)

    @property
    def x16(self) -> np.ndarray:
        if self._x16 is None:
            self._x16 = resample(self.clip.samples, self.clip.sample_rate, sig.MODEL_SAMPLE_RATE)
        return self._x16


class Scorer:
    """Computes the chosen metrics for one row at a time; build once per worker (loads models).

    Models are built from ``config``, except those given as instances (any object with the kind's one
    method: a :class:`~.asr.Transcriber`, :class:`~.mos.MosPredictor` per MOS metric name,
    :class:`~.phones.PhoneRecognizer`, :class:`~.speaker.SpeakerEmbedder`)."""

    def __init__(self, config: ScoreConfig, *, asr: Any = None, mos: dict[str, Any] | None = None,
                 phones: Any = None, speaker: Any = None, lid: Any = None) -> None:
        self.config = config
        m = set(config.metrics)
        t = config.threads
        self.vad = sig.SileroVad() if "speech_ratio" in m else None
        from .mos import load_mos

        given = dict(mos or {})
        self.mos = {name: given[name] if name in given else load_mos(name, config.model_for(name), t)
                    for name in MOS_METRICS if name in m}
        self.asr = asr
        if "cer" in m and asr is None:
            from .asr import load_transcriber

            self.asr = load_transcriber(config.asr, t, config.asr_language, context=config.asr_context)
        self._asr_spec = config.asr if asr is None else str(getattr(asr, "spec", None) or getattr(asr, "name", None)
                                                            or type(asr).__name__)
        self.lid = lid
        if "lid" in m and lid is None:
            from .whisper import load_language_identifier

            self.lid = load_language_identifier(config.lid, t, config.asr_context)
        self.phones = phones
        if "per" in m and phones is None:
            from .phones import load_phone_recognizer

            self.phones = load_phone_recognizer(config.phones, t)
        self.speaker = speaker
        self._refs: dict[str, np.ndarray] = {}
        self._synths: dict[tuple[str, str], Any] = {}  # (backend, model) -> synthesizer, for renders
        if "speaker_sim" in m and speaker is None:
            from .speaker import load_speaker_embedder

            self.speaker = load_speaker_embedder(config.speaker, t)

    # -- one row ---------------------------------------------------------------------------------
    def todo(self, utt: Utterance) -> list[str]:
        if self.config.overwrite:
            return list(self.config.metrics)
        return [m for m in self.config.metrics if not has_metric(utt, m)
                and not any(_prefix(s) == m for s in utt.get(SCORE_SKIPPED) or [])]

    def score(self, utt: Utterance, base_dir: str | os.PathLike) -> Utterance:
        return self.score_batch([utt], base_dir)[0]

    def score_batch(self, utts: list[Utterance], base_dir: str | os.PathLike) -> list[Utterance]:
        """Score several rows; the ASR / LID work of all of them runs as one batched pass (the
        scores are the same as row by row, see :mod:`.whisper`). Metrics in ``config.on_render`` are
        measured on the unaugmented render of augmented synthetic rows (see the module doc)."""
        from .asr_batch import run_jobs

        rows: list[tuple[list[str], dict[str, Any], list[str]] | None] = []
        jobs = []
        for i, utt in enumerate(utts):
            todo = self.todo(utt)
            if not todo:
                rows.append(None)
                continue
            per: dict[str, Any] = {}  # metric -> its keys, an exception, or a Skip
            on_render: list[str] = []  # metrics measured on the unaugmented render
            try:
                clip = sig.read_clip(audio_path(utt, base_dir))
            except SynthkitError as exc:
                per["file"] = exc
            else:
                ctx = _Ctx(clip)
                render: _Ctx | str | None = None  # the unaugmented render, or why it cannot be made
                for metric in todo:
                    use = ctx
                    if metric in self.config.on_render and _augmented(utt):
                        if render is None:
                            render = self._render(utt)
                        if isinstance(render, str):
                            per[metric] = Skip(render)
                            continue
                        use = render
                    try:
                        if metric in BATCHED_METRICS:
                            jobs.append(self._job(metric, i, utt, use))
                            per[metric] = None  # filled in below
                        else:
                            per[metric] = self._metric(metric, utt, use, Path(base_dir))
                        if use is not ctx:
                            on_render.append(metric)
                    except Exception as exc:  # a Skip, or one metric failing: never the row or the run
                        per[metric] = exc
            rows.append((todo, per, on_render))
        if jobs:
            for (i, metric), res in run_jobs(jobs, self.config.batch_size).items():
                rows[i][1][metric] = res  # type: ignore[index]
        return [utt if r is None else self._finish(utt, *r) for utt, r in zip(utts, rows)]

    def _finish(self, utt: Utterance, todo: list[str], per: dict[str, Any], on_render: list[str]) -> Utterance:
        errors: list[str] = []
        skipped: list[str] = []
        keep_err = [e for e in utt.get(SCORE_ERRORS) or [] if _prefix(e) not in todo and _prefix(e) != "file"]
        keep_skip = [s for s in utt.get(SCORE_SKIPPED) or [] if _prefix(s) not in todo]
        out: dict[str, Any] = {}
        for metric, res in per.items():
            if isinstance(res, Skip):
                skipped.append(f"{metric}: {res}")
            elif isinstance(res, Exception):
                msg = str(res).splitlines()[0][:300] if str(res) else type(res).__name__
                errors.append(f"{metric}: {msg}")
            elif res:
                out.update(res)
        on_render = [m for m in on_render if not isinstance(per.get(m), Exception)]  # measured, not skipped
        out[SCORE_ERRORS] = (keep_err + errors) or None
        out[SCORE_SKIPPED] = (keep_skip + skipped) or None
        before = [m for m in utt.get(SCORED_ON_RENDER) or [] if m not in todo]
        if before or on_render or utt.get(SCORED_ON_RENDER) is not None:
            out[SCORED_ON_RENDER] = (before + on_render) or None
        return utt.with_fields(**out)

    def _render(self, utt: Utterance) -> _Ctx | str:
        """The row's unaugmented render (see the module doc), or why it cannot be made."""
        from ..synth import render_unaugmented
        from ..tts import backends

        key = (str(utt.get("backend")), str(utt.get("model")))
        try:
            if key not in self._synths:
                self._synths[key] = backends.for_row(utt.fields)
            x, sr = render_unaugmented(utt, self._synths[key])
        except Exception as exc:  # a missing model, an edited row: said, never judged on the damage instead
            msg = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
            return f"cannot re-make the unaugmented render to judge it on: {msg}"
        return _Ctx(sig.Clip(x, sr, 1))

    def _metric(self, metric: str, utt: Utterance, ctx: _Ctx, base_dir: Path) -> dict[str, Any]:
        x, sr = ctx.clip.samples, ctx.clip.sample_rate
        if metric == "duration":
            d = {"file_duration": round(ctx.clip.duration, 4), "file_sample_rate": sr, "audio_sha1": ctx.clip.sha1}
            if utt.duration is None:
                d["duration"] = round(ctx.clip.duration, 4)
            return d
        if metric == "peak_dbfs":
            return {"peak_dbfs": round(sig.peak_dbfs(x), 2)}
        if metric == "clipping":
            return {"clipping": round(sig.clipping(x), 6)}
        if metric == "rms_dbfs":
            return {"rms_dbfs": round(sig.rms_dbfs(x), 2)}
        if metric == "snr_db":
            return {"snr_db": round(sig.wada_snr(x), 2)}
        if metric == "bandwidth_hz":
            return {"bandwidth_hz": round(sig.bandwidth_hz(x, sr), 1)}
        if metric == "speech_ratio":
            assert self.vad is not None
            return {"speech_ratio": round(self.vad.speech_ratio(ctx.x16), 4)}
        if metric == "srmr":
            return {"srmr": round(sig.srmr(ctx.x16, sig.MODEL_SAMPLE_RATE), 4)}
        if metric in self.mos:
            return {k: round(v, 4) for k, v in self.mos[metric].predict(ctx.x16, sig.MODEL_SAMPLE_RATE).items()}
        if metric == "per":
            return self._per(utt, ctx)
        if metric == "speaker_sim":
            return self._speaker_sim(utt, ctx, base_dir)
        raise SynthkitError(f"metric {metric!r} has no scorer")

    def _job(self, metric: str, row: int, utt: Utterance, ctx: _Ctx):
        """The ``cer`` or ``lid`` work of one row, or :class:`Skip` saying why it does not apply."""
        from .asr import model_spec, normalize_text, supports
        from .asr_batch import Job

        if metric == "lid":
            assert self.lid is not None
            label = utt.get("language")
            if label and not supports(self.lid, label):
                raise Skip(f"language {label!r} is not one Whisper {self.lid.name} knows, so what it hears cannot "
                           "confirm it")
            return Job(row, "lid", ctx.x16, self.lid)
        assert self.asr is not None
        language = self.config.asr_language or utt.get("language")
        if not isinstance(utt.text, str) or not utt.text.strip():
            raise Skip("row has no text")
        if not normalize_text(utt.text, language):
            raise Skip("text is empty after normalization")
        if not supports(self.asr, language):
            name = getattr(self.asr, "name", "the ASR model")
            langs = sorted(getattr(self.asr, "languages", None) or ())
            known = f" ({', '.join(langs)})" if 0 < len(langs) <= 12 else ""
            raise Skip(f"language {language!r} is not one {name} knows{known}; choose another model (--asr, or "
                       "score.asr in a policy) or use per")
        pick = getattr(self.asr, "model_for", None)
        model = pick(language) if pick is not None else self.asr
        return Job(row, "cer", ctx.x16, model, language, utt.text, model_spec(model, language, self._asr_spec))

    def _per(self, utt: Utterance, ctx: _Ctx) -> dict[str, Any]:
        from .phones import phone_error_rate, reference_phones, weighted_phone_error_rate

        assert self.phones is not None
        ref = reference_phones(utt.fields)
        if ref is None or not ref[1]:
            raise Skip("row has no donor_phonemes or phonemes")
        from .phones import normalize_phones

        hyp = normalize_phones(self.phones.recognize(ctx.x16, sig.MODEL_SAMPLE_RATE))
        out: dict[str, Any] = {"phone_text": " ".join(hyp), "per": round(phone_error_rate(hyp, ref[1]), 4)}
        if self.config.per_weighted:
            out["per_weighted"] = round(weighted_phone_error_rate(hyp, ref[1]), 4)
        return out

    def _speaker_sim(self, utt: Utterance, ctx: _Ctx, base_dir: Path) -> dict[str, Any]:
        from .speaker import cosine

        assert self.speaker is not None
        ref = utt.get(self.config.speaker_ref_key)
        if ref:
            ref_path = Path(ref) if Path(ref).is_absolute() else base_dir / ref
        elif self.config.speaker_ref:
            ref_path = Path(self.config.speaker_ref)
        else:
            raise Skip(f"no reference clip (row key {self.config.speaker_ref_key!r} or --speaker-ref)")
        key = str(ref_path.resolve())
        if key not in self._refs:
            rc = sig.read_clip(ref_path)
            self._refs[key] = self.speaker.embed(resample(rc.samples, rc.sample_rate, sig.MODEL_SAMPLE_RATE),
                                                 sig.MODEL_SAMPLE_RATE)
        emb = self.speaker.embed(ctx.x16, sig.MODEL_SAMPLE_RATE)
        return {"speaker_sim": round(cosine(emb, self._refs[key]), 4)}


def rebase(utt: Utterance, src_dir: Path, dst_dir: Path, keys: tuple[str, ...] = ("audio_filepath",)) -> Utterance:
    """``utt`` with relative paths under ``keys`` rewritten from ``src_dir`` to ``dst_dir`` (both absolute),
    so a manifest written to another folder still points at the same files."""
    if src_dir == dst_dir:
        return utt
    changes = {}
    for k in keys:
        v = utt.get(k)
        if isinstance(v, str) and v and not Path(v).is_absolute():
            changes[k] = os.path.relpath(src_dir / v, dst_dir)
    return utt.with_fields(**changes) if changes else utt


def bad_row(row: BadRow) -> Utterance:
    """A manifest line that is not a row, as a row that carries the reason (so nothing is lost)."""
    return Utterance(id=f"<line {row.line}>", fields={"line": row.line, "raw": row.raw[:500],
                                                      SCORE_ERRORS: [f"manifest: line {row.line}: {row.reason}"]})
