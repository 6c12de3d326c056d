"""A ctypes binding of libespeak-ng as shipped in the ``espeakng-loader`` wheel (no apt, no program).

Why every clip starts from a pristine library: espeak-ng keeps synthesis state in C statics (pitch
flutter position, wave phase, breath filters, echo buffer, gain control) that ``espeak_Terminate``
does not reset, so the same text rendered twice in one process gives different samples, and a clip
would depend on what the process rendered before it. :func:`synthesize` therefore renders every
clip from the state of a freshly loaded and initialized library:

* by default with one copy of the library per process whose state (writable data and heap) is
  snapshotted after initialization and written back before every clip
  (:mod:`synthkit.tts.espeak_state`): the same samples as a fresh copy, without the cost of loading
  one (about as much as the render itself);
* where that cannot be set up (an unexpected library layout; the reason is in the debug log of
  ``synthkit.tts.espeak``), by loading a private copy of the library, rendering, and unloading it
  (``dlclose``) for every clip.

The copies are private (in-memory files, see :func:`_private_library`) because phonemizer loads
the wheel's file and never unloads it, and ``dlclose`` only unloads a library nobody else holds. Voices are selected by their file identifier
(``bnt/sw+f2`` for ``sw+f2``): selecting by language code makes espeak-ng read every voice file
first (2.4 ms per fresh library); the audio is the same. (A fork-per-clip render server was tried:
no faster on 2 cores, and more processes.)

Only one thread per process may use this module (espeak-ng is not thread-safe); synthkit runs
parallel work in processes.
"""

from __future__ import annotations

import _ctypes
import atexit
import ctypes
import logging
import os
import shutil
import tempfile
import threading
import unicodedata
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import numpy as np

from ..errors import missing_extra
from . import espeak_state

log = logging.getLogger("synthkit.tts.espeak")

# speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INIT_PHONEME_EVENTS = 0x0001
_INIT_PHONEME_IPA = 0x0002
_INIT_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_FLAG_PHONEMES = 0x100  # accept [[...]] phoneme mnemonics in the text
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_EVENT_PHONEME = 7
_PARAM_RATE = 1
_PARAM_VOLUME = 2
_PARAM_PITCH = 3
_PARAM_RANGE = 4
_PHONEMES_IPA = 0x02

#: Length of the audio buffer handed to the callback (ms); longer means fewer Python callbacks.
_BUFFER_MS = 2000
#: espeak-ng's output sample rate for its own voices (Hz).
ESPEAK_SAMPLE_RATE = 22050
#: Parameter bounds documented by espeak-ng.
RATE_RANGE = (80, 450)  # words per minute
PITCH_RANGE = (0, 99)
PITCH_RANGE_RANGE = (0, 99)


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))
_lock = threading.Lock()


@lru_cache(maxsize=1)
def paths() -> tuple[str, str]:
    """(library path, data path) of the espeak-ng shipped in ``espeakng-loader``."""
    try:
        import espeakng_loader
    except ImportError:
        raise missing_extra("espeakng-loader", "core", "Offline rendering and G2P with espeak-ng") from None
    return espeakng_loader.get_library_path(), espeakng_loader.get_data_path()


_private: dict[tuple[int, str], str] = {}


