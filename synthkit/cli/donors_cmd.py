"""``synthkit donors``: rank donor voices for a target text, check the ranking by ear, or write a transfer matrix."""

from __future__ import annotations

import json
from pathlib import Path

import click

from . import main


@main.command()
@click.option("--lang", "language", required=True, help="Target language (ISO, epitran or espeak-ng code); with --matrix, several separated by commas.")
@click.option("--text", "text_path", type=click.Path(path_type=Path), help="Target text, one sentence per line.")
@click.option("--g2p", default="auto", show_default=True, help="auto, espeak, epitran, or a spec (epitran:yor-Latn, rules:FILE).")
@click.option("--mapping", type=click.Path(path_type=Path), help="Mapping overrides TSV (target<TAB>donor segments[<TAB>voice]).")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 1000), help="How many donors to print (with --verify: to render and check).")
@click.option("--include-constructed", is_flag=True, help="Also rank constructed/fictional languages (Esperanto, Klingon, ...).")
@click.option("--exclude", default="", help="Leave out these languages' voices (ar,en) or voices (en-us), comma-separated.")
@click.option("--exclude-family", default="", help="Leave out espeak-ng voice families (sem, gmw, roa, ...) or the family of a language (ar), comma-separated.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (every donor).")
@click.option("--donor", "extra", multiple=True, help="Also rank this donor: coqui:MODEL (a VITS that reads phonemes), piper:VOICE|DIR, kokoro:DIR; repeatable.")
@click.option("--verify", "verify_n", type=click.IntRange(1, 200), help="Check the ranking by ear: render N sentences through the --top donors (espeak-ng voices), CER of a multilingual ASR (Whisper base) reading them back.")
@click.option("--matrix", is_flag=True, help="Write a targets x donors cost matrix (CSV + heatmap PNG); with --verify also the measured CER matrix.")
@click.option("--text-dir", type=click.Path(path_type=Path), help="With --matrix: folder holding <lang>.txt per target.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="With --matrix: output folder.")
def donors(language, text_path, g2p, mapping, top, include_constructed, exclude, exclude_family, extra, as_json,
           verify_n, matrix, text_dir, out_dir):
    """Rank donor voices (espeak-ng's and the installed neural ones) for a language by phoneme mapping cost."""
    from ..donors import excluded_voices, format_ranking, rank_donors, transfer_matrix, write_matrix
    from ..errors import SynthkitError
    from ..languages import resolve
    from ..text.g2p import make_g2p
    from ..text.inventory import measure_file
    from .synth_cmd import _codes, describe_excluded

    def inventory_for(code: str, path: Path):
        if not path.is_file():
            raise SynthkitError(f"text file not found: {path}")
        choice = resolve(code, g2p)
        try:
            return choice, measure_file(path, make_g2p(choice.g2p), choice.iso639_3, choice.iso639_1, choice.script)
        except UnicodeDecodeError:
            raise SynthkitError(f"text file {path} is not UTF-8") from None

    excluded = excluded_voices(_codes(exclude), _codes(exclude_family))
    note = f"left out {len(excluded)} voice(s): {describe_excluded(excluded)}" if excluded else ""
    if matrix:
        if text_dir is None or out_dir is None:
            raise SynthkitError("--matrix needs --text-dir DIR (with <lang>.txt files) and --out DIR")
        from .. import guard

        codes = [c.strip() for c in language.split(",") if c.strip()]
        outputs = ("transfer_matrix.csv", "transfer_matrix.png")
        if verify_n:
            outputs += ("transfer_matrix_cer.csv", "transfer_matrix_cer.png")
        guard.guard(guard.stage_outputs("--out", out_dir, outputs),
                    [guard.Input.folder("the --text-dir", text_dir),
                     *([guard.Input.file("the --mapping file", mapping)] if mapping else [])])
        measured = {c: inventory_for(c, text_dir / f"{c}.txt") for c in codes}
        if verify_n:
            _load_verifier()
        codes, voices, costs = transfer_matrix({c: t for c, (_, t) in measured.items()}, include_constructed,
                                               exclude=excluded)
        csv_path, png_path = write_matrix(out_dir, codes, voices, costs)
        click.echo(f"{len(codes)} targets x {len(voices)} donors: {csv_path} {png_path}")
        if verify_n:
            from ..donor_verify import acoustic_matrix

            cer_rows, skipped = acoustic_matrix(
                {c: (measured[c][0], text_dir / f"{c}.txt", measured[c][1].tonal) for c in codes}, voices[:top],
                verify_n, overrides_path=mapping, progress=lambda m: click.echo(m, err=True))
            cer_csv, cer_png = write_matrix(out_dir, codes, voices[:top], cer_rows, "transfer_matrix_cer", kind="cer")
            click.echo(f"measured round-trip CER, {len(codes)} targets x {len(voices[:top])} donors: {cer_csv} {cer_png}")
            for line in skipped:
                click.echo(line)
        if note:
            click.echo(note, err=True)
        return
    if text_path is None:
        raise SynthkitError("--text FILE is required (the target text whose phonemes are mapped)")
    choice, target = inventory_for(language, text_path)
    if verify_n:
        _load_verifier()
    skipped: list[tuple[str, str]] = []
    scores = rank_donors(target, include_constructed=include_constructed, overrides_path=mapping,
                         extra=[_extra_donor(spec, choice) for spec in extra], exclude=excluded, skipped=skipped,
                         language=choice.iso639_3)
    for voice, why in skipped:
        click.echo(f"synthkit donors: skipped donor {voice}: {why}", err=True)
    verification = None
    if verify_n:
        from ..donor_verify import sample_sentences, verify

        sentences = sample_sentences(text_path, choice, verify_n)
        verification = verify(choice, sentences, scores, top, overrides_path=mapping, tonal=target.tonal,
                              progress=None if as_json else lambda v: click.echo(f"verifying {v} ...", err=True))
    if as_json:
        out = {"language": choice.to_dict(), "inventory": target.to_dict(), "excluded": excluded,
               "donors": [s.to_dict() for s in scores],
               "skipped": [{"voice": v, "reason": why} for v, why in skipped]}
        if verification is not None:
            out["verify"] = verification.to_dict()
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(f"{choice.describe()}; {target.sentences} sentences, {target.tokens} phoneme tokens, "
               f"{len(target.counts)} distinct segments ({target.rejected} sentences rejected)")
    if note:
        click.echo(note)
    click.echo(format_ranking(scores, top))
    if verification is not None:
        from ..donor_verify import format_verification

        click.echo(format_verification(verification))


def _load_verifier() -> None:
    """Fail before any work when the ASR for --verify is not installed."""
    from ..donor_verify import ASR_BUNDLE
    from ..models import folder

    folder(ASR_BUNDLE)


def _extra_donor(spec: str, choice):
    from ..errors import SynthkitError
    from ..tts import backends

    name, model = backends.parse_donor(spec)
    if name == backends.DEFAULT:
        raise SynthkitError(f"--donor {spec}: give NAME:MODEL of a neural backend (coqui:MODEL, piper:VOICE|DIR, "
                            "kokoro:DIR); espeak-ng voices and the installed neural voices are ranked anyway")
    return backends.donor_inventory(spec, choice)
