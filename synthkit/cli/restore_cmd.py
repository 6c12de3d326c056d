"""``synthkit degrade``, ``synthkit restore`` and ``synthkit restore-train``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from . import main


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