def _private_library(role: str = "session") -> str:
    """Path of this process's own copy of libespeak-ng for ``role`` (made on first use): ``session``
    for :func:`session`, ``state`` for the restorable copy.

    The copy is an anonymous in-memory file (``memfd_create``) opened through ``/proc/PID/fd``: it
    has no name on disk and goes away with the process, however the process ends (a worker killed
    with SIGKILL leaves nothing behind). Where memfd is unavailable, a file in a temporary folder
    removed at exit (which a killed process cannot do)."""
    key = (os.getpid(), role)
    if key not in _private:
        src = paths()[0]
        if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
            # the name (shown in /proc/PID/maps as /memfd:NAME) carries the pid: a forked child's own
            # copy is told apart from the parent's mapping it inherited
            fd = os.memfd_create(f"synthkit-espeak-{role}-{os.getpid()}", os.MFD_CLOEXEC)
            with open(src, "rb") as f:
                os.write(fd, f.read())  # (< 1 MB; memfd writes are never short)
            # never closed: the process's own, until it ends. The pid in the path: the dynamic loader
            # knows libraries by path, and a forked child still lists the parent's copy
            _private[key] = f"/proc/{os.getpid()}/fd/{fd}"
        else:  # pragma: no cover - non-Linux
            d = tempfile.mkdtemp(prefix=f"synthkit-espeak-{role}-")
            dst = os.path.join(d, os.path.basename(src))
            shutil.copyfile(src, dst)
            atexit.register(shutil.rmtree, d, True)
            _private[key] = dst
    return _private[key]


def _mapped_name(role: str) -> str | None:
    """How this process's copy for ``role`` appears in /proc/self/maps (None if not made yet)."""
    path = _private.get((os.getpid(), role))
    if path is None or not path.startswith("/proc/"):
        return path
    return f"/memfd:synthkit-espeak-{role}-{os.getpid()}"


def is_loaded() -> bool:
    """Whether this process's copy of the library is currently mapped (it should not be between renders)."""
    name = _mapped_name("session")
    if not name:
        return False
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
        fields = (line.rstrip("\n").split(maxsplit=5) for line in f)
        return any(len(x) == 6 and x[5] in (name, name + " (deleted)") for x in fields)


def variants_dir() -> Path:
    return Path(paths()[1]) / "voices" / "!v"


#: Phonemes espeak-ng reports by their mnemonic because its tables give them no IPA; Kirshenbaum's '.'
#: (espeak-ng's mnemonics follow it) marks a retroflex: the Indic voices' flap (Hindi ड़ as in लड़का) and
#: Mandarin's sibilants. Without this the flap would read as IPA 'r' followed by a syllable break.
PLACEHOLDER_IPA = {"r.": "ɽ", "s.": "ʂ", "ts.": "ʈʂ", "ts.h": "ʈʂʰ"}


def placeholder_ipa(ph: str) -> str:
    """``ph`` with an espeak-ng placeholder (:data:`PLACEHOLDER_IPA`) written as IPA, stress kept."""
    core = ph.lstrip("ˈˌ")
    rep = PLACEHOLDER_IPA.get(core)
    return ph if rep is None else ph[:len(ph) - len(core)] + rep


#: Arabic shadda (gemination). Unicode's canonical order (NFC, which synthkit's normalization applies)
#: puts the short-vowel marks and tanwin (combining classes 27-32) before it (33), but espeak-ng's Arabic
#: rules read a vowel mark only after the shadda: from NFC text they drop the vowel after every geminate
#: (سِتَّة [sitta] -> [sitt], الشَّمْس -> [ʔaʃʃms], مُحَمَّد -> [muħammd]).
SHADDA = "\u0651"
#: Hebrew points and cantillation marks (niqqud, dagesh, shin/sin dots, te'amim): espeak-ng's Hebrew voice
#: reads only unpointed text and spells a point out by its English name (שָׁלוֹם -> "shin, hebrew a,
#: hebrew shin dot, lamed..."); it reads the letters without them (שלום -> [ʃalom]).
HEBREW_POINTS = frozenset(chr(c) for c in range(0x0591, 0x05C8) if unicodedata.category(chr(c)) == "Mn")


def espeak_text(text: str) -> str:
    """``text`` as espeak-ng must read it: in each run of combining marks that holds a shadda, the shadda
    first (canonically equivalent; the length is unchanged), and Hebrew points left out (see
    :data:`HEBREW_POINTS`). Text with neither goes through untouched."""
    if not HEBREW_POINTS.isdisjoint(text):
        text = "".join(c for c in text if c not in HEBREW_POINTS)
    if SHADDA not in text:
        return text
    out: list[str] = []
    run: list[str] = []
    for ch in text + "\0":  # the sentinel flushes the last run
        if unicodedata.combining(ch):
            run.append(ch)
            continue
        if SHADDA in run and run[0] != SHADDA:
            run.remove(SHADDA)
            run.insert(0, SHADDA)
        out.extend(run)
        run = []
        out.append(ch)
    return "".join(out[:-1])


