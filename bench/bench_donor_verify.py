"""Does the donor ranking predict what listeners (an ASR) hear? Spearman between synthkit's donor score and
the measured round-trip CER.

    nice -n 10 .venv/bin/python bench/bench_donor_verify.py [--targets sw,yor-Latn,hau-Latn] [--donors 24]
        [--sentences 10] [--cache /tmp/donors/verify-cache.json]

For each target language (the ASR, Whisper base, knows all of them; texts from the repository:
`recipes/swahili/text.txt`, `tests/data/{yor,hau,tr,hi,spa,ita,por}.txt`), its own language's voices are
excluded (`--exclude`: the unseen-language case; Yoruba and Hausa have no espeak-ng voice anyway) and
every other non-constructed espeak-ng voice is ranked (the neural donors, which `synthkit donors` also
ranks, are not rendered by the round trip and are left out here). `--donors` donors are taken evenly
spaced along the ranking (first, last and evenly between), so the check covers the ranking as a whole; each renders
`--sentences` sentences spread over the text (`synthkit.donor_verify.sample_sentences`) exactly as
`synthkit donors --verify` does, and the round-trip CER is measured. Reported per target: Spearman between
score and CER over those donors, and over the 12 best-ranked of them (finer: the top of the ranking).
Target: Spearman >= 0.7 over >= 20 donors for each of >= 3 target languages.

CER results are cached by the exact espeak-ng input (donor voice and phoneme text), so a re-run after a
change of mapping measures only what changed. Machine load matters only for the time it takes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, machine, update_section  # noqa: E402

TEXTS = {"sw": ROOT / "recipes/swahili/text.txt", "yor-Latn": ROOT / "tests/data/yor.txt",
         "hau-Latn": ROOT / "tests/data/hau.txt", "tr": ROOT / "tests/data/tr.txt", "hi": ROOT / "tests/data/hi.txt",
         "es": ROOT / "tests/data/spa.txt", "it": ROOT / "tests/data/ita.txt", "pt": ROOT / "tests/data/por.txt"}
TARGET_RHO = 0.7
CACHE_VERSION = "2"  # 2: windows that loop are transcribed again sentence by sentence


def spread(n_total: int, k: int) -> list[int]:
    if k >= n_total:
        return list(range(n_total))
    return sorted({round(i * (n_total - 1) / (k - 1)) for i in range(k)})


def measure(targets: list[str], n_donors: int, n_sentences: int, cache_path: Path, log=print) -> dict:
    from synthkit import donor_verify as dv
    from synthkit.donors import excluded_voices, mapper_for, rank_donors
    from synthkit.languages import resolve
    from synthkit.text.g2p import make_g2p
    from synthkit.text.inventory import measure_file
    from synthkit.tts import backends
    from synthkit.tts.espeak_phonemes import inventories

    cache = json.loads(cache_path.read_text()) if cache_path.is_file() else {}
    asr = None
    invs = inventories()
    out: dict = {}
    for code in targets:
        path = TEXTS[code]
        choice = resolve(code)
        language = dv.asr_language(choice.iso639_1, choice.iso639_3)
        if language is None:
            out[code] = {"error": f"the ASR does not know {choice.name}"}
            continue
        target = measure_file(path, make_g2p(choice.g2p), choice.iso639_3, choice.iso639_1, choice.script)
        excluded = excluded_voices([choice.iso639_3]) if choice.voice else {}
        espeak = [i for i in backends.get("espeak").donor_candidates() if i.voice not in excluded]
        ranked = rank_donors(target, voices=[], extra=espeak)  # espeak-ng voices: the ones rendered here
        picks = [ranked[i] for i in spread(len(ranked), n_donors)]
        sentences = dv.sample_sentences(path, choice, n_sentences)
        rows = []
        for s in picks:
            inv = invs[s.voice]
            mapper = mapper_for(inv)
            inputs = [dv.donor_input(sent, mapper, inv.ipa_to_mnemonic, target.tonal) for sent in sentences]
            key = hashlib.sha1("\n".join([CACHE_VERSION, s.voice, language, *inputs]).encode()).hexdigest()
            stale = (key in cache and not cache[key].get("empty_retry")
                     and any(not w[1].strip() for w in cache[key]["windows"]))  # measured before empty retries
            if key not in cache or stale:
                if asr is None:
                    asr = dv.load_asr()
                t0 = time.perf_counter()
                clips = [dv.render_espeak(inv.voice, text) for text in inputs]
                mean, windows = dv.round_trip(clips, [x.text for x in sentences], asr, language)
                cache[key] = {"cer": mean, "windows": windows, "seconds": time.perf_counter() - t0,
                              "empty_retry": True}
                tmp = cache_path.with_suffix(".tmp")
                tmp.write_text(json.dumps(cache, ensure_ascii=False))
                os.replace(tmp, cache_path)
                log(f"{code} {s.voice}: CER {mean:.3f} ({cache[key]['seconds']:.0f} s)")
            rows.append({"voice": s.voice, "rank": ranked.index(s) + 1, "score": s.score, "cer": cache[key]["cer"]})
        rho = dv.spearman([r["score"] for r in rows], [r["cer"] for r in rows])
        best = sorted(rows, key=lambda r: r["rank"])[:12]
        rho_top = dv.spearman([r["score"] for r in best], [r["cer"] for r in best])
        out[code] = {"name": choice.name, "asr_language": language, "excluded": sorted(excluded),
                     "ranked": len(ranked), "sentences": len(sentences), "donors": rows, "spearman": rho,
                     "spearman_top12": rho_top}
    return out


def report(results: dict, n_sentences: int) -> str:
    lines = [
        "## donor ranking checked by ear (`bench/bench_donor_verify.py`)",
        "",
        f"{machine()}. Round trip as `synthkit donors --verify`: each donor renders {n_sentences} sentences of the "
        "target text (phoneme-mapped, default prosody), Whisper base (multilingual, CTranslate2 int8, beam 5) "
        "transcribes them with the language forced to the target, CER against the text. Donors: every "
        "non-constructed espeak-ng voice except the target's own language (`--exclude`), ranked by synthkit's "
        "score; the ones checked are evenly spaced along that ranking. Spearman is between the score (lower = "
        "better) and the CER (lower = better): +1 = the ranking orders donors exactly as they are heard.",
        "",
        "| target | text | donors ranked / checked | Spearman (all checked) | Spearman (12 best-ranked) | "
        "CER of best-ranked donor | lowest CER (donor) | target ≥ 0.7 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    met = 0
    for code, r in results.items():
        if "error" in r:
            lines.append(f"| {code} | – | – | – | – | – | – | {r['error']} |")
            continue
        rows = r["donors"]
        first = min(rows, key=lambda x: x["rank"])
        low = min(rows, key=lambda x: x["cer"])
        ok = r["spearman"] >= TARGET_RHO and len(rows) >= 20
        met += ok
        rel = TEXTS[code].relative_to(ROOT)
        lines.append(f"| {r['name']} ({code}) | `{rel}` | {r['ranked']} / {len(rows)} | **{r['spearman']:.2f}** | "
                     f"{r['spearman_top12']:.2f} | {first['cer']:.3f} ({first['voice']}) | {low['cer']:.3f} "
                     f"({low['voice']}, rank {low['rank']}) | {'met' if ok else 'NOT met'} |")
    lines += ["", f"Target (Spearman ≥ {TARGET_RHO} over ≥ 20 donors for each of ≥ 3 languages the ASR knows): "
              f"{'met' if met >= 3 else 'NOT met'} ({met} of {len(results)} targets)."]
    for code, r in results.items():
        if "error" in r:
            continue
        cells = ", ".join(f"{x['voice']} {x['score']:.4f}/{x['cer']:.2f}" for x in sorted(r["donors"], key=lambda x: x["rank"]))
        lines.append(f"\n{code} (score/CER, by rank): {cells}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--targets", default="sw,yor-Latn,hau-Latn")
    ap.add_argument("--donors", type=int, default=24)
    ap.add_argument("--sentences", type=int, default=10)
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "donors" / "verify-cache.json")
    ap.add_argument("--no-write", action="store_true", help="print, do not update BENCHMARKS.md")
    ap.add_argument("--note", default="", help="a paragraph added to the section (machine load, scope)")
    args = ap.parse_args()
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    results = measure([t.strip() for t in args.targets.split(",") if t.strip()], args.donors, args.sentences,
                      args.cache, log=lambda m: print(m, file=sys.stderr, flush=True))
    (args.cache.parent / "verify-results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    body = report(results, args.sentences)
    if args.note:
        body += "\n\n" + args.note
    if not args.no_write:
        update_section("donor_verify", body)
    print(body)
    if any(isinstance(r, dict) and r.get("spearman") is not None and math.isnan(r["spearman"]) for r in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
