"""Intelligibility, naturalness and speed of every renderer, side by side in one run.

    nice -n 10 .venv/bin/python bench/bench_renderers.py [--sentences 20] [--extra]

On sentences written for this benchmark (below; not the test data), each renderer makes one rendition
per sentence with ``synthkit synth --workers 2 --augment none`` (its own sampled voice/prosody), and
every clip is scored with real weights:

* intelligibility — Whisper base (multilingual, ``synthkit.models``), language forced to the text's
  language, CER against the sentence (``synthkit.quality.asr.cer``, normalized per language);
* naturalness — DNSMOS P.835 OVRL (``synthkit.quality.mos.Dnsmos``);
* speed — real-time factor of the whole command on 2 worker processes (wall seconds per second of
  audio made, including start-up and model loading in each worker), and its ratio to espeak-ng's.

English: espeak-ng ``en-us``, Piper ``en_US-joe-medium``, Kokoro (one run with its five styles as
speakers, each sentence one style; reported overall and per style). Swahili: espeak-ng's own ``sw``;
through donors: espeak-ng's best-ranked non-Swahili voices (``synthkit donors`` on the same text),
Kokoro ``jm_kumo``, Piper; with ``--extra`` also Kokoro's five styles as donors and Kokoro reading
Swahili IPA directly (``--backend kokoro``: symbols written in its notation, no feature mapping).
Writes its section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, python_env, run_measured, synthkit_cmd, update_section  # noqa: E402

ENGLISH = """The library opens at nine in the morning.
My sister planted tomatoes beside the fence.
We waited for the bus in the cold rain.
He forgot his keys on the kitchen table.
The children laughed at the clever puppy.
Please close the window before you leave.
A small boat drifted slowly across the lake.
She painted the old chair bright yellow.
Our teacher told us a story about the sea.
The bakery sells fresh bread every day.
I would like a cup of tea with milk.
The train to the city was late again.
They built a bridge over the narrow river.
The farmer counted his sheep at sunset.
Turn left at the second traffic light.
The museum has a new exhibit on ancient coins.
Rain is expected later this afternoon.
He plays the guitar in a local band.
The market was crowded on Saturday.
We cooked rice and beans for dinner.
The mountain road was steep and narrow.
Her brother works at the hospital downtown.
The phone rang twice and then stopped.
A gentle wind moved through the tall grass.
The doctor asked him to rest for a week.""".splitlines()

SWAHILI = """Mama anapika chakula jikoni.
Watoto wanaogelea mtoni.
Leo hali ya hewa ni nzuri sana.
Ninapenda kunywa chai asubuhi.
Baba yangu anafanya kazi shambani.
Soko limejaa watu siku ya Jumamosi.
Tafadhali funga mlango unapotoka.
Mwalimu anafundisha hisabati darasani.
Tutasafiri kwenda Mombasa kesho.
Mvua kubwa ilinyesha usiku wote.
Dada yangu anasoma kitabu kipya.
Ndege wanaimba juu ya mti.
Samaki hawa wamevuliwa ziwani.
Gari letu limeharibika njiani.
Wanafunzi wanaandika barua kwa rafiki zao.
Daktari alimpa mgonjwa dawa.
Tunakula wali na maharagwe leo.
Mji huu una barabara nyingi nzuri.
Kaka yangu anapenda kucheza gitaa.
Jua linachomoza mapema asubuhi.
Mkulima anapanda mahindi shambani.
Tafadhali nisaidie kubeba mzigo huu.
Nyumba yao iko karibu na bahari.
Simba ni mnyama mwenye nguvu sana.
Habari za jioni, karibu nyumbani.""".splitlines()

ESPEAK_DONORS = 2  # best-ranked non-Swahili espeak-ng voices


def espeak_donors(text: Path, n: int) -> list[str]:
    """espeak-ng's best-ranked voices for the Swahili text, Swahili's own excluded."""
    from synthkit.donors import rank_donors
    from synthkit.languages import resolve
    from synthkit.text.g2p import make_g2p
    from synthkit.text.inventory import measure_file
    from synthkit.tts import backends

    choice = resolve("sw")
    target = measure_file(text, make_g2p(choice.g2p), choice.iso639_3, choice.iso639_1, choice.script)
    ranked = rank_donors(target, voices=[], extra=backends.get("espeak").donor_candidates())
    own = backends.donor_inventory("sw").voice
    return [s.voice for s in ranked if s.voice != own][:n]


def score(out: Path, language: str, asr, mos) -> list[tuple[str, float, float]]:
    """(voice, CER, DNSMOS OVRL) per clip."""
    from synthkit.audio import load
    from synthkit.manifest import read_manifest
    from synthkit.quality.asr import cer

    out_rows = []
    for r in read_manifest(out / "manifest.jsonl"):
        x, sr = load(r.audio_path(out), 16000)
        out_rows.append((str(r.get("voice")), cer(asr.transcribe(x, sr, language), r.text, language),
                         mos.predict(x, sr)["dnsmos_ovrl"]))
    return out_rows


def summarize(clips: list[tuple[str, float, float]]) -> dict:
    cers, ovrl = [c for _, c, _ in clips], [o for *_, o in clips]
    return {"cer_mean": statistics.mean(cers), "cer_median": statistics.median(cers), "ovrl": statistics.mean(ovrl),
            "clips": len(cers)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=20)
    ap.add_argument("--extra", action="store_true", help="also Kokoro's 5 styles as Swahili donors, and Kokoro "
                    "reading Swahili IPA without mapping")
    args = ap.parse_args()
    from synthkit import models
    from synthkit.quality.asr import FasterWhisper
    from synthkit.quality.mos import Dnsmos
    load_before = os.getloadavg()
    t_start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        en, sw = tmp / "en.txt", tmp / "sw.txt"
        en.write_text("\n".join(ENGLISH[: args.sentences]) + "\n", encoding="utf-8")
        sw.write_text("\n".join(SWAHILI[: args.sentences]) + "\n", encoding="utf-8")
        donors = espeak_donors(sw, ESPEAK_DONORS)
        sides = [("English", "en", "espeak-ng en-us", ["--lang", "en-us", "--text", str(en)]),
                 ("English", "en", "Piper en_US-joe-medium", ["--lang", "en-us", "--text", str(en), "--backend",
                                                             "piper:en_US-joe-medium"])]
        sides += [("English", "en", "Kokoro, 5 styles", ["--lang", "en-us", "--text", str(en), "--backend", "kokoro"])]
        sides += [("Swahili", "sw", "espeak-ng sw (own voice)", ["--lang", "sw", "--text", str(sw)])]
        sides += [("Swahili", "sw", f"donor espeak-ng {d} (rank {i + 1})", ["--lang", "sw", "--text", str(sw),
                                                                          "--donor", d])
                  for i, d in enumerate(donors)]
        sides += [("Swahili", "sw", "donor Kokoro jm_kumo", ["--lang", "sw", "--text", str(sw), "--donor",
                                                              "kokoro:jm_kumo"]),
                  ("Swahili", "sw", "donor Piper en_US-joe-medium", ["--lang", "sw", "--text", str(sw), "--donor",
                                                                     "piper:en_US-joe-medium"])]
        if args.extra:
            sides += [("Swahili", "sw", "donor Kokoro, 5 styles", ["--lang", "sw", "--text", str(sw), "--donor",
                                                                    "kokoro"]),
                      ("Swahili", "sw", "Kokoro jm_kumo reading sw IPA (no mapping)",
                       ["--lang", "sw", "--text", str(sw), "--backend", "kokoro:jm_kumo"])]
        env = python_env()
        made = []
        for i, (language, code, name, a) in enumerate(sides):
            out = tmp / f"out{i}"
            wall, peak, res = run_measured(synthkit_cmd("synth", *a, "--out", str(out), "--workers", "2",
                                                        "--augment", "none", "--quiet", "--json"), env=env)
            if res.returncode != 0:
                raise SystemExit(f"{name}: {res.stderr}")
            summary = json.loads(res.stdout)
            made.append((language, code, name, out, wall, summary["total_audio_s"], peak))
            print(f"{name}: {summary['clips']} clips, {wall:.1f} s wall", file=sys.stderr)
        asr = FasterWhisper(str(models.folder("whisper-base")), threads=2)
        mos = Dnsmos()
        results = []
        per_style = []
        for language, code, name, out, wall, audio, peak in made:
            clips = score(out, code, asr, mos)
            s = summarize(clips)
            results.append((language, name, s, wall / audio, audio, peak))
            print(f"{name}: {s}", file=sys.stderr)
            if name.startswith("Kokoro, 5 styles"):
                for style in sorted({v for v, *_ in clips}):
                    per_style.append((style, summarize([c for c in clips if c[0] == style])))
    load_after = os.getloadavg()
    base = {lang: next(rtf for lg, n, _, rtf, _, _ in results if lg == lang and n.startswith("espeak-ng"))
            for lang in ("English", "Swahili")}
    rows = ["| text | renderer | clips | Whisper-base CER, mean | median | DNSMOS OVRL | RTF, 2 workers | "
            "RTF / espeak-ng's | peak memory |", "|---|---|---|---|---|---|---|---|---|"]
    for language, name, s, rtf, audio, peak in results:
        rows.append(f"| {language} | {name} | {s['clips']} | **{s['cer_mean']:.3f}** | {s['cer_median']:.3f} | "
                    f"{s['ovrl']:.2f} | {rtf:.3f} | {rtf / base[language]:.1f}x | {peak:.0f} MiB |")
    sw_own = next(s["cer_mean"] for lg, n, s, *_ in results if n.startswith("espeak-ng sw"))
    neural = [(n, s["cer_mean"]) for lg, n, s, *_ in results if lg == "Swahili" and n.startswith("donor") and
              ("Kokoro" in n or "Piper" in n)]
    best = min(neural, key=lambda x: x[1])
    styles = ["| Kokoro style (English) | clips | CER, mean | median | DNSMOS OVRL |", "|---|---|---|---|---|"]
    styles += [f"| {st} | {s['clips']} | {s['cer_mean']:.3f} | {s['cer_median']:.3f} | {s['ovrl']:.2f} |"
               for st, s in per_style]
    verdict = (f"Target (a neural donor renders Swahili more intelligibly than espeak-ng's own Swahili voice): "
               f"{'met' if best[1] < sw_own else 'NOT met'} — the best neural donor ({best[0]}) at CER {best[1]:.3f} vs "
               f"espeak-ng sw at {sw_own:.3f}.")
    body = "\n".join([
        "## renderers side by side: intelligibility, naturalness, speed (`bench/bench_renderers.py`)",
        "",
        f"{args.sentences} English and {args.sentences} Swahili sentences written for the benchmark (in the script), "
        f"one rendition each (the renderer's own sampled voice and prosody), no augmentation; {machine()}; load "
        f"average {load_before[0]:.1f} at the start, {load_after[0]:.1f} at the end (other agents share the 2 "
        f"cores), {time.time() - t_start:.0f} s in all. CER: Whisper base (multilingual, real weights), "
        "language forced to the text's, against the sentence, normalized per language. OVRL: DNSMOS P.835 "
        "(1-5, higher is better). RTF: wall seconds of `synthkit synth --workers 2 --augment none` (start-up, "
        "model loading in both workers, G2P, writing WAVs) per second of audio made; the ratio to espeak-ng's "
        "in the same language is what to read on a loaded machine, and even it moves with the load (the runs are "
        "sequential, minutes apart). Donors are rendered from Swahili IPA mapped "
        "onto the donor's inventory by articulatory features (`--donor`); espeak-ng donors are the best-ranked "
        f"non-Swahili voices of `synthkit donors` for this text ({', '.join(donors)}).",
        "",
        *rows,
        "",
        "The Kokoro English run split by style (each sentence was rendered by one style drawn for it):",
        "",
        *styles,
        "",
        verdict,
    ])
    update_section("renderers", body)
    print(body)


if __name__ == "__main__":
    main()