@dataclass(frozen=True)
class Rendering:
    samples: np.ndarray  # int16, mono
    sample_rate: int
    phonemes: tuple[str, ...]  # IPA phonemes espeak-ng reported while speaking; "" marks a pause/word end
    #: the same phonemes grouped by the words espeak-ng reported (word events), pauses left out
    words: tuple[tuple[str, ...], ...] = ()
    #: where each of ``words`` starts in the text rendered (espeak-ng's 1-based character position)
    word_positions: tuple[int, ...] = ()
    #: every phoneme event in order: (sample where espeak-ng says it starts, IPA; "" a pause/word end)
    timings: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class VoiceInfo:
    name: str
    identifier: str
    languages: tuple[str, ...]
    gender: int
    priorities: tuple[int, ...] = ()  # espeak-ng's preference per language (lower is preferred)


class _Session:
    """One freshly loaded, initialized libespeak-ng. Use through :func:`session`."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        self.lib = lib
        self._chunks: list[bytes] = []
        self._phonemes: list[str] = []
        self._events: list[tuple[int, int, str | int]] = []  # (sample, 0 word | 1 phoneme, text position | IPA)
        self._collect = True  # gather phoneme and word events (see speak)
        self._cb = _Callback(self._on_audio)
        lib.espeak_SetSynthCallback(self._cb)
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))

    def _on_audio(self, wav, n, events) -> int:  # called by espeak-ng from inside espeak_Synth
        if n > 0:
            self._chunks.append(ctypes.string_at(wav, n * 2))
        if not self._collect:
            return 0
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            if events[i].type == _EVENT_PHONEME:
                ph = placeholder_ipa(events[i].id.decode("utf-8", errors="replace"))
                self._phonemes.append(ph)
                self._events.append((events[i].sample, 1, ph))
            elif events[i].type == _EVENT_WORD:
                self._events.append((events[i].sample, 0, events[i].text_position))
            i += 1
        return 0

    def set_voice(self, name: str) -> None:
        if self.lib.espeak_SetVoiceByName(name.encode("utf-8")) != 0:
            raise ValueError(f"espeak-ng has no voice {name!r}")

    def synthesize(
        self, text: str, voice: str, rate: int, pitch: int, pitch_range: int, phoneme_input: bool, seed: int,
        events: bool = True,
    ) -> Rendering:
        self.begin(voice, seed)
        return self.speak(text, rate, pitch, pitch_range, phoneme_input, events)

    def begin(self, voice: str, seed: int) -> None:
        """The first calls of a render: the random seed, then the voice."""
        self.lib.espeak_ng_SetRandSeed(ctypes.c_long(seed))
        self.set_voice(voice)

    def speak(self, text: str, rate: int, pitch: int, pitch_range: int, phoneme_input: bool,
              events: bool = True) -> Rendering:
        """The rest of a render (after :meth:`begin`): prosody, then the text. ``events=False``: the
        phonemes espeak-ng reports are not gathered (``Rendering.phonemes`` and ``words`` stay empty;
        the samples are the same)."""
        self._collect = events
        self._chunks.clear()
        self._phonemes.clear()
        self._events.clear()
        for param, value in ((_PARAM_RATE, rate), (_PARAM_PITCH, pitch), (_PARAM_RANGE, pitch_range)):
            self.lib.espeak_SetParameter(param, int(value), 0)
        data = (text if phoneme_input else espeak_text(text)).encode("utf-8") + b"\0"
        flags = _CHARS_UTF8 | (_FLAG_PHONEMES if phoneme_input else 0)
        err = self.lib.espeak_Synth(data, len(data), 0, 0, 0, flags, None, None)
        if err != 0:
            raise RuntimeError(f"espeak_Synth failed with code {err}")
        self.lib.espeak_Synchronize()
        samples = np.frombuffer(b"".join(self._chunks), dtype=np.int16).copy()
        if not events:
            return Rendering(samples, ESPEAK_SAMPLE_RATE, ())
        timings = tuple((at, ph) for at, kind, ph in self._events if kind == 1)
        return Rendering(samples, ESPEAK_SAMPLE_RATE, tuple(self._phonemes), *self._words(), timings)

    def _words(self) -> tuple[tuple[tuple[str, ...], ...], tuple[int, ...]]:
        """Phoneme events grouped by word, and where each word starts in the text: a word event carries
        the sample where its word starts, at or before its first phoneme and after the previous word's
        last (ties: the word event first)."""
        words: list[list[str]] = []
        positions: list[int] = []
        for _sample, kind, x in sorted(self._events, key=lambda e: (e[0], e[1])):
            if kind == 0:
                words.append([])
                positions.append(x)
            elif x:
                if not words:
                    words.append([])
                    positions.append(0)
                words[-1].append(x)
        kept = [i for i, w in enumerate(words) if w]
        return tuple(tuple(words[i]) for i in kept), tuple(positions[i] for i in kept)

    def text_to_phonemes(self, text: str, voice: str, ipa: bool = True, separator: str | None = None) -> list[str]:
        """espeak-ng's phonemes for ``text``, one string per clause. ``ipa=False`` gives espeak-ng's
        own mnemonics (the alphabet of ``[[...]]`` input). ``separator`` (one character) is put
        between phonemes, so espeak-ng itself says where one phoneme ends."""
        self.set_voice(voice)
        return self.phonemes_of(text, ipa, separator)

    def phonemes_of(self, text: str, ipa: bool = True, separator: str | None = None) -> list[str]:
        """:meth:`text_to_phonemes` with the voice already set."""
        mode = (_PHONEMES_IPA if ipa else 0) | ((ord(separator) << 8) if separator else 0)
        buf = ctypes.create_string_buffer(espeak_text(text).encode("utf-8") + b"\0")
        ptr = ctypes.c_void_p(ctypes.addressof(buf))
        out: list[str] = []
        while ptr.value:
            res = self.lib.espeak_TextToPhonemes(ctypes.byref(ptr), _CHARS_UTF8, mode)
            if res:
                out.append(res.decode("utf-8", errors="replace"))
        return out

    def list_voices(self) -> list[VoiceInfo]:
        arr = self.lib.espeak_ListVoices(None)
        voices = []
        i = 0
        while arr[i]:
            v = arr[i].contents
            langs, prios = [], []
            p = v.languages
            while p:
                prio = ctypes.string_at(p, 1)[0]
                if prio == 0:
                    break
                s = ctypes.string_at(p + 1)
                langs.append(s.decode("utf-8"))
                prios.append(int(prio))
                p += 1 + len(s) + 1
            voices.append(VoiceInfo(v.name.decode("utf-8"), v.identifier.decode("utf-8"), tuple(langs),
                                    int(v.gender), tuple(prios)))
            i += 1
        return voices


def _initialize(lib: ctypes.CDLL, ipa_events: bool) -> None:
    data_path = paths()[1]
    opts = _INIT_DONT_EXIT | _INIT_PHONEME_EVENTS | (_INIT_PHONEME_IPA if ipa_events else 0)
    sr = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, data_path.encode("utf-8"), opts)
    if sr != ESPEAK_SAMPLE_RATE:
        raise RuntimeError(f"espeak-ng failed to initialize (returned {sr}) with data at {data_path}")


@contextmanager
def session(ipa_events: bool = True) -> Iterator[_Session]:
    """Load libespeak-ng afresh, initialize it, yield it, then terminate and unload it."""
    with _lock:
        lib = ctypes.CDLL(_private_library())
        try:
            _initialize(lib, ipa_events)
            s = _Session(lib)
            yield s
        finally:
            lib.espeak_Terminate()
            _ctypes.dlclose(lib._handle)


class _Pristine:
    """The restorable copy (:mod:`synthkit.tts.espeak_state`) and the session on it.

    A render is the calls a fresh library would get: seed and voice (:meth:`_Session.begin`), then
    prosody and text. The state after the first two depends only on (seed, voice), so it is captured
    once per voice and restored directly, instead of restoring the initial state and reading the
    voice and its dictionary files again for every clip."""

    #: Voices whose state is kept (about 0.2-0.3 MB each); the least recently used one goes first.
    MAX_VOICES = 128

    def __init__(self) -> None:
        path = _private_library("state")
        self.copy = espeak_state.Restorable(path, espeak_state.read_layout(path))
        _initialize(self.copy.lib, True)
        self.session = _Session(self.copy.lib)
        self.copy.snapshot()
        self.voices: OrderedDict[tuple[str, int], espeak_state.Saved] = OrderedDict()

    def synthesize(self, text: str, ident: str, rate: int, pitch: int, pitch_range: int, phoneme_input: bool,
                   seed: int, events: bool = True) -> Rendering:
        with self.copy.lock:
            self._begin(ident, seed)
            return self.session.speak(text, rate, pitch, pitch_range, phoneme_input, events)

    def text_to_phonemes(self, text: str, ident: str, ipa: bool, separator: str | None) -> list[str]:
        with self.copy.lock:
            self._begin(ident, 0)
            return self.session.phonemes_of(text, ipa, separator)

    def _begin(self, ident: str, seed: int) -> None:
        """The state of a fresh library after seed and voice (call with the lock held)."""
        key = (ident, seed)
        saved = self.voices.get(key)
        if saved is not None:
            self.copy.restore(saved)
            self.voices.move_to_end(key)
            return
        self.copy.restore()
        self.session.begin(ident, seed)
        try:
            self.voices[key] = self.copy.capture()
        except espeak_state.Unsupported:
            pass  # (the voice did not fit the arena) restore the initial state for it every time
        if len(self.voices) > self.MAX_VOICES:
            self.voices.popitem(last=False)


#: Set to 1 to load a fresh library for every clip (the slower mechanism; same audio).
RELOAD_ENV = "SYNTHKIT_ESPEAK_RELOAD"
#: Rendered fresh and after another clip by the restorable copy, to check it before use.
_PROBE = ("Habari ya asubuhi, rafiki yangu; 1998.", "sw+m3", 160, 60, 40)
_OTHER = ("Something else entirely, said twice as fast.", "en+klatt", 320, 90, 80)
_pristine: dict[int, _Pristine | None] = {}


def _pristine_copy() -> _Pristine | None:
    """This process's restorable copy, set up and checked on first use; None where it cannot be used."""
    pid = os.getpid()
    if pid not in _pristine:
        _pristine[pid] = None
        if os.environ.get(RELOAD_ENV, "") not in ("", "0"):
            log.debug("libespeak-ng: %s is set; loading a fresh library per clip", RELOAD_ENV)
            return None
        try:
            p = _Pristine()
            text, voice, *prosody = _PROBE
            ident = voice_identifier(voice)
            want = _synthesize_fresh(text, ident, *prosody, False, 0)
            other, ovoice, *oprosody = _OTHER
            for _ in range(2):  # the voice's state captured, then restored
                p.synthesize(other, voice_identifier(ovoice), *oprosody, False, 0)
                got = p.synthesize(text, ident, *prosody, False, 0)
                if not np.array_equal(got.samples, want.samples) or got.phonemes != want.phonemes:
                    raise espeak_state.Unsupported("a restored render differs from a fresh library's")
            _pristine[pid] = p
            log.debug("libespeak-ng: one copy per process, its state restored before every clip")
        except (espeak_state.Unsupported, OSError, MemoryError, RuntimeError, ValueError, AttributeError) as exc:
            log.debug("libespeak-ng: state restore unavailable (%s); loading a fresh library per clip", exc)
    return _pristine[pid]


