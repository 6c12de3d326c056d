"""``synthkit diversity``: how different a corpus's speakers sound (speaker embeddings)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import main


@main.command()
@click.argument("manifest", type=click.Path(path_type=Path))
@click.option("--embedder", default="resemblyzer", show_default=True,
              help="Speaker embedder: resemblyzer (offline: its encoder ships in its wheel), speechbrain (ECAPA, "
                   "speechbrain/spkrec-ecapa-voxceleb from the Hugging Face cache, or downloaded with network), or "
                   "speechbrain:MODEL (hub name or folder).")
@click.option("--per-speaker", default=5, show_default=True, type=click.IntRange(1, 1000), help="Clips embedded per speaker (the first by id).")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 64), help="torch threads.")
@click.option("--json", "as_json", is_flag=True, help="Print the statistic as JSON.")
@click.option("--quiet", is_flag=True, help="No progress line or bar.")
def diversity(manifest, embedder, per_speaker, threads, as_json, quiet):
    """Speaker diversity of a corpus: mean pairwise cosine distance between speaker centroids."""
    from ..errors import SynthkitError
    from ..manifest import manifest_dir, read_manifest
    from ..quality.speaker import load_speaker_embedder
    from ..speechbrain_backends import speaker_diversity

    if not manifest.is_file():
        raise SynthkitError(f"manifest not found: {manifest}")
    if not quiet and sys.stderr.isatty():  # a status line for people; a log or a pipe gets only errors
        click.echo(f"synthkit diversity: loading the speaker embedder ({embedder})", err=True)
    emb = load_speaker_embedder(embedder, threads)
    result = speaker_diversity(read_manifest(manifest, errors="yield"), manifest_dir(manifest), emb, per_speaker,
                               embedder, progress=not quiet)
    click.echo(json.dumps(result.to_dict(), indent=2) if as_json else result.text())
