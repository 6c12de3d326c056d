"""End to end: the smoke recipe on CPU, as a user runs it."""

import subprocess

import soundfile as sf

from synthkit.manifest import read_manifest

from .conftest import ROOT


def test_smoke_recipe(tmp_path):
    res = subprocess.run(["bash", str(ROOT / "recipes" / "smoke" / "run.sh"), str(tmp_path)], capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    manifest = tmp_path / "corpus" / "manifest.jsonl"
    rows = list(read_manifest(manifest))
    assert len(rows) == 20
    for r in rows:
        assert sf.info(str(manifest.parent / r.audio_filepath)).frames == round(r.duration * r["sample_rate"])
