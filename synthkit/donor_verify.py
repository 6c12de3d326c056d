"""A donor ranking checked by ear (``synthkit donors --verify N``).

The phonological ranking (:mod:`synthkit.donors`) says which donor voice *should* render a language
best. This module measures it: sample sentences of the target text are rendered through each donor
(phoneme-mapped, exactly as ``synthkit synth --donor`` renders them: an espeak-ng voice with its default
prosody, a neural donor — Kokoro, Piper — through ``synth`` itself with ``--augment none``),
transcribed by a multilingual ASR with the language forced to the target, and scored by the character
error rate against the text (:func:`synthkit.quality.asr.cer`, after its normalization). Low CER = the
rendered speech is heard as the target language's words.

* **ASR**: Whisper base (multilingual, CTranslate2, from the ``models`` extra; :func:`load_asr`). For a
  language it does not know, nothing can be verified and the result says so (:func:`asr_knows`).
* **Windows**: Whisper reads 30-s windows and pays the encoder's cost per window, whatever is in it, so
  the renderings of one donor are packed into windows of up to :data:`WINDOW_S` seconds with
  :data:`GAP_S` of silence between sentences, and each window is one transcription; its CER is over
  the window's sentences together. A donor's CER is the character-weighted mean over its windows. Whisper
  sometimes falls into a loop on a long window (one syllable or sentence again and again, to its token
  limit), or drops the whole window as no speech (faster-whisper skips a segment it finds both
  speechless and improbable); a window whose transcript is empty or compresses more than
  :data:`LOOP_RATIO` (Whisper's own loop test) is transcribed again sentence by sentence.
* **Sentences**: :func:`sample_sentences` takes ``n`` usable sentences spread evenly over the text
  (first, last and evenly between), so a text sorted by topic or length is sampled across.
* **Agreement**: :func:`spearman` between the donors' rank (the ranking synthkit uses: phonological
  score and measured prior, :mod:`synthkit.donor_prior`) and the measured CER over the donors checked,
  and :func:`disagreements`: donors whose CER rank is far from their rank.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .audio import DEFAULT_SAMPLE_RATE, int16_to_float, resample
from .donor_prior import WEAK_JUDGE_CER, ranks as _ranks
from .errors import SynthkitError

#: Longest packed window (s); Whisper reads 30 s.
WINDOW_S = 28.0
#: Silence between packed sentences (s).
GAP_S = 0.6
#: A donor "disagrees" when its rank by measured CER and its rank differ by at least this
#: share of the donors checked (and by at least 2 places).
DISAGREE_SHARE = 0.3
#: A transcript that gzip-compresses more than this is a decoding loop ("ti ti ti ...", one sentence again
#: and again): Whisper's own test (its ``compression_ratio_threshold``).
LOOP_RATIO = 2.4
#: The multilingual ASR used by default (a bundle of :mod:`synthkit.models`).
ASR_BUNDLE = "whisper-base"


@dataclass(frozen=True)
class Sentence:
    line: int
    text: str  # normalized
    words: tuple[tuple[str, ...], ...]  # G2P segments per word


@dataclass(frozen=True)
class DonorCheck:
    """One donor voice's phonological score beside its measured round-trip CER."""

    voice: str
    rank: int  # rank among the donors ranked (1 = best; synthkit.donors.rank_donors)
    score: float  # phonological rank score (lower is better)
    cer: float | None  # character-weighted mean CER over the sample sentences; None when not measured
    cer_rank: int | None = None  # rank by CER among the donors checked (1 = lowest)
    windows: tuple[tuple[str, str, float], ...] = ()  # (reference, transcript, CER) per window
    note: str = ""  # why it was not measured

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = round(self.score, 6)
        d["cer"] = None if self.cer is None else round(self.cer, 4)
        d["windows"] = [{"reference": r, "transcript": h, "cer": round(c, 4)} for r, h, c in self.windows]
        return d


