"""One libespeak-ng per process, its state restored before every clip (synthkit.tts.espeak_state):
every clip equals a freshly loaded library's, whatever was rendered before it."""

import ctypes
import logging
import platform
import shutil

import numpy as np
import pytest

from synthkit.tts import espeak_lib, espeak_state

TEXTS = ["Habari ya asubuhi, rafiki yangu.", "Shule yetu ina wanafunzi mia nne hamsini na walimu kumi na nane.",
         "Jua linawaka na anga ni safi!"]
#: (text, voice, rate, pitch, pitch range, phoneme input): several dictionaries, both wave generators
#: (harmonic and Klatt), [[mnemonic]] input
CASES = [
    (TEXTS[0], "sw+m1", 160, 50, 50, False),
    (TEXTS[1], "sw+f2", 190, 35, 70, False),
    (TEXTS[2], "sw+klatt4", 175, 60, 30, False),
    ("Buongiorno a tutti, amici miei.", "it+m3", 150, 65, 40, False),
    ("The quick brown fox jumps over the lazy dog.", "en+Annie", 200, 45, 60, False),
    ("[[h'abari j'a as'ubuhi]]", "sw+f3", 170, 50, 50, True),
]


def _render(case, fresh=False):
    text, voice, rate, pitch, prange, ph = case
    return espeak_lib.synthesize(text, voice, rate=rate, pitch=pitch, pitch_range=prange, phoneme_input=ph,
                                 fresh=fresh)


@pytest.fixture(scope="module")
def fresh():
    """Every case rendered by a freshly loaded library (the reference)."""
    return [_render(c, fresh=True) for c in CASES]


def _same(a, b):
    return np.array_equal(a.samples, b.samples) and a.phonemes == b.phonemes


def test_restore_is_in_use_here():
    # the shipped x86-64 library has the layout espeak_state expects, so the fast path is the one tested
    assert espeak_lib.reuse_mode() == "restore"


def test_restored_renders_equal_fresh_ones_in_any_order(fresh):
    """Each clip rendered first, last, in between and repeated equals the fresh library's clip."""
    for order in (range(len(CASES)), reversed(range(len(CASES))), [3, 0, 5, 0, 2, 1, 4, 3]):
        for i in order:
            assert _same(_render(CASES[i]), fresh[i]), CASES[i]
    # repeated voices started from their captured state (seed and voice set), not from the snapshot
    voices = espeak_lib._pristine_copy().voices
    assert all((espeak_lib.voice_identifier(c[1]), 0) in voices for c in CASES)


def test_text_to_phonemes_on_the_restored_copy_equals_a_fresh_librarys():
    """MBROLA's score reads espeak-ng's phonemes for the text from the restored copy (no reload per clip):
    the same as a fresh library's, whatever was rendered or read before."""
    cases = [("ثَلَاثَه، سِتَّه", "ar", "_"), ("שלום עולם", "he", "_"), ("İstanbul'a 12 kez", "tr", None),
             ("Habari ya asubuhi", "sw", None), ("Hello there", "en", "_")]
    want = []
    for text, voice, sep in cases:
        with espeak_lib.session() as s:
            want.append(s.text_to_phonemes(text, voice, separator=sep))
    for order in (range(len(cases)), reversed(range(len(cases)))):
        for i in order:
            espeak_lib.synthesize("Something else, said fast.", "en", rate=320)
            text, voice, sep = cases[i]
            assert espeak_lib.text_to_phonemes(text, voice, separator=sep) == want[i], cases[i]


def test_without_restore_state_leaks():
    """Control: the same copy *not* restored between clips does depend on what it rendered before
    (what makes the restore necessary)."""
    p = espeak_lib._pristine_copy()
    text, voice, rate, pitch, prange, ph = CASES[0]
    ident = espeak_lib.voice_identifier(voice)
    p.synthesize(text, ident, rate, pitch, prange, ph, 0)  # restored, then rendered
    first = p.session.synthesize(text, ident, rate, pitch, prange, ph, 0)  # again, without a restore
    second = p.session.synthesize(text, ident, rate, pitch, prange, ph, 0)
    alone = p.synthesize(text, ident, rate, pitch, prange, ph, 0)
    assert not (_same(first, alone) and _same(second, alone))


