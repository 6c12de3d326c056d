"""Does the donor ranking predict what listeners (an ASR) hear? Spearman between synthkit's donor score and
the measured round-trip CER.

    nice -n 10 .venv/bin/python bench/bench_donor_verify.py [--targets sw,yor-Latn,hau-Latn] [--donors 24]
        [--sentences 24[,TARGET=N,...]] [--neural] [--cache /tmp/donors/verify-cache.json] [--shard K/N]

For each target language (the ASR, Whisper base, knows all of them; texts from the repository:
`recipes/swahili/text.txt`, `tests/data/{yor,hau,tr,hi,spa,ita,por,cat,ces,ind,nld}.txt`), its own language's voices are
excluded (`--exclude`: the unseen-language case; Yoruba and Hausa have no espeak-ng voice anyway) and
every other non-constructed espeak-ng voice is ranked (the neural donors, which `synthkit donors` also
ranks, are not rendered by the round trip and are left out here). `--donors` donors are taken evenly
spaced along the ranking (first, last and evenly between), so the check covers the ranking as a whole; each renders
`--sentences` sentences spread over the text (`synthkit.donor_verify.sample_sentences`) exactly as
`synthkit donors --verify` does, and the round-trip CER is measured. Reported per target: Spearman between
score and CER over those donors, and over the 12 best-ranked of them (finer: the top of the ranking).
Target: Spearman >= 0.7 over >= 20 donors for each of >= 3 target languages.

CER results are cached by the exact espeak-ng input (donor voice and phoneme text), so a re-run after a
change of mapping measures only what changed. Machine load matters only for the time it takes. To use
N cores on one language, run N processes with ``--shard 0/N`` ... ``N-1/N`` and their own ``--cache``,
merge the caches (a JSON object each: their union), then run once unsharded on the merged cache.
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
         "es": ROOT / "tests/data/spa.txt", "it": ROOT / "tests/data/ita.txt", "pt": ROOT / "tests/data/por.txt",
         "ca": ROOT / "tests/data/cat.txt", "cs": ROOT / "tests/data/ces.txt", "id": ROOT / "tests/data/ind.txt",
         "nl": ROOT / "tests/data/nld.txt", "de": ROOT / "tests/data/deu.txt", "fr": ROOT / "tests/data/fra.txt",
         "pl": ROOT / "tests/data/pol.txt", "ru": ROOT / "tests/data/rus.txt", "ro": ROOT / "tests/data/ron.txt"}
TARGET_RHO = 0.7
CACHE_VERSION = "2"  # 2: windows that loop are transcribed again sentence by sentence


def parse_sentences(spec: str) -> int | dict[str, int]:
    """``--sentences``: ``24`` for every target, or ``24,hau-Latn=8,yor-Latn=8`` (a default and per-target
    counts)."""
    out: dict[str, int] = {}
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        code, _, n = part.rpartition("=")
        out[code or "*"] = int(n)
    if "*" not in out:
        raise ValueError(f"--sentences {spec}: give the default count first (24,hi=8)")
    return out["*"] if list(out) == ["*"] else out


def parse_shard(spec: str) -> tuple[int, int]:
    """``--shard K/N`` -> (K, N), 0 <= K < N."""
    k, _, n = spec.partition("/")
    try:
        k_i, n_i = int(k), int(n)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard {spec}: give K/N, e.g. 0/2") from None
    if not 0 <= k_i < n_i:
        raise argparse.ArgumentTypeError(f"--shard {spec}: K must be 0..N-1")
    return k_i, n_i


def spread(n_total: int, k: int) -> list[int]:
    if k >= n_total:
        return list(range(n_total))
    return sorted({round(i * (n_total - 1) / (k - 1)) for i in range(k)})


def _store(cache: dict, cache_path: Path, key: str, entry: dict) -> None:
    """Add one measurement and write the cache atomically (a killed run keeps what it measured)."""
    cache[key] = entry
    tmp = cache_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(cache, ensure_ascii=False))
    os.replace(tmp, cache_path)


def measure(targets: list[str], n_donors: int, n_sentences: int | dict[str, int], cache_path: Path, log=print,
            neural: bool = False, shard: tuple[int, int] = (0, 1)) -> dict:
    """Round-trip CER of ``n_donors`` espeak-ng donors per target (evenly spaced along the phonological
    ranking), and with ``neural`` of every installed neural donor (Kokoro, Piper; rendered through
    ``synth`` as ``donors --verify`` does); per target: its ISO 639-3 code and, per donor, the
    phonological score and the CER. ``shard`` (k, n): measure only every n-th donor from the k-th, so that
    n processes with their own caches share one language (merge the caches, then evaluate unsharded)."""
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
        others = [i for i in backends.donor_candidates() if i.voice not in invs] if neural else []
        ranked = rank_donors(target, voices=[], extra=espeak, priors={})  # phonological: picks the donors
        picks = [ranked[i] for i in spread(len(ranked), n_donors)]
        n = n_sentences.get(code, n_sentences["*"]) if isinstance(n_sentences, dict) else n_sentences
        sentences = dv.sample_sentences(path, choice, n)
        rows = []
        k, n_shards = shard
        for s in picks[k::n_shards]:
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
                _store(cache, cache_path, key, {"cer": mean, "windows": windows,
                                                "seconds": time.perf_counter() - t0, "empty_retry": True})
                log(f"{code} {s.voice}: CER {mean:.3f} ({cache[key]['seconds']:.0f} s)")
            rows.append({"voice": s.voice, "phon_rank": ranked.index(s) + 1, "score": s.score,
                         "cer": cache[key]["cer"], "windows": _window_cers(cache[key])})
        for s in (rank_donors(target, voices=[], extra=others, priors={}) if others else [])[k::n_shards]:
            key = hashlib.sha1("\n".join([CACHE_VERSION, "neural", s.voice, language,
                                           *[x.text for x in sentences]]).encode()).hexdigest()
            if key not in cache:
                if asr is None:
                    asr = dv.load_asr()
                t0 = time.perf_counter()
                mean, windows = dv.measure_neural_donor(choice, s.voice, sentences, language, asr)
                _store(cache, cache_path, key, {"cer": mean, "windows": windows,
                                                "seconds": time.perf_counter() - t0})
                log(f"{code} {s.voice}: CER {mean:.3f} ({cache[key]['seconds']:.0f} s)")
            rows.append({"voice": s.voice, "phon_rank": None, "score": s.score, "cer": cache[key]["cer"],
                         "neural": True, "windows": _window_cers(cache[key])})
        out[code] = {"name": choice.name, "iso639_3": choice.iso639_3, "asr_language": language,
                     "excluded": sorted(excluded), "ranked": len(ranked), "sentences": len(sentences),
                     "donors": rows, "_target": target, "_espeak": espeak + others}
    return out


def _window_cers(entry: dict) -> list[list]:
    """(short hash of the window's reference text, CER) per transcribed window of one measurement."""
    return [[hashlib.sha1(w[0].encode()).hexdigest()[:10], w[2]] for w in entry["windows"]]


def evaluate(results: dict, equal_languages: bool = False) -> dict:
    """Per target T, nested leave-one-language-out: the prior from the other targets measured here, the
    weight chosen on them (:func:`synthkit.donor_prior.choose_weight`), then Spearman between T's CERs and
    (a) the ranking synthkit uses with that prior and weight, (b) the phonological score alone, (c) the
    prior alone."""
    from synthkit import donor_prior
    from synthkit.donor_verify import cer_reliability, spearman
    from synthkit.donors import rank_donors

    measured, scores, reliability = {}, {}, {}
    for r in results.values():
        if "error" not in r:
            rows = [x for x in r["donors"] if x["cer"] is not None]
            measured[r["iso639_3"]] = {x["voice"]: x["cer"] for x in rows}
            scores[r["iso639_3"]] = {x["voice"]: round(x["score"], 6) for x in rows}
            r["cer_reliability"] = cer_reliability([x.get("windows", ()) for x in rows])
            if r["cer_reliability"] and not equal_languages:
                reliability[r["iso639_3"]] = r["cer_reliability"][0]
    for r in results.values():
        if "error" in r:
            continue
        lang = r["iso639_3"]
        priors = donor_prior.prior(measured, leave_out=[lang], reliability=reliability)
        weight = donor_prior.choose_weight(measured, scores, leave_out=[lang], reliability=reliability)
        ranked = rank_donors(r["_target"], voices=[], extra=r["_espeak"], priors=priors, weight=weight)
        rank = {s.voice: i for i, s in enumerate(ranked, start=1)}
        by_voice = {s.voice: s for s in ranked}
        rows = [x for x in r["donors"] if x["cer"] is not None]
        for x in rows:
            x["rank"], x["prior"] = rank[x["voice"]], priors.get(x["voice"])
            x["rank_key"], x["below_floor"] = by_voice[x["voice"]].rank_key, by_voice[x["voice"]].below_floor
        cers = [x["cer"] for x in rows]
        r["weight"] = weight
        r["spearman"] = spearman([x["rank"] for x in rows], cers)
        # the same ranking without the contrast floor (synthkit.donors.MERGE_TOLERANCE): what the floor costs
        r["spearman_no_floor"] = spearman([x["rank_key"] for x in rows], cers)
        r["below_floor"] = sum(x["below_floor"] for x in rows)
        r["spearman_phonological"] = spearman([x["score"] for x in rows], cers)
        with_prior = [x for x in rows if x["prior"] is not None]
        r["spearman_prior"] = spearman([x["prior"] for x in with_prior], [x["cer"] for x in with_prior])
        r["prior_languages"] = sorted(k for k in measured if k != lang)
        best = sorted(rows, key=lambda x: x["rank"])[:12]
        r["spearman_top12"] = spearman([x["rank"] for x in best], [x["cer"] for x in best])
    return results


def report(results: dict) -> str:
    counts = {code: r["sentences"] for code, r in results.items() if "error" not in r}
    common = max(counts.values(), key=list(counts.values()).count, default=0)  # the most usual count
    fewer = ", ".join(f"{c}: {n}" for c, n in counts.items() if n != common)
    n_sentences = f"{common}" + (f" ({fewer})" if fewer else "")
    lines = [
        "## donor ranking checked by ear (`bench/bench_donor_verify.py`)",
        "",
        f"{machine()}. Round trip as `synthkit donors --verify`: each donor renders {n_sentences} sentences of the "
        "target text (phoneme-mapped, default prosody), Whisper base (multilingual, CTranslate2 int8, beam 5) "
        "transcribes them with the language forced to the target, CER against the text. Donors: every "
        "non-constructed espeak-ng voice except the target's own language (`--exclude`), and (`--neural`) the "
        "installed neural donors, Kokoro-82M and Piper joe, rendered through `synth`. The ranking synthkit "
        "uses (`synthkit.donors.rank_donors`): the percentile of the phonological score among the candidates "
        "plus the donor's measured prior (`synthkit.donor_prior`: its mean CER percentile over the *other* "
        "languages measured, each weighted by the CER reliability of its measurement; the target's own "
        "measurements are left out, as for a language nobody measured), "
        "weighted by the weight that ranks the *other* languages' donors best (nested: chosen without the "
        "target), after the contrast floor (a donor merging over 10 % more of the target's tokens than the best "
        "candidate is ranked after the others, `synthkit.donors.MERGE_TOLERANCE`). "
        "Spearman is between that rank and the CER (+1 = donors ordered exactly as they are heard); beside it "
        "the phonological score alone (the ranking before the prior) and the prior alone. *CER reliability*: "
        "how reproducible the measured ranking itself is (`synthkit.donor_verify.cer_reliability`: the donors whose sentences were "
        "packed into the same windows, ranked by each window's CER, mean Spearman between windows stepped up "
        "to all the sentences); its square root, the *ceiling*, bounds what any ranking can correlate with "
        "this measurement (– with one window, i.e. 8 sentences).",
        "",
        "| target | text | donors ranked / checked | weight (chosen without the target) | Spearman, ranking used | "
        "without the contrast floor (donors below it) | "
        "phonological score alone | prior alone | CER reliability (donors) → ceiling | "
        "Spearman (12 best-ranked) | CER of best-ranked donor | lowest CER (donor) | target ≥ 0.7 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    met = 0
    for code, r in results.items():
        if "error" in r:
            lines.append(f"| {code} | – | – | – | – | – | – | – | – | – | – | – | {r['error']} |")
            continue
        rows = [x for x in r["donors"] if x["cer"] is not None]
        first = min(rows, key=lambda x: x["rank"])
        low = min(rows, key=lambda x: x["cer"])
        ok = r["spearman"] >= TARGET_RHO and len(rows) >= 20
        met += ok
        rel = TEXTS[code].relative_to(ROOT)
        cr = r.get("cer_reliability")
        reliability = f"{cr[0]:.2f} ({cr[1]}) → {math.sqrt(max(cr[0], 0.0)):.2f}" if cr else "–"
        lines.append(f"| {r['name']} ({code}) | `{rel}` | {r['ranked']} / {len(rows)} | {r['weight']:g} | "
                     f"**{r['spearman']:.3f}** | {r['spearman_no_floor']:.2f} ({r['below_floor']}) | "
                     f"{r['spearman_phonological']:.2f} | {r['spearman_prior']:.2f} | {reliability} | "
                     f"{r['spearman_top12']:.2f} | "
                     f"{first['cer']:.3f} ({first['voice']}) | {low['cer']:.3f} ({low['voice']}, rank {low['rank']}) | "
                     f"{'met' if ok else 'NOT met'} |")
    lines += ["", f"Target (Spearman ≥ {TARGET_RHO} over ≥ 20 donors for each of ≥ 3 languages the ASR knows): "
              f"{'met' if met >= 3 else 'NOT met'} ({met} of {sum('error' not in r for r in results.values())} "
              "targets)."]
    return "\n".join(lines)


def save_results(results: dict, path: Path) -> None:
    clean = {k: {kk: vv for kk, vv in v.items() if not kk.startswith("_")} for k, v in results.items()}
    path.write_text(json.dumps(clean, indent=1, ensure_ascii=False))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--targets", default="sw,yor-Latn,hau-Latn")
    ap.add_argument("--donors", type=int, default=24)
    ap.add_argument("--sentences", type=parse_sentences, default=24,
                    help="sentences per donor: N, or N,TARGET=M,... (a default and per-target counts)")
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "donors" / "verify-cache.json")
    ap.add_argument("--neural", action="store_true", help="also the installed neural donors (Kokoro, Piper)")
    ap.add_argument("--shard", type=parse_shard, default=(0, 1), metavar="K/N",
                    help="measure only every N-th donor from the K-th (0-based), write nothing else and stop: for N "
                         "processes with their own caches, merged before the unsharded run that reports")
    ap.add_argument("--no-write", action="store_true", help="print, do not update BENCHMARKS.md")
    ap.add_argument("--equal-languages", action="store_true",
                    help="every measured language counts alike in the prior (before: each weighted by its CER "
                         "reliability, synthkit.donor_prior.language_weight)")
    ap.add_argument("--note", default="", help="a paragraph added to the section (machine load, scope)")
    args = ap.parse_args()
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    results = measure([t.strip() for t in args.targets.split(",") if t.strip()], args.donors, args.sentences,
                      args.cache, log=lambda m: print(m, file=sys.stderr, flush=True), neural=args.neural,
                      shard=args.shard)
    if args.shard != (0, 1):
        print(f"shard {args.shard[0]}/{args.shard[1]} measured into {args.cache}", file=sys.stderr)
        return
    evaluate(results, equal_languages=args.equal_languages)
    save_results(results, args.cache.parent / "verify-results.json")
    body = report(results)
    if args.note:
        body += "\n\n" + args.note
    if not args.no_write:
        update_section("donor_verify", body)
    print(body)
    if any(isinstance(r, dict) and r.get("spearman") is not None and math.isnan(r["spearman"]) for r in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