@dataclass
class Verification:
    language: str  # ISO 639-1 (or 639-3) code given to the ASR
    asr: str
    sentences: int
    checks: list[DonorCheck] = field(default_factory=list)
    verifiable: bool = True
    reason: str = ""  # why nothing could be verified

    @property
    def rho(self) -> float | None:
        """Spearman correlation between the rank (the ranking synthkit uses) and the measured CER over the
        donors checked."""
        pairs = [(c.rank, c.cer) for c in self.checks if c.cer is not None]
        return spearman([p[0] for p in pairs], [p[1] for p in pairs]) if len(pairs) >= 3 else None

    @property
    def judge_warning(self) -> str:
        """Non-empty when the ASR reads even the best donor poorly (:data:`WEAK_JUDGE_CER`)."""
        cers = [c.cer for c in self.checks if c.cer is not None]
        if not cers or min(cers) < WEAK_JUDGE_CER:
            return ""
        return (f"weak judge: the ASR reads none of these donors well (lowest CER {min(cers):.2f}); its round "
                f"trip says little about how {self.language} donors are heard, and the ranking is not checked")

    def to_dict(self) -> dict:
        return {"language": self.language, "asr": self.asr, "sentences": self.sentences,
                "verifiable": self.verifiable, "reason": self.reason, "judge_warning": self.judge_warning,
                "spearman": None if self.rho is None else round(self.rho, 4),
                "disagreements": disagreements(self.checks), "donors": [c.to_dict() for c in self.checks]}


# --- the ASR -------------------------------------------------------------------------------------

def load_asr(threads: int = 1):
    """Whisper base, multilingual, from the ``models`` extra (offline)."""
    from . import models
    from .quality.asr import FasterWhisper

    return FasterWhisper(str(models.folder(ASR_BUNDLE)), threads=threads)


def whisper_languages() -> frozenset[str]:
    """ISO 639-1 codes (and Whisper's own few others) that multilingual Whisper knows."""
    try:
        from faster_whisper.tokenizer import _LANGUAGE_CODES
    except ImportError:
        from .errors import missing_extra

        raise missing_extra("faster-whisper", "quality", "--verify") from None
    return frozenset(_LANGUAGE_CODES)


def asr_language(iso639_1: str | None, iso639_3: str) -> str | None:
    """The code to force the ASR's language with, or None when Whisper does not know the language."""
    known = whisper_languages()
    for code in (iso639_1, iso639_3):
        if code and code in known:
            return code
    return None


def asr_knows(iso639_1: str | None, iso639_3: str) -> bool:
    return asr_language(iso639_1, iso639_3) is not None


# --- sentences and rendering ----------------------------------------------------------------------

def sample_sentences(path: Path, choice, n: int) -> list[Sentence]:
    """``n`` usable sentences of a text, spread evenly over it (see module doc)."""
    from .text.g2p import make_g2p
    from .text.normalize import Rejected, normalize

    if n < 1:
        raise SynthkitError("--verify takes at least 1 sentence")
    g2p = make_g2p(choice.g2p)
    usable: list[Sentence] = []
    with open(path, encoding="utf-8-sig") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                text = normalize(line, choice.iso639_3, choice.iso639_1, choice.script)
                words = g2p.phonemize(text)
            except Rejected:
                continue
            if words:
                usable.append(Sentence(line_no, text, tuple(tuple(w) for w in words)))
    if not usable:
        raise SynthkitError(f"no usable sentence in {path} to verify with")
    if n >= len(usable):
        return usable
    picks = sorted({round(i * (len(usable) - 1) / max(1, n - 1)) for i in range(n)}) if n > 1 else [0]
    return [usable[i] for i in picks]


def donor_input(sentence: Sentence, mapper, to_mnemonic: dict[str, str], tonal: bool) -> str:
    """The espeak-ng phoneme input that renders ``sentence`` through a donor, as ``synthkit synth --donor``
    builds it with the default pitch (50); "" when nothing of it maps."""
    from .text import mapping

    words = [list(w) for w in sentence.words]
    mapped = mapping.map_sentence(words, mapper, to_mnemonic, 50, tonal)
    if not mapped.mnemonic_words:
        return ""
    punct = mapping.punctuation_after_words(sentence.text, len(words))
    return mapped.render_text(punct if punct else [""] * (len(mapped.mnemonic_words) - 1) + ["."])