def reuse_mode() -> str:
    """How :func:`synthesize` gets a pristine library in this process: ``restore`` (one copy, state
    written back before every clip) or ``reload`` (a fresh copy per clip)."""
    return "restore" if _pristine_copy() is not None else "reload"


def _synthesize_fresh(text: str, ident: str, rate: int, pitch: int, pitch_range: int, phoneme_input: bool,
                      seed: int, events: bool = True) -> Rendering:
    with session() as s:
        return s.synthesize(text, ident, rate, pitch, pitch_range, phoneme_input, seed, events)


def synthesize(
    text: str,
    voice: str,
    rate: int = 175,
    pitch: int = 50,
    pitch_range: int = 50,
    phoneme_input: bool = False,
    seed: int = 0,
    fresh: bool = False,
    events: bool = True,
) -> Rendering:
    """Render ``text`` (or ``[[mnemonics]]`` with ``phoneme_input``) with an espeak-ng voice such as
    ``"sw"`` or ``"sw+f2"``. The result depends only on the arguments. ``fresh`` loads a fresh copy of
    the library for this render even where the restorable copy is available (for comparisons).
    ``events=False`` skips gathering the phonemes espeak-ng reports (same samples, empty phonemes)."""
    ident = voice_identifier(voice)  # outside the session: it may need a session of its own
    pristine = None if fresh else _pristine_copy()
    if pristine is None:
        return _synthesize_fresh(text, ident, rate, pitch, pitch_range, phoneme_input, seed, events)
    return pristine.synthesize(text, ident, rate, pitch, pitch_range, phoneme_input, seed, events)