def test_arena_returns_to_the_snapshot_and_memory_stays_flat():
    p = espeak_lib._pristine_copy()
    arena = p.copy.arena
    _render(CASES[1])
    top_after_clip = arena.top
    assert top_after_clip > arena._snap_top  # the clip allocated in the arena...
    p.copy.restore()
    assert arena.top == arena._snap_top and not arena.foreign  # ...and the restore took it back

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * espeak_state._PAGE

    for _ in range(20):
        _render(CASES[0])
    before = rss()
    for _ in range(150):
        _render(CASES[1])
    assert rss() - before < 2 << 20


def test_clips_that_overflow_the_arena_still_equal_fresh_ones(fresh, tmp_path):
    """An arena with no room left after initialization sends a clip's allocations to libc malloc;
    they are freed at the next restore and the audio is unchanged."""
    path = tmp_path / "libespeak-ng.so"
    shutil.copyfile(espeak_lib.paths()[0], path)
    layout = espeak_state.read_layout(str(path))
    probe = espeak_state.Restorable(str(path), layout)  # how much initialization takes
    espeak_lib._initialize(probe.lib, True)
    need = probe.arena.top - probe.arena.base
    path2 = tmp_path / "copy2.so"
    shutil.copyfile(path, path2)
    small = espeak_state.Restorable(str(path2), layout, arena_bytes=need + 4096)
    espeak_lib._initialize(small.lib, True)
    session = espeak_lib._Session(small.lib)
    small.snapshot()
    for i in (1, 0, 2):
        text, voice, rate, pitch, prange, ph = CASES[i]
        small.restore()
        got = session.synthesize(text, espeak_lib.voice_identifier(voice), rate, pitch, prange, ph, 0)
        assert small.arena.foreign  # the dictionary and more did not fit
        assert _same(got, fresh[i])
    small.restore()
    assert not small.arena.foreign


def test_arena_too_small_for_initialization_is_refused(tmp_path):
    path = tmp_path / "libespeak-ng.so"
    shutil.copyfile(espeak_lib.paths()[0], path)
    r = espeak_state.Restorable(str(path), espeak_state.read_layout(str(path)), arena_bytes=64 << 10)
    espeak_lib._initialize(r.lib, True)  # works, partly on libc's heap
    with pytest.raises(espeak_state.Unsupported, match="too small"):
        r.snapshot()


def test_layout_of_the_shipped_library():
    layout = espeak_state.read_layout(espeak_lib.paths()[0])
    assert {"malloc", "calloc", "realloc", "free", "strdup"} <= set(layout.slots)
    assert sum(n for _, n in layout.state) >= 100_000  # .data and .bss


def test_unexpected_files_are_refused(tmp_path):
    not_elf = tmp_path / "x.so"
    not_elf.write_bytes(b"#!/bin/sh\n" * 10)
    with pytest.raises(espeak_state.Unsupported, match="ELF"):
        espeak_state.read_layout(str(not_elf))
    no_sections = tmp_path / "no-sections.so"  # the same library with its section headers cut off
    data = bytearray(open(espeak_lib.paths()[0], "rb").read())
    data[0x28:0x30] = bytes(8)  # e_shoff
    data[0x3C:0x3E] = bytes(2)  # e_shnum
    no_sections.write_bytes(bytes(data))
    with pytest.raises(espeak_state.Unsupported, match="section headers"):
        espeak_state.read_layout(str(no_sections))


def test_falls_back_to_a_fresh_library_per_clip(monkeypatch, caplog, fresh):
    """When the layout is not what espeak_state expects, clips are made as before (and the debug log
    says why)."""
    def refuse(path, anchor="espeak_Initialize"):
        raise espeak_state.Unsupported("test: unexpected layout")

    monkeypatch.setattr(espeak_state, "read_layout", refuse)
    monkeypatch.setattr(espeak_lib, "_pristine", {})
    with caplog.at_level(logging.DEBUG, logger="synthkit.tts.espeak"):
        assert espeak_lib.reuse_mode() == "reload"
    assert "test: unexpected layout" in caplog.text and "fresh library per clip" in caplog.text
    assert _same(_render(CASES[0]), fresh[0])
    assert not espeak_lib.is_loaded()


def test_reload_can_be_forced(monkeypatch):
    monkeypatch.setenv(espeak_lib.RELOAD_ENV, "1")
    monkeypatch.setattr(espeak_lib, "_pristine", {})
    assert espeak_lib.reuse_mode() == "reload"


