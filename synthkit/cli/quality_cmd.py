"""``synthkit score``, ``synthkit filter`` and ``synthkit check``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import main
from .engine_opts import check_engine, engine_options

_ASR_HELP = ("ASR for cer, BACKEND:MODEL: auto (default: Whisper tiny.en for English rows, Whisper base for the other "
             "languages Whisper knows; offline), faster-whisper:base|tiny.en|DIR, transformers-whisper:NAME|DIR, "
             "transformers-ctc:NAME|DIR, speechbrain:NAME|DIR.")


def _models(pairs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    from ..errors import SynthkitError

    out = []
    for p in pairs:
        metric, sep, model = p.partition("=")
        if not sep or not model or metric not in ("dnsmos", "utmos", "nisqa", "squim"):
            raise SynthkitError(f"--model {p!r}: expected METRIC=NAME_OR_PATH with METRIC one of dnsmos, utmos, "
                                "nisqa, squim")
        out.append((metric, model))
    return tuple(out)


def _threads(threads: int | None, workers: int) -> int:
    return threads or max(1, (os.cpu_count() or 1) // workers)


@main.command()
@click.argument("manifest", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="Scored manifest to write (resumed if it exists).")
@click.option("--metrics", default="default", show_default=True,
              help="Comma-separated metrics or groups (signal, default, all); see synthkit/quality/metrics.py.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 256), help="Worker processes.")
@engine_options
@click.option("--threads", type=click.IntRange(1, 256), help="Threads per worker for models [cores / workers].")
@click.option("--asr", default="auto", show_default=True, help=_ASR_HELP)
@click.option("--asr-language", help="Language for every row (else each row's `language`).")
@click.option("--asr-context", type=click.Choice(["clip", "30s"]), default="clip", show_default=True,
              help="Whisper windows: clip length + 1 s (fast), or 30 s as Whisper was trained.")
@click.option("--lid", "lid_model", default="faster-whisper:base", show_default=True,
              help="Multilingual Whisper for the lid metric: faster-whisper:base or a CTranslate2 folder.")
@click.option("--batch-size", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Rows per batched Whisper pass (cer, lid); the scores do not depend on it.")
@click.option("--phones", default="transformers:facebook/wav2vec2-xlsr-53-espeak-cv-ft", show_default=True,
              help="Phone recognizer for per, BACKEND:NAME|DIR.")
@click.option("--per-weighted", is_flag=True, help="Also write per_weighted (panphon feature-weighted PER).")
@click.option("--speaker-embedder", default="resemblyzer", show_default=True,
              help="Embedder for speaker_sim: resemblyzer (offline, in its wheel), speechbrain[:NAME|DIR] (ECAPA).")
@click.option("--speaker-ref", type=click.Path(path_type=Path), help="Reference clip for speaker_sim (rows that name none).")
@click.option("--speaker-ref-key", default="speaker_ref", show_default=True, help="Row key naming a row's reference clip.")
@click.option("--model", "models", multiple=True, help="MOS model: utmos=DIR, nisqa=FILE, squim=FILE, dnsmos=personalized.")
@click.option("--overwrite", is_flag=True, help="Recompute scores rows already have.")
@click.option("--on-render", default="snr_db,speech_ratio,cer,per", show_default=True,
              help="Metrics judged on the unaugmented render of synth rows that were augmented (not on the damage "
                   "asked for), re-made from the row; 'none': judge the augmented files.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def score(manifest, output, metrics, workers, engine, address, threads, asr, asr_language, asr_context, lid_model,
          batch_size, phones, per_weighted, speaker_embedder, speaker_ref, speaker_ref_key, models, overwrite, on_render,
          quiet):
    """Add quality scores (flat keys) to every row of MANIFEST; streaming and resumable."""
    from ..errors import SynthkitError
    from ..quality.metrics import ScoreConfig, parse_metrics, parse_on_render
    from ..quality.score import score_manifest

    check_engine(engine, address)
    if speaker_ref is not None and not speaker_ref.is_file():
        raise SynthkitError(f"--speaker-ref {speaker_ref} is not a file")
    config = ScoreConfig(metrics=parse_metrics(metrics), asr=asr, asr_language=asr_language, asr_context=asr_context,
                         lid=lid_model, batch_size=batch_size, phones=phones,
                         per_weighted=per_weighted, speaker=speaker_embedder,
                         speaker_ref=str(speaker_ref.resolve()) if speaker_ref else None,
                         speaker_ref_key=speaker_ref_key, models=_models(models), threads=_threads(threads, workers),
                         overwrite=overwrite, on_render=parse_on_render(on_render))
    summary = score_manifest(manifest, output, config, workers=workers, engine=engine, address=address,
                             progress=not quiet)
    click.echo(f"synthkit score: {summary.text()} -> {output}")


@main.command(name="filter")
@click.argument("scored", type=click.Path(path_type=Path))
@click.option("--policy", type=click.Path(path_type=Path), help="Policy YAML [built-in default].")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Folder for kept.jsonl and rejected.jsonl.")
def filter_cmd(scored, policy, out_dir):
    """Split a scored manifest into kept.jsonl and rejected.jsonl (each rejection with its rules and values)."""
    from ..quality.filter import filter_manifest
    from ..quality.policy import load_policy

    summary = filter_manifest(scored, load_policy(policy), out_dir)
    click.echo(f"synthkit filter: {summary.text()}\n-> {out_dir}/kept.jsonl, {out_dir}/rejected.jsonl")


@main.command()
@click.argument("manifest", type=click.Path(path_type=Path))
@click.option("--policy", type=click.Path(path_type=Path), help="Policy YAML [built-in default].")
@click.option("--junit", type=click.Path(path_type=Path), help="Write JUnit XML here.")
@click.option("--report", "report_dir", type=click.Path(path_type=Path), help="Write an HTML report into this folder.")
@click.option("--scores", type=click.Path(path_type=Path), help="Also write the scored rows here (JSONL).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 256), help="Worker processes for scoring.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def check(manifest, policy, junit, report_dir, scores, workers, quiet):
    """The CI gate: exit 0 when MANIFEST passes the policy, 1 when it fails, 2 when the input is unusable."""
    from ..quality.check import guard_outputs, run_check, summary_text, write_junit
    from ..quality.policy import load_policy

    pol = load_policy(policy)
    guard_outputs(manifest, pol, junit, report_dir, scores)
    result = run_check(manifest, pol, workers=workers, scores_out=scores, progress=not quiet)
    click.echo(summary_text(result))
    if junit is not None:
        write_junit(result, junit)
        click.echo(f"JUnit XML: {junit}")
    if report_dir is not None:
        from ..report import write_report

        click.echo(f"HTML report: {write_report(result, report_dir)}")
    sys.exit(0 if result.passed else 1)
