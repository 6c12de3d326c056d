"""``synthkit synth`` and ``synthkit regen``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from . import main
from .engine_opts import check_engine, engine_options


@main.command()
@click.option("--lang", "language", required=True, help="ISO 639-1/639-3 (sw, swa), espeak-ng (en-us) or epitran (swa-Latn) code.")
@click.option("--text", "text_path", required=True, type=click.Path(path_type=Path), help="UTF-8 text, one sentence per line.")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder (manifest.jsonl, wavs/).")
@click.option("--voices", default=1, show_default=True, type=click.IntRange(1, 100), help="Renditions per sentence, each with another voice and prosody.")
@click.option("--augment", default="light", show_default=True, help="Preset (none, light, heavy) or a YAML file.")
@click.option("--noise-dir", type=click.Path(path_type=Path), help="Background-noise folder for the augment preset.")
@click.option("--rir-dir", type=click.Path(path_type=Path), help="Room-impulse-response folder for the augment preset.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 256), help="Worker processes.")
@engine_options
@click.option("--seed", default=0, show_default=True, type=int, help="Run seed; every random choice derives from it and the clip id.")
@click.option("--sample-rate", default=16000, show_default=True, type=int, help="Output sample rate (Hz).")
@click.option("--g2p", default="auto", show_default=True, help="auto, espeak, epitran, or a spec such as epitran:swa-Latn.")
@click.option("--max-seconds", default=30.0, show_default=True, type=float, help="Reject clips longer than this.")
@click.option("--backend", default="espeak", show_default=True, help="Synthesizer: espeak; coqui:MODEL (a coqui model name, mms, or a model folder); piper:VOICE|DIR; kokoro[:VOICE|DIR]; mbrola[:VOICE] (MBROLA diphone voices: ar, he, tr).")
@click.option("--reference", "references", multiple=True, type=click.Path(path_type=Path), help="Reference clip to clone a voice from (coqui XTTS/YourTTS); repeat for more speakers.")
@click.option("--donor", help="Render through donor voice(s): 'auto' (best ranked), espeak-ng voices ('sw' or 'sw,it'), or coqui:MODEL (a phoneme VITS).")
@click.option("--donors", default=1, show_default=True, type=click.IntRange(1, 50), help="With --donor auto: spread renditions over the K best donors.")
@click.option("--mapping", type=click.Path(path_type=Path), help="Mapping overrides, TSV: target<TAB>donor segments[<TAB>voice].")
@click.option("--exclude", default="", help="With --donor auto: leave out these languages' voices (ar,en) or voices (en-us), comma-separated.")
@click.option("--exclude-family", default="", help="With --donor auto: leave out espeak-ng voice families (sem, gmw, roa, ...) or the family of a language (ar), comma-separated.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def synth(language, text_path, out_dir, voices, augment, noise_dir, rir_dir, workers, engine, address, seed,
          sample_rate, g2p, max_seconds, backend, references, donor, donors, mapping, exclude, exclude_family,
          as_json, quiet):
    """Make a synthetic speech corpus for a language from a text file."""
    from ..augment import load_augment
    from ..errors import SynthkitError
    from ..synth import SynthConfig, prepare, run

    check_engine(engine, address)
    for opt, d in (("--noise-dir", noise_dir), ("--rir-dir", rir_dir)):
        if d is not None and not d.is_dir():
            raise SynthkitError(f"{opt} {d} is not a folder")
    aug = load_augment(augment, str(noise_dir) if noise_dir else None, str(rir_dir) if rir_dir else None)
    config = SynthConfig(language=language, text_path=text_path, out_dir=out_dir, voices=voices, augment=aug,
                         seed=seed, sample_rate=sample_rate, workers=workers, g2p=g2p, max_seconds=max_seconds,
                         progress=not quiet, donor=donor, donors=donors, mapping=mapping, engine=engine,
                         exclude=_codes(exclude), exclude_family=_codes(exclude_family),
                         engine_address=address, backend=backend, references=tuple(references))
    prep = prepare(config)
    click.echo(f"synthkit synth: {prep.choice.describe()}", err=True)
    described = prep.backend.describe()
    if described:
        click.echo(f"synthkit synth: {described}", err=True)
    if prep.donor_plan:
        chosen = ", ".join(f"{s['voice']} (cost {s['cost']:.4f}, exact {s['coverage']:.0%})" for s in prep.donor_plan.scores)
        click.echo(f"synthkit synth: rendering through donor voice(s) {chosen}", err=True)
        if prep.donor_plan.excluded:
            click.echo(f"synthkit synth: left out {len(prep.donor_plan.excluded)} voice(s): "
                       f"{describe_excluded(prep.donor_plan.excluded)}", err=True)
    summary = run(prep)
    click.echo(json.dumps(summary.to_dict(), indent=2) if as_json else summary.text())


def _codes(value: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in (value or "").split(",") if c.strip())


def describe_excluded(excluded: dict[str, str]) -> str:
    """``ar, he (family sem)``: the excluded voices grouped by the reason."""
    by_reason: dict[str, list[str]] = {}
    for voice, why in excluded.items():
        by_reason.setdefault(why, []).append(voice)
    return "; ".join(f"{', '.join(v)} ({why})" for why, v in by_reason.items())


@main.command()
@click.argument("manifest", type=click.Path(path_type=Path))
@click.argument("clip_id")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="WAV file to write.")
@click.option("--no-augment", is_flag=True,
              help="The rendering without its recorded augmentation (what score/check judge CER/SNR on).")
def regen(manifest, clip_id, output, no_augment):
    """Re-make one clip from its manifest row alone (bit-identical to the original when the same code
    runs it; warns when the run.json beside the manifest says other code wrote it)."""
    from ..synth import regen_warning, regenerate_id

    regenerate_id(manifest, clip_id, output, augment=not no_augment)
    warning = regen_warning(manifest)
    if warning:
        click.echo(warning, err=True)
    click.echo(str(output))