def test_native_malloc_bumps_aligned_blocks_and_overflows_to_libc():
    arena = espeak_state.Arena(1 << 16)
    if platform.machine().lower() in ("x86_64", "amd64"):
        assert arena.native
    malloc = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_size_t)(arena.address("malloc"))
    realloc = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)(arena.address("realloc"))
    blocks = [malloc(n) for n in (1, 0, 24, 100, 4096)]
    assert all(b % 16 == 0 and arena.base < b < arena.end for b in blocks)
    assert blocks == sorted(blocks) and len(set(blocks)) == len(blocks)
    # each block's header holds its size (header included), so realloc can copy it
    assert [ctypes.c_uint64.from_address(b - 16).value for b in blocks] == [32, 16, 48, 128, 4112]
    ctypes.memmove(blocks[3], b"x" * 100, 100)
    moved = realloc(blocks[3], 300)
    assert ctypes.string_at(moved, 100) == b"x" * 100 and moved > blocks[4]
    grown = realloc(moved, 1000)  # the last block grows where it is
    assert grown == moved and arena.top == moved - 16 + 1024
    assert not arena.foreign
    big = malloc(1 << 17)  # does not fit: libc's malloc, freed at the next restore
    assert big and big in arena.foreign and not arena.base <= big < arena.end


@pytest.mark.parametrize("memfd", [True, False])
def test_python_allocator_renders_the_same(fresh, tmp_path, monkeypatch, memfd):
    """The allocator without machine code (other CPUs, no executable memory) gives the same clips;
    so does restoring the arena by copying where no memory file can be made."""
    if not memfd:
        monkeypatch.delattr("os.memfd_create")
    path = tmp_path / "libespeak-ng.so"
    shutil.copyfile(espeak_lib.paths()[0], path)
    r = espeak_state.Restorable(str(path), espeak_state.read_layout(str(path)), native=False)
    assert not r.arena.native
    espeak_lib._initialize(r.lib, True)
    session = espeak_lib._Session(r.lib)
    r.snapshot()
    assert r.arena._mapped == memfd
    for i in (2, 0, 5, 0):
        text, voice, rate, pitch, prange, ph = CASES[i]
        r.restore()
        got = session.synthesize(text, espeak_lib.voice_identifier(voice), rate, pitch, prange, ph, 0)
        assert _same(got, fresh[i])


_KILLED_WORKER = """
import sys
from synthkit.tts import espeak_lib
espeak_lib.synthesize("Habari ya asubuhi.", "sw+m1")  # the restorable copy (or a fresh one per clip)
with espeak_lib.session():  # and the per-clip copy, left loaded when the process is killed
    print(espeak_lib.reuse_mode(), flush=True)
    sys.stdin.read()
"""


@pytest.mark.parametrize("reload", ["0", "1"])
def test_a_killed_worker_leaves_no_library_copy_behind(tmp_path, reload):
    """The private copies of libespeak-ng live in memory (memfd), not in files that only an orderly
    exit would remove: SIGKILL mid-render leaves nothing in the temporary folder."""
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp), SYNTHKIT_ESPEAK_RELOAD=reload,
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WORKER], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        mode = proc.stdout.readline().strip()
        assert mode == ("reload" if reload == "1" else "restore")
        assert list(tmp.iterdir()) == []
        with open(f"/proc/{proc.pid}/maps") as f:
            assert f"/memfd:synthkit-espeak-session-{proc.pid}" in f.read()  # loaded, from memory
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert list(tmp.iterdir()) == []


def test_renders_without_phoneme_events_have_the_same_samples():
    """synth skips gathering espeak-ng's phoneme events when a row does not need them (no donor); the
    samples are the same, restored or fresh."""
    for text, voice, rate, pitch, prange, ph in CASES:
        kw = dict(rate=rate, pitch=pitch, pitch_range=prange, phoneme_input=ph)
        with_events = espeak_lib.synthesize(text, voice, **kw)
        without = espeak_lib.synthesize(text, voice, events=False, **kw)
        fresh = espeak_lib.synthesize(text, voice, fresh=True, events=False, **kw)
        assert with_events.phonemes and without.phonemes == () and without.words == ()
        assert np.array_equal(with_events.samples, without.samples)
        assert np.array_equal(with_events.samples, fresh.samples)
