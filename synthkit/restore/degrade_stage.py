"""``synthkit degrade``: damage every clip of a manifest or folder with the degradation simulator.

For making evaluation sets (and training material) from clean speech. Same shape as ``synthkit
restore``: streaming, resumable (SIGKILL-safe), never writes over its input, keeps every key of the
input rows. Each output row adds ``source_audio_filepath`` (the clean input), ``degrade`` (one record
per step: applied or not, and every sampled value: noise file and offset, SNR, impulse response or
room, cut-off, codec and bit-rate, lost packets, ...) and ``degrade_seed``; the clip can be re-made
from the row alone with :func:`synthkit.restore.degrade.replay`.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..audio import save_wav
from ..errors import SynthkitError
from ..guard import Input
from ..manifest import MANIFEST_NAME, ManifestWriter
from ..rng import derive_seed
from .corpus import check_paths, guard_inputs, read_source, remove_leftovers
from .degrade import DegradeConfig, Degrader
from .stage import REJECTS_NAME, SUMMARY_NAME, Job, pending

FORMAT = 1


@dataclass(frozen=True)
class DegradeRunConfig:
    source: Path
    out_dir: Path
    degrade: DegradeConfig
    seed: int = 0
    sample_rate: int = 16000
    workers: int = 1
    progress: bool = True
    engine: str = "local"
    engine_address: str | None = None


@dataclass(frozen=True)
class Prepared:
    config: DegradeRunConfig
    source: Path
    out_dir: Path
    settings: dict[str, Any]


def prepare(config: DegradeRunConfig) -> Prepared:
    from ..hashing import code_fingerprint
    from ..synth import check_out_dir

    if config.workers < 1:
        raise SynthkitError("--workers must be at least 1")
    if not 8000 <= config.sample_rate <= 48000:
        raise SynthkitError(f"--sample-rate {config.sample_rate} is outside 8000-48000 Hz")
    source, out = check_paths(Path(config.source), Path(config.out_dir))
    settings = {"format": FORMAT, "command": "degrade", "code": code_fingerprint("degrade"), "input": str(source),
                "seed": config.seed, "sample_rate": config.sample_rate, "degrade": config.degrade.to_dict()}
    check_out_dir(out, settings)
    guard_inputs(source, out, [Input.folder(f"the {st['type']} folder", d) for st in config.degrade.steps
                               for key in ("dir", "babble_dir") for d in st.get(key) or ()])
    return Prepared(config, source, out, settings)


_degrader: Degrader | None = None
_prep: Prepared | None = None


def _init_worker(prep: Prepared) -> None:
    global _degrader, _prep
    _prep, _degrader = prep, Degrader(prep.config.degrade)


def _process(job: Job) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    assert _degrader is not None and _prep is not None
    if job.row is None:
        return None, job.reject
    row, out = job.row, _prep.out_dir / job.out_rel
    src, sr = row.audio_filepath, _prep.config.sample_rate
    audio, reject = read_source(row, out, sr)
    if audio is None:
        return None, reject
    x = audio[0]
    seed = derive_seed(_prep.config.seed, row.id)
    y, records = _degrader.apply(x, sr, seed)
    save_wav(out, y, sr)
    new = row.with_fields(audio_filepath=job.out_rel, duration=y.size / sr, sample_rate=sr, source_audio_filepath=src,
                          degrade=records, degrade_seed=seed, synthkit_version=__version__)
    return new.to_dict(), None


def run(prep: Prepared) -> dict[str, Any]:
    from tqdm import tqdm

    from ..engine import map_ordered
    from ..synth import write_run_settings

    cfg, out = prep.config, prep.out_dir
    out.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out)
    write_run_settings(out, prep.settings)
    t0 = time.monotonic()
    new = 0
    audio_s = 0.0
    with ManifestWriter(out / MANIFEST_NAME) as manifest, ManifestWriter(out / REJECTS_NAME) as rejects:
        def jobs() -> Iterator[Job]:
            yield from pending(prep.source, manifest, rejects)

        total = sum(1 for _ in pending(prep.source, manifest, rejects)) if cfg.progress else None
        bar = tqdm(total=total, unit="clip", file=sys.stderr, disable=not cfg.progress or None, leave=False,
                   desc="degrade")
        for row, reject in map_ordered(_process, jobs(), cfg.workers, _init_worker, (prep,), engine=cfg.engine,
                                       address=cfg.engine_address):
            if reject is not None:
                rejects.write(reject)
            else:
                manifest.write(row)
                new += 1
                audio_s += row["duration"]
            bar.update(1)
        bar.close()
        summary = {"clips": len(manifest), "new_clips": new, "rejects": len(rejects), "new_audio_s": round(audio_s, 2),
                   "wall_s": round(time.monotonic() - t0, 2)}
    (out / SUMMARY_NAME).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def degrade_corpus(config: DegradeRunConfig) -> dict[str, Any]:
    return run(prepare(config))
