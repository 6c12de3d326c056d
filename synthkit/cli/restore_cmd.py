"""``synthkit degrade``, ``synthkit restore`` and ``synthkit restore-train``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from . import main
from .engine_opts import check_engine, engine_options


@main.command("restore-train")
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path),
              help="Recipe config (e.g. recipes/restore_train/config.yaml).")
@click.option("--run-dir", type=click.Path(path_type=Path), help="Where states, logs and the bundle go (overrides the config's).")
@click.option("--device", help="auto, cpu or cuda (overrides the config's).")
@click.option("--install", is_flag=True, help="Copy the finished bundle to the package's default checkpoint.")
@click.option("--quiet", is_flag=True)
def restore_train(config_path, run_dir, device, install, quiet):
    """Train (or resume training) a restoration model, stage by stage."""
    from ..errors import SynthkitError
    from ..restore.train import install_default, load_train_config, train

    if not config_path.is_file():
        raise SynthkitError(f"--config {config_path} is not a file")
    overrides = {"device": device} if device else None
    cfg = load_train_config(config_path, run_dir=run_dir, overrides=overrides)
    bundle = train(cfg, progress=not quiet)
    click.echo(str(bundle))
    if install:
        click.echo(f"installed as {install_default(bundle)}")


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder (manifest.jsonl, wavs/).")
@click.option("--preset", default="eval", show_default=True, help="train, eval, light, telephone, or a YAML file (see synthkit/restore/degrade.py).")
@click.option("--noise-dir", multiple=True, type=click.Path(path_type=Path), help="Noise recordings (folder or file; repeatable).")
@click.option("--rir-dir", multiple=True, type=click.Path(path_type=Path), help="Room impulse responses (folder or file; repeatable).")
@click.option("--seed", default=0, show_default=True, type=int, help="Run seed; each clip's draws derive from it and the clip id.")
@click.option("--sample-rate", default=16000, show_default=True, type=int, help="Output sample rate (Hz).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 256))
@engine_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def degrade(source, out_dir, preset, noise_dir, rir_dir, seed, sample_rate, workers, engine, address, as_json, quiet):
    """Make degraded copies of a manifest's or folder's clips (noise, rooms, codecs, band limits, ...)."""
    from ..errors import SynthkitError
    from ..restore.degrade import load_degrade
    from ..restore.degrade_stage import DegradeRunConfig, degrade_corpus

    check_engine(engine, address)
    for opt, ds in (("--noise-dir", noise_dir), ("--rir-dir", rir_dir)):
        for d in ds:
            if not d.exists():
                raise SynthkitError(f"{opt} {d} does not exist")
    cfg = load_degrade(preset, [str(d) for d in noise_dir] or None, [str(d) for d in rir_dir] or None)
    summary = degrade_corpus(DegradeRunConfig(source, out_dir, cfg, seed=seed, sample_rate=sample_rate,
                                              workers=workers, progress=not quiet,
                                              engine=engine, engine_address=address))
    click.echo(json.dumps(summary, indent=2) if as_json else
               f"{summary['clips']} clips ({summary['new_clips']} new), {summary['rejects']} rejects, "
               f"{summary['wall_s']:.1f} s wall")


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder (manifest.jsonl, wavs/).")
@click.option("--checkpoint", type=click.Path(path_type=Path),
              help="Checkpoint bundle, or the name of one shipped with synthkit: default (log-mel features), "
                   "whisper (Whisper-base encoder features: keeps the words better, needs the models extra).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 256), help="Worker processes.")
@click.option("--keep-original-if-worse", is_flag=True,
              help="Write a clip's original audio when restoring lowers its DNSMOS OVRL, changes the voice or "
                   "changes the words ASR hears.")
@click.option("--min-speaker-similarity", default=None, type=float,
              help="With --keep-original-if-worse: keep the original below this input/output speaker similarity.")
@click.option("--asr-judge", default="faster-whisper:base", show_default=True,
              help="With --keep-original-if-worse: ASR that checks the words (BACKEND:MODEL as in `score --asr`), "
                   "or 'none'.")
@click.option("--max-transcript-change", default=None, type=float,
              help="With --keep-original-if-worse, rows without text: keep the original when the restored clip's "
                   "transcript differs from the input's by more than this CER [default: 0.1].")
@click.option("--scores/--no-scores", default=None,
              help="Before/after scores: DNSMOS and speaker similarity of input and output, in each row "
                   "(default: on when the scoring packages are installed). They take most of the time: "
                   "a run takes about 2.5-4x as long as with --no-scores on CPU; --keep-original-if-worse needs them.")
@click.option("--device", default="cpu", show_default=True, help="cpu or cuda.")
@engine_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def restore(source, out_dir, checkpoint, workers, keep_original_if_worse, min_speaker_similarity, asr_judge,
            max_transcript_change, scores, device, engine, address, as_json, quiet):
    """Restore noisy, reverberant, band-limited or codec-damaged speech (manifest or folder in)."""
    from ..restore.scores import MAX_TRANSCRIPT_CHANGE
    from ..restore.stage import MIN_SPEAKER_SIMILARITY, SCORES_COST_NOTE, RestoreRunConfig, prepare, run

    check_engine(engine, address)
    cfg = RestoreRunConfig(source, out_dir, checkpoint, workers=workers, keep_original_if_worse=keep_original_if_worse,
                           min_speaker_similarity=MIN_SPEAKER_SIMILARITY if min_speaker_similarity is None
                           else min_speaker_similarity,
                           asr_judge=None if asr_judge.lower() == "none" else asr_judge,
                           max_transcript_change=MAX_TRANSCRIPT_CHANGE if max_transcript_change is None
                           else max_transcript_change, scores=scores, device=device, progress=not quiet,
                           engine=engine, engine_address=address)
    prep = prepare(cfg)
    click.echo(f"synthkit restore: checkpoint {prep.checkpoint}", err=True)
    if prep.scores and not quiet:
        click.echo(f"synthkit restore: {SCORES_COST_NOTE} (--no-scores skips them)", err=True)
    summary = run(prep)
    click.echo(json.dumps(summary.to_dict(), indent=2) if as_json else summary.text())