def render_espeak(voice: str, text: str, sample_rate: int = DEFAULT_SAMPLE_RATE) -> np.ndarray:
    """espeak-ng phoneme input (:func:`donor_input`) spoken by ``voice`` with its default prosody and no
    variant, at ``sample_rate``."""
    from .tts import espeak_lib

    if not text:
        return np.zeros(0, np.float32)
    r = espeak_lib.synthesize(text, voice, phoneme_input=True)
    return resample(int16_to_float(r.samples), r.sample_rate, sample_rate)


def compression_ratio(text: str) -> float:
    import zlib

    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def pack(durations: Sequence[float], window_s: float = WINDOW_S, gap_s: float = GAP_S) -> list[list[int]]:
    """Indices of consecutive clips packed into windows of at most ``window_s`` (a longer clip is alone)."""
    windows: list[list[int]] = []
    used = 0.0
    for i, d in enumerate(durations):
        if windows and used + gap_s + d <= window_s:
            windows[-1].append(i)
            used += gap_s + d
        else:
            windows.append([i])
            used = d
    return windows


def round_trip(clips: Sequence[np.ndarray], texts: Sequence[str], asr, language: str,
               sample_rate: int = DEFAULT_SAMPLE_RATE) -> tuple[float | None, list[tuple[str, str, float]]]:
    """(character-weighted mean CER, per-window (reference, transcript, CER)) of clips read by ``asr``."""
    from .quality.asr import cer, normalize_text

    keep = [i for i, c in enumerate(clips) if c.size]
    gap = np.zeros(int(GAP_S * sample_rate), np.float32)
    windows = pack([clips[i].size / sample_rate for i in keep])
    out: list[tuple[str, str, float]] = []
    chars = errors = 0.0
    for w in windows:
        idx = [keep[j] for j in w]
        parts: list[np.ndarray] = []
        for k, i in enumerate(idx):
            parts += ([gap] if k else []) + [clips[i].astype(np.float32)]
        ref = " ".join(texts[i] for i in idx)
        hyp = asr.transcribe(np.concatenate(parts), sample_rate, language)
        if len(idx) > 1 and (not hyp.strip() or compression_ratio(hyp) > LOOP_RATIO):  # again, sentence by sentence
            hyp = " ".join(asr.transcribe(clips[i].astype(np.float32), sample_rate, language) for i in idx)
        c = cer(hyp, ref, language)
        n = len(normalize_text(ref, language))
        out.append((ref, hyp, c))
        chars += n
        errors += c * n
    missing = [texts[i] for i, c in enumerate(clips) if not c.size]  # nothing rendered: every character lost
    for ref in missing:
        n = len(normalize_text(ref, language))
        out.append((ref, "", 1.0))
        chars += n
        errors += n
    return (errors / chars if chars else None), out


# --- checking a ranking ---------------------------------------------------------------------------

def verify(choice, sentences: Sequence[Sentence], ranked: Sequence, top: int, asr=None,
           overrides_path: str | Path | None = None, tonal: bool = False,
           progress: Callable[[str], None] | None = None) -> Verification:
    """Render ``sentences`` through the ``top`` best of ``ranked`` (:class:`synthkit.donors.DonorScore`,
    best first) and measure the round-trip CER of each."""
    from .tts.espeak_phonemes import inventories

    language = asr_language(choice.iso639_1, choice.iso639_3)
    name = f"faster-whisper:{ASR_BUNDLE}"
    result = Verification(language or choice.iso639_3, name, len(sentences))
    if language is None:
        result.verifiable = False
        result.reason = (f"cannot verify: the ASR ({name}) does not know {choice.name} ({choice.iso639_3}); "
                         "the ranking is phonological only")
        return result
    asr = asr if asr is not None else load_asr()
    invs = inventories()
    checks: list[DonorCheck] = []
    for rank, s in enumerate(ranked[:top], start=1):
        inv = invs.get(s.voice)
        if progress:
            progress(s.voice)
        if inv is None:  # a neural donor: rendered as synth renders it
            mean, windows = measure_neural_donor(choice, s.voice, sentences, language, asr, overrides_path)
        else:
            mean, windows = measure_donor(inv, sentences, language, asr, overrides_path, tonal)
        checks.append(DonorCheck(s.voice, rank, s.score, mean, windows=tuple(windows)))
    measured = sorted((c for c in checks if c.cer is not None), key=lambda c: (c.cer, c.rank))
    cer_rank = {c.voice: i for i, c in enumerate(measured, start=1)}
    result.checks = [DonorCheck(c.voice, c.rank, c.score, c.cer, cer_rank.get(c.voice), c.windows, c.note)
                     for c in checks]
    return result