def text_to_phonemes(text: str, voice: str, ipa: bool = True, separator: str | None = None) -> list[str]:
    """:meth:`_Session.text_to_phonemes` on a pristine library (the restorable copy where it is
    available, else a fresh one): the result depends only on the arguments."""
    ident = voice_identifier(voice)
    pristine = _pristine_copy()
    if pristine is None:
        with session() as s:
            return s.text_to_phonemes(text, ident, ipa, separator)
    return pristine.text_to_phonemes(text, ident, ipa, separator)


@lru_cache(maxsize=1)
def list_voices() -> tuple[VoiceInfo, ...]:
    with session() as s:
        return tuple(s.list_voices())


@lru_cache(maxsize=1)
def voice_for_language() -> dict[str, VoiceInfo]:
    """Language code -> the voice espeak-ng prefers for it (lowest priority number, then name)."""
    best: dict[str, tuple[int, str, VoiceInfo]] = {}
    for v in list_voices():
        for lang, prio in zip(v.languages, v.priorities or (5,) * len(v.languages)):
            key = (prio, v.identifier, v)
            if lang not in best or key[:2] < best[lang][:2]:
                best[lang] = key
    return {lang: k[2] for lang, k in best.items()}


@lru_cache(maxsize=1)
def _identifiers() -> dict[str, str]:
    # espeak-ng lower-cases the name before looking for the file, so mixed-case files cannot be named
    return {lang: v.identifier for lang, v in voice_for_language().items() if v.identifier == v.identifier.lower()}


def voice_identifier(voice: str) -> str:
    """``sw+f2`` -> ``bnt/sw+f2``: the same voice, named by its file (see module doc)."""
    lang, plus, variant = voice.partition("+")
    return _identifiers().get(lang, lang) + plus + variant


@lru_cache(maxsize=1)
def list_variants() -> tuple[str, ...]:
    """Names of espeak-ng's voice variants (``voices/!v``), e.g. ``m1``, ``f2``, ``klatt``."""
    d = variants_dir()
    return tuple(sorted(p.name for p in d.iterdir() if p.is_file())) if d.is_dir() else ()
