"""``synthkit languages`` and ``synthkit doctor``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from . import main


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--resolve", "code", help="Show how one --lang code resolves (G2P and voice).")
@click.option("--variants", is_flag=True, help="Also list espeak-ng voice variants.")
@click.option("--coqui", "coqui_only", is_flag=True, help="List only coqui-tts models, each with its licence.")
def languages(as_json, code, variants, coqui_only):
    """What each G2P and voice covers (offline), the MBROLA voices, and the coqui-tts models with their licences."""
    from ..languages import coverage, resolve
    from ..tts import coqui_catalog as coqui
    from ..tts.espeak_lib import list_variants

    if coqui_only:
        models = coqui.coverage()
        if as_json:
            click.echo(json.dumps(models, indent=2, ensure_ascii=False))
        elif not models:
            click.echo("coqui-tts is not installed: pip install 'synthkit[coqui]' (or run ./setup.sh)")
        else:
            click.echo(_coqui_text(models, full=True))
        return

    if code:
        choice = resolve(code)
        diphone = [v["name"] for v in _mbrola_voices() if v["language"] == choice.iso639_1 and v["installed"]]
        if as_json:
            click.echo(json.dumps({**choice.to_dict(), "mbrola_voices": diphone}, indent=2, ensure_ascii=False))
        else:
            click.echo(choice.describe())
            if diphone:
                click.echo(f"also MBROLA diphone voices of real speakers: --backend mbrola ({', '.join(diphone)})")
        return
    cov = coverage()
    if variants:
        cov["espeak_variants"] = list(list_variants())
    cov["mbrola_voices"] = _mbrola_voices()
    cov["coqui_models"] = coqui.coverage()
    if as_json:
        click.echo(json.dumps(cov, indent=2, ensure_ascii=False))
        return
    ev = cov["espeak_voices"]
    click.echo(f"espeak-ng voices (G2P and voice; {len(ev)} language codes):")
    click.echo(_columns([f"{c} {n}" for c, n in sorted(ev.items())]))
    click.echo(f"\nepitran G2P maps ({len(cov['epitran_maps'])}; a language only here is rendered through a donor voice):")
    click.echo(_columns(cov["epitran_maps"]))
    if variants:
        click.echo(f"\nespeak-ng variants ({len(cov['espeak_variants'])}):")
        click.echo(_columns(cov["espeak_variants"]))
    mb = cov["mbrola_voices"]
    click.echo(f"\nMBROLA diphone voices ({len(mb)}; --backend mbrola for their language, --donor mbrola:NAME for "
               "another; non-commercial use only):")
    click.echo(_columns([f"{v['name']} {v['description']}" + ("" if v["installed"] else " (not installed)")
                         for v in mb]))
    if not all(v["installed"] for v in mb):
        click.echo("  (./setup.sh installs them; see synthkit doctor)")
    if cov["coqui_models"]:
        click.echo("\n" + _coqui_text(cov["coqui_models"], full=False))


def _mbrola_voices() -> list[dict]:
    """The MBROLA voices synthkit has a symbol table for, and whether each is installed."""
    from ..tts import mbrola

    return [{"name": v.name, "language": v.language, "description": v.description, "license": v.license,
             "installed": mbrola.voice_file(v.name) is not None} for v in mbrola.VOICES.values()]


def _coqui_text(models: list[dict], full: bool) -> str:
    """coqui-tts models grouped by licence (non-commercial ones marked)."""
    from ..tts.coqui_catalog import license_label

    by: dict[str, list[str]] = {}
    for m in models:
        by.setdefault(license_label(m["license"]), []).append(m["name"].removeprefix("tts_models/") +
                                                              ("" if m["renders"] else "*"))
    head = (f"coqui-tts models ({len(models)}; --backend coqui:tts_models/NAME, downloaded on first use; "
            "MMS: --backend coqui:mms for --lang), by licence:")
    lines = [head]
    for lic in sorted(by, key=lambda k: (-len(by[k]), k)):
        names = by[lic] if full else by[lic][:6] + ([f"... {len(by[lic]) - 6} more"] if len(by[lic]) > 6 else [])
        lines.append(f"  {lic} ({len(by[lic])}): " + ", ".join(names))
    lines.append("  * needs a separate vocoder: not rendered by synthkit (it renders VITS, YourTTS, XTTS, MMS)")
    if not full:
        lines.append("  (all of them: synthkit languages --coqui)")
    return "\n".join(lines)


def _columns(items: list[str], width: int = 100) -> str:
    col = max((len(i) for i in items), default=0) + 2
    per = max(1, width // col)
    return "\n".join("  " + "".join(i.ljust(col) for i in items[k:k + per]).rstrip() for k in range(0, len(items), per))


_MARKS = {"download": "dl ", "missing": " - "}


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable: one object per check, with importable, "
              "weights (local / download / missing / none) and ok (usable now, offline).")
@click.option("--lock", "lock", type=click.Path(path_type=Path, dir_okay=False),
              help="Compare installed versions with this lock file [the checkout's requirements.lock].")
def doctor(as_json, lock):
    """Which backends import, whose weights are on this machine or need a download, whether installed
    versions match the lock, and what to install for the rest. Imports no model library (about a second)."""
    from ..doctor import run_checks

    checks = run_checks(lock)
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in checks], indent=2))
    else:
        for c in checks:
            if c.ok:
                mark = "ok "
            elif c.required:
                mark = "ERR"
            elif c.importable and c.weights in _MARKS:
                mark = _MARKS[c.weights]
            else:
                mark = " - "
            click.echo(f"[{mark}] {c.name:<22} {c.detail}" + (f"\n       -> {c.hint}" if not c.ok and c.hint else ""))
        click.echo("[ok ] usable offline now   [dl ] importable, weights need a download (network once)   "
                   "[ - ] not installed or not usable   [ERR] needed by the offline default")
    if any(c.required and not c.ok for c in checks):
        raise SystemExit(1)
