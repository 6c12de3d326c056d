"""``synthkit export``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from . import main

_FORMATS = ("nemo", "lhotse", "kaldi", "hf", "ljspeech")


@main.command()
@click.argument("manifest", type=click.Path(path_type=Path))
@click.option("--format", "fmt", required=True, type=click.Choice(_FORMATS),
              help="nemo (JSONL per split), lhotse (recordings/supervisions/cuts), kaldi (data folders), "
                   "hf (datasets Parquet), ljspeech (metadata.csv + wavs/ for coqui-tts).")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder (new or empty).")
@click.option("--split", "split", default=None, help="Named fractions, e.g. train=0.9,dev=0.05,test=0.05 "
              "[default: one split called 'train'].")
@click.option("--split-by", default="auto", show_default=True,
              type=click.Choice(("auto", "utterance", "speaker", "text", "speaker+text")),
              help="speaker: no speaker is in two splits; text: no sentence is in two splits (all renditions "
                   "together); speaker+text: neither; auto: text when a sentence has several renditions, "
                   "else utterance. The output says which grouping was used.")
@click.option("--sample-rate", type=int, default=None, help="Resample the audio to this rate (Hz) [default: keep].")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the split.")
@click.option("--shar", is_flag=True, help="lhotse: also write Lhotse Shar shards (audio inside, movable).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 256), help="Worker processes for audio.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def export(manifest, fmt, out_dir, split, split_by, sample_rate, seed, shar, workers, as_json, quiet):
    """Write a manifest as a dataset for NeMo, lhotse, Kaldi/ESPnet, Hugging Face or coqui-tts."""
    from ..export import ExportConfig, export_manifest, parse_split

    config = ExportConfig(manifest=manifest, format=fmt, out_dir=out_dir, split=parse_split(split), split_by=split_by,
                          sample_rate=sample_rate, seed=seed, shar=shar, workers=workers, progress=not quiet)
    summary = export_manifest(config)
    for w in summary.warnings:
        click.echo(f"synthkit export: warning: {w}", err=True)
    click.echo(json.dumps(summary.to_dict(), indent=2) if as_json else summary.text())