def measure_donor(inv, sentences: Sequence[Sentence], language: str, asr, overrides_path: str | Path | None = None,
                  tonal: bool = False) -> tuple[float | None, list[tuple[str, str, float]]]:
    """Round-trip CER of ``sentences`` rendered through the espeak-ng donor with inventory ``inv``."""
    from .donors import mapper_for

    mapper = mapper_for(inv, overrides_path)
    clips = [render_espeak(inv.voice, donor_input(sent, mapper, inv.ipa_to_mnemonic, tonal)) for sent in sentences]
    return round_trip(clips, [s.text for s in sentences], asr, language)


def render_with_synth(choice, voice: str, sentences: Sequence[Sentence], overrides_path: str | Path | None = None
                      ) -> list[np.ndarray]:
    """``sentences`` rendered through the donor ``voice`` of any backend (a neural one: ``kokoro``,
    ``piper:VOICE``) exactly as ``synthkit synth --donor VOICE --augment none`` renders them (one
    rendition each, the backend's own voice sampling); a sentence the donor cannot say gives an empty
    clip (it then counts as unheard)."""
    import tempfile

    from .audio import load
    from .augment import load_augment
    from .manifest import read_manifest
    from .synth import SynthConfig, prepare, run

    with tempfile.TemporaryDirectory(prefix="synthkit-verify-") as tmp:
        text = Path(tmp) / "sentences.txt"
        text.write_text("".join(s.text.replace("\n", " ") + "\n" for s in sentences), encoding="utf-8")
        out = Path(tmp) / "out"
        config = SynthConfig(language=choice.requested, text_path=text, out_dir=out, voices=1,
                             augment=load_augment("none"), g2p=choice.g2p, progress=False, donor=voice,
                             mapping=Path(overrides_path) if overrides_path else None)
        run(prepare(config))
        by_line = {int(r["line"]): load(out / r.audio_filepath)[0] for r in read_manifest(out / "manifest.jsonl")}
    return [by_line.get(i, np.zeros(0, np.float32)) for i in range(1, len(sentences) + 1)]


def measure_neural_donor(choice, voice: str, sentences: Sequence[Sentence], language: str, asr,
                         overrides_path: str | Path | None = None) -> tuple[float | None, list[tuple[str, str, float]]]:
    """Round-trip CER of ``sentences`` rendered through a donor voice that is not espeak-ng's."""
    clips = render_with_synth(choice, voice, sentences, overrides_path)
    return round_trip(clips, [s.text for s in sentences], asr, language)


