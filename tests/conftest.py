"""Shared fixtures. Real material lives in ../shared (every developer and CI run has it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT.parent / "shared").resolve()  # synthkit records resolved paths; ../shared may be a link
SHARED_DATA = SHARED / "data"
NOISE_DIR = SHARED_DATA / "noise"
RIR_DIR = SHARED_DATA / "rir"
LJSPEECH = SHARED_DATA / "speech" / "ljspeech"
LIBRISPEECH = SHARED_DATA / "speech" / "librispeech"
SW_TEXT = ROOT / "recipes" / "swahili" / "text.txt"


def require_shared() -> None:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"../shared/data is missing at {SHARED_DATA}: tests use its real recordings")


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Keep synthkit's caches (resampled noise, etc.) inside the test session."""
    os.environ["SYNTHKIT_CACHE"] = str(tmp_path_factory.mktemp("synthkit-cache"))
    yield


def run_synthkit(*args: str, cwd: Path | None = None, timeout: float = 600, **kw) -> subprocess.CompletedProcess:
    """Run ``python -m synthkit`` in a subprocess with this checkout first on the path."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "synthkit", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, **kw)


@pytest.fixture
def cli():
    """Invoke the click CLI in-process: ``cli("synth", "--lang", ...)`` -> click Result."""
    from click.testing import CliRunner

    from synthkit.cli import main

    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def assert_same_corpus(a: Path, b: Path) -> int:
    """Folders ``a`` and ``b`` hold the same corpus: the same manifest bytes and, for every row, the same
    audio bytes. Returns the number of rows."""
    from synthkit.manifest import read_manifest

    assert (a / "manifest.jsonl").read_bytes() == (b / "manifest.jsonl").read_bytes()
    rows = list(read_manifest(a / "manifest.jsonl"))
    for r in rows:
        assert (a / r.audio_filepath).read_bytes() == (b / r.audio_filepath).read_bytes(), r.id
    return len(rows)
