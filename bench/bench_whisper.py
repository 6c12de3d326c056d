"""Whisper base on real speech: CER per language and language identification, clip-length vs 30-s context.

    .venv/bin/python bench/bench_whisper.py [--fleurs 10] [--yoruba 40] [--lid-per-language 0]

Data: ../shared/data/speech/multilingual (real read speech, 15 languages). CER on the rows with text:
the first ``--fleurs`` FLEURS clips of each of de, en, es, fr, pt (10 each in the data) and ``--yoruba``
Yoruba clips (evenly spread over the 244); language identification on every clip (or at most ``--lid-per-language`` per language). Each clip
runs through :class:`synthkit.quality.whisper.WhisperEngine` twice, with ``context="clip"`` (synthkit's
default) and ``context="30s"`` (Whisper's own padding, = faster-whisper's output), one thread, so the
difference between the two is measured on the same clips in one run. Tiny.en (English rows of the
default ``auto`` ASR) is measured on the English FLEURS clips too. CPU seconds are process CPU time
(steadier than wall time on a machine other jobs share). Results go into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import ROOT, machine, update_section  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "speech" / "multilingual"


def load_rows() -> list[dict]:
    with open(DATA / "metadata.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="|"))


def audio(uid: str) -> np.ndarray:
    import soundfile as sf

    x, sr = sf.read(str(DATA / f"{uid}.flac"), dtype="float32")
    assert sr == 16000 and x.ndim == 1
    return x


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fleurs", type=int, default=10, help="FLEURS clips with text per language (of 10)")
    ap.add_argument("--yoruba", type=int, default=40, help="Yoruba clips with text for CER (of 244)")
    ap.add_argument("--lid-per-language", type=int, default=0, help="at most this many clips per language (0: all)")
    args = ap.parse_args()
    from synthkit.quality import whisper_languages as wl
    from synthkit.quality.asr import cer
    from synthkit.quality.whisper import Request, WhisperEngine, resolve_model

    rows = load_rows()
    per_lang: dict[str, int] = defaultdict(int)
    fleurs = []
    for r in rows:
        if r["source"] == "cuttledoc-fleurs" and per_lang[r["language"]] < args.fleurs:
            per_lang[r["language"]] += 1
            fleurs.append(r)
    yo = [r for r in rows if r["language"] == "yo" and r["text"]]
    yo = yo[:: max(1, len(yo) // max(1, args.yoruba))][: args.yoruba]
    text_rows = fleurs + yo
    by_lang: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_lang[r["language"]].append(r)
    lid_rows = [r for lang in sorted(by_lang) for r in (by_lang[lang][: args.lid_per_language]
                                                           if args.lid_per_language else by_lang[lang])]
    with_text = {r["id"] for r in text_rows}
    load_before = os.getloadavg()[0]
    results: dict[str, dict] = {}
    cpu: dict[str, tuple[float, float]] = {}
    for context in ("clip", "30s"):
        eng = WhisperEngine(resolve_model("base"), threads=1, context=context, name="base")
        todo = lid_rows + [r for r in text_rows if r["id"] not in {q["id"] for q in lid_rows}]
        ids = [r["id"] for r in todo]
        out, secs, spent = [], 0.0, 0.0
        for b in range(0, len(todo), 8):
            reqs = [Request(audio(r["id"]), wl.whisper_code(r["language"]) if r["id"] in with_text else None,
                            transcribe=r["id"] in with_text, lid=True) for r in todo[b:b + 8]]
            secs += sum(len(q.audio) for q in reqs) / 16000
            t0 = time.process_time()
            out += eng.run(reqs)
            spent += time.process_time() - t0
        cpu[context] = (spent, secs)
        results[context] = dict(zip(ids, out))
        print(f"base, {context}: {len(todo)} clips, {secs:.0f} s of audio, {cpu[context][0]:.0f} CPU s", flush=True)
    tiny = WhisperEngine(resolve_model("tiny.en"), threads=1, context="clip", name="tiny.en")
    en = [r for r in fleurs if r["language"] == "en"]
    tiny_out = dict(zip([r["id"] for r in en], tiny.run([Request(audio(r["id"]), "en") for r in en])))
    load_after = os.getloadavg()[0]

    # CER per language
    lines = ["| language | clips | audio | CER, clip context | CER, 30-s context | clips whose CER differs by > 0.02 |",
             "|---|---|---|---|---|---|"]
    langs = sorted({r["language"] for r in text_rows})
    for lang in langs:
        rs = [r for r in text_rows if r["language"] == lang]
        c = [cer(results["clip"][r["id"]].text or "", r["text"], lang) for r in rs]
        f = [cer(results["30s"][r["id"]].text or "", r["text"], lang) for r in rs]
        dur = sum(len(audio(r["id"])) for r in rs) / 16000
        differ = sum(abs(a - b) > 0.02 for a, b in zip(c, f))
        lines.append(f"| {wl.name(wl.whisper_code(lang))} ({lang}) | {len(rs)} | {dur:.0f} s | **{np.mean(c):.3f}** "
                     f"(median {np.median(c):.3f}) | {np.mean(f):.3f} (median {np.median(f):.3f}) | {differ} |")
    t_en = [cer(tiny_out[r["id"]].text or "", r["text"], "en") for r in en]
    lines.append(f"| English with tiny.en (the default for English rows) | {len(en)} | – | **{np.mean(t_en):.3f}** "
                 f"(median {np.median(t_en):.3f}) | – | – |")
    # LID per language
    lid_lines = ["| language | clips | right (clip context) | right (30-s context) | mean probability of the "
                 "right language (clip / 30 s) | wrong answers (clip context) |", "|---|---|---|---|---|---|"]
    tot = {"clip": 0, "30s": 0}
    for lang in sorted(by_lang):
        rs = [r for r in lid_rows if r["language"] == lang]
        if not rs:
            continue
        want = wl.whisper_code(lang)
        ok, prob, wrong = {}, {}, defaultdict(int)
        for context in ("clip", "30s"):
            top = [results[context][r["id"]].lid for r in rs]
            ok[context] = sum(t[0][0] == want for t in top)
            prob[context] = np.mean([dict(t)[want] for t in top])
            tot[context] += ok[context]
            if context == "clip":
                for t in top:
                    if t[0][0] != want:
                        wrong[t[0][0]] += 1
        wrong_s = ", ".join(f"{wl.iso3(c)} ×{k}" for c, k in sorted(wrong.items(), key=lambda kv: -kv[1])) or "–"
        lid_lines.append(f"| {wl.name(want)} ({lang}) | {len(rs)} | {ok['clip']} ({ok['clip'] / len(rs):.0%}) | "
                         f"{ok['30s']} ({ok['30s'] / len(rs):.0%}) | {prob['clip']:.2f} / {prob['30s']:.2f} | "
                         f"{wrong_s} |")
    n = len(lid_rows)
    lid_lines.append(f"| **all** | {n} | **{tot['clip']} ({tot['clip'] / n:.1%})** | {tot['30s']} "
                     f"({tot['30s'] / n:.1%}) | | |")
    speed = {c: s / t for c, (t, s) in cpu.items()}
    body = "\n".join([
        "## Whisper base on real speech: CER and language identification (`bench/bench_whisper.py`)",
        "",
        f"Real read speech from `../shared/data/speech/multilingual`; {machine()}, one thread; 1-min load average "
        f"{load_before:.1f} at the start, {load_after:.1f} at the end. Every clip ran through synthkit's Whisper "
        "engine twice in one run: with clip-length context (synthkit's default: each window padded to its length "
        "+ 1 s, decoding loops redone with 30 s) and with 30-s context (Whisper's own padding; token for token "
        "faster-whisper's `transcribe` output). Beam search, 5 beams, the row's language forced for CER; "
        "language identification on the first window (the same encoder pass). CER after synthkit's "
        "normalization (`synthkit/quality/asr.py`), per clip, averaged.",
        "",
        f"**CER** (rows with text: the first {args.fleurs} FLEURS clips per language, and Yoruba evenly spread "
        "over the 244 clips):",
        "",
        *lines,
        "",
        f"**Language identification** (the language Whisper base hears most likely, against the row's label), "
        f"{n} clips in {len(by_lang)} languages:",
        "",
        *lid_lines,
        "",
        f"Cost, process CPU time for transcription and LID of all clips above: clip context "
        f"{cpu['clip'][0]:.0f} CPU s ({speed['clip']:.1f} audio s per CPU s), 30-s context {cpu['30s'][0]:.0f} CPU s "
        f"({speed['30s']:.1f} audio s per CPU s): clip context is {speed['clip'] / speed['30s']:.1f}x cheaper on "
        "these clips (mean length "
        f"{cpu['clip'][1] / len(results['clip']):.1f} s; the shorter "
        "the clips, the larger the gain).",
    ])
    update_section("whisper", body)
    print(body)


if __name__ == "__main__":
    main()
