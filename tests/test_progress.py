"""Feedback on long work: `score`, `degrade`, `restore` and `diversity` show a progress bar with the total
and the time left (run in a pseudo-terminal, as a user sees them), and `restore` states what its
before/after scores cost."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios

import pytest

from .conftest import ROOT
from .quality_corpus import build_corpus

#: A bar with the total and the time left: "… 0/3 [00:00<?, …]", "… 2/3 [00:01<00:00, …]" (tqdm; a bar
#: without a total shows "2clip [00:01, …]": neither).
TOTAL_AND_ETA = r"\b\d+/{n} \[\d\d:\d\d<"


def run_in_terminal(*args: str, timeout: float = 900) -> tuple[int, str]:
    """``python -m synthkit ARGS`` with stdout and stderr on a pseudo-terminal; (exit code, all output)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))  # rows, columns: a real terminal's
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "synthkit", *args], stdin=subprocess.DEVNULL, stdout=slave,
                            stderr=slave, env=env)
    os.close(slave)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                proc.kill()
                pytest.fail(f"synthkit {' '.join(args)} printed nothing for {timeout} s")
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_corpus(tmp_path_factory.mktemp("progress") / "corpus", n_good=3, bad=False)


def test_score_and_degrade_show_the_total_and_the_time_left(corpus, tmp_path):
    code, out = run_in_terminal("score", str(corpus), "-o", str(tmp_path / "scored.jsonl"), "--metrics", "duration")
    assert code == 0, out
    assert re.search(r"score: .*" + TOTAL_AND_ETA.format(n=3), out), out
    code, out = run_in_terminal("degrade", str(corpus), "--out", str(tmp_path / "degraded"), "--preset", "light")
    assert code == 0, out
    assert re.search(r"degrade: .*" + TOTAL_AND_ETA.format(n=3), out), out


@pytest.mark.slow
def test_diversity_says_what_it_does_and_shows_the_total(corpus):
    code, out = run_in_terminal("diversity", str(corpus), "--embedder", "resemblyzer")
    assert code == 0, out
    assert "synthkit diversity: loading the speaker embedder (resemblyzer)" in out
    assert re.search(r"diversity: embedding 1 speakers.*" + TOTAL_AND_ETA.format(n=3), out), out


@pytest.mark.slow
def test_restore_states_the_cost_of_its_scores(corpus, tmp_path):
    one = corpus.parent / "one.jsonl"  # one clip: the models' loading is most of the time anyway
    one.write_text(corpus.read_text().splitlines()[0] + "\n")
    code, out = run_in_terminal("restore", str(one), "--out", str(tmp_path / "restored"))
    assert code == 0, out
    assert "synthkit restore: before/after scores" in out and "--no-scores skips them" in out
    assert re.search(r"restore \+ scores \(--no-scores: 2\.5-4x faster\).*" + TOTAL_AND_ETA.format(n=1), out), out
    assert re.search(r"the before/after scores took \d+% of the work \(", out), out
    code, out = run_in_terminal("restore", str(one), "--out", str(tmp_path / "plain"), "--no-scores")
    assert code == 0, out
    assert "before/after scores" not in out
    assert re.search(r"restore: .*" + TOTAL_AND_ETA.format(n=1), out), out


def test_restore_help_states_the_cost_of_the_scores(cli):
    res = cli("restore", "--help")
    assert "2.5-4x as long as with --no-scores" in " ".join(res.stdout.split())