def acoustic_matrix(targets: dict, donors: Sequence[str], n: int, overrides_path: str | Path | None = None,
                    asr=None, progress: Callable[[str], None] | None = None
                    ) -> tuple[list[list[float | None]], list[str]]:
    """Measured round-trip CER for ``targets`` (code -> (LanguageChoice, text path, tonal)) x ``donors``
    (espeak-ng voices rendered directly, neural ones as ``synth --donor`` renders them), ``n`` sentences
    each: (rows in target order, one line per target not measured)."""
    from .tts.espeak_phonemes import inventories

    invs = inventories()
    rows: list[list[float | None]] = []
    skipped: list[str] = []
    for code, (choice, path, tonal) in targets.items():
        language = asr_language(choice.iso639_1, choice.iso639_3)
        if language is None:
            rows.append([None] * len(donors))
            skipped.append(f"{code}: cannot verify, the ASR (Whisper base) does not know {choice.name}")
            continue
        asr = asr if asr is not None else load_asr()
        sentences = sample_sentences(path, choice, n)
        row: list[float | None] = []
        for voice in donors:
            if progress:
                progress(f"verifying {code} through {voice} ...")
            if voice not in invs:  # a neural donor: rendered as synth renders it
                row.append(measure_neural_donor(choice, voice, sentences, language, asr, overrides_path)[0])
            else:
                row.append(measure_donor(invs[voice], sentences, language, asr, overrides_path, tonal)[0])
        rows.append(row)
    return rows, skipped


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation (ties get their mean rank); nan when either side is constant."""
    rx, ry = np.asarray(_ranks(x)), np.asarray(_ranks(y))
    rx, ry = rx - rx.mean(), ry - ry.mean()
    den = math.sqrt(float(np.sum(rx * rx) * np.sum(ry * ry)))
    return float(np.sum(rx * ry) / den) if den else float("nan")


def cer_reliability(windows: Sequence[Sequence[tuple[str, float]]], min_donors: int = 20) -> tuple[float, int] | None:
    """How reproducible a measured CER ranking of donors is, from each donor's ``(window key, CER)`` per
    transcribed window (the key names the window's sentences, e.g. a hash of its reference text).

    The donors whose sentences were packed into the same windows (the most common packing, so that a
    window's CER is over the same sentences for each of them) are ranked by each window's CER; the mean
    Spearman between windows is stepped up to the whole sentence set (Spearman-Brown). Returns that
    reliability and the number of donors it rests on, or None with one window or fewer than
    ``min_donors`` such donors. Its square root bounds the correlation any ranking can reach with the
    measured CER: the rest is the sampling noise of the sentences."""
    from collections import Counter

    packs = Counter(tuple(k for k, _ in w) for w in windows)
    if not packs:
        return None
    pack, n = packs.most_common(1)[0]
    m = len(pack)
    if m < 2 or n < min_donors:
        return None
    table = [[c for _, c in w] for w in windows if tuple(k for k, _ in w) == pack]
    pairs = [spearman([t[i] for t in table], [t[j] for t in table]) for i in range(m) for j in range(i + 1, m)]
    pairs = [p for p in pairs if not math.isnan(p)]
    if not pairs:
        return None
    r = sum(pairs) / len(pairs)
    return (m * r / (1 + (m - 1) * r) if r > 0 else 0.0), n


def disagreements(checks: Sequence[DonorCheck]) -> list[str]:
    """Donors whose measured CER rank is far from their rank (see :data:`DISAGREE_SHARE`)."""
    measured = sorted((c for c in checks if c.cer is not None), key=lambda c: c.rank)
    n = len(measured)
    out = []
    for rank, c in enumerate(measured, start=1):
        gap = (c.cer_rank or rank) - rank
        if abs(gap) >= max(2, math.ceil(DISAGREE_SHARE * n)):
            better = "better" if gap < 0 else "worse"
            out.append(f"{c.voice}: rank {rank} of {n}, heard {better} (CER rank {c.cer_rank}, "
                       f"CER {c.cer:.3f})")
    return out


def format_verification(v: Verification) -> str:
    if not v.verifiable:
        return v.reason
    lines = [f"round trip: {v.sentences} sentences per donor, {v.asr}, language forced to {v.language}",
             f"{'rank':>4}  {'voice':<16} {'score':>7} {'CER':>7} {'CER rank':>8}"]
    for c in v.checks:
        cer_s = f"{c.cer:7.3f}" if c.cer is not None else "      –"
        lines.append(f"{c.rank:>4}  {c.voice:<16} {c.score:7.4f} {cer_s} {c.cer_rank or '–':>8}"
                     + (f"  ({c.note})" if c.note else ""))
    rho = v.rho
    lines.append(f"Spearman (rank vs CER) over {sum(c.cer is not None for c in v.checks)} donors: "
                 + ("–" if rho is None or math.isnan(rho) else f"{rho:.2f}"))
    dis = disagreements(v.checks)
    lines.append("disagreements: " + ("; ".join(dis) if dis else "none (CER ranks within "
                                      f"{DISAGREE_SHARE:.0%} of the ranks)"))
    if v.judge_warning:
        lines.append(v.judge_warning)
    return "\n".join(lines)
