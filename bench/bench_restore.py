"""Speech restoration, side by side in one run: degraded input, a DSP baseline (MMSE-LSA), DTLN, GTCRN and
`synthkit restore` (the shipped checkpoint), on a held-out set.

    .venv/bin/python bench/bench_restore.py [--lj 20] [--libri 20] [--checkpoint PATH]

Held-out set: clips the training recipe never saw (recipes/restore_train/config.yaml `holdout`):
LJSpeech clips with transcripts and LibriSpeech test-other speakers. Each is degraded with the `eval`
preset of synthkit.restore.degrade: a real room impulse response, real background noise (8-25 dB SNR),
band-limiting (3.5-7 kHz) and a codec (MP3, Opus or Vorbis); the rooms and noises used here are not in
the training recipe's material. Metrics: DNSMOS P.835 SIG/BAK/OVRL (no reference), PESQ (wide-band) and
STOI against the clean clip, speaker similarity to the clean clip (Resemblyzer cosine), Whisper tiny.en
CER on the LJSpeech clips, and real-time factor (processing seconds per audio second, in this process,
torch / onnxruntime limited to 2 threads). A second table restores the *clean* held-out clips, to show
whether clean input comes out unharmed. Results go into BENCHMARKS.md (section `restore`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, update_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "recipes" / "restore_train" / "config.yaml"
SHARED = ROOT.parent / "shared" / "data"
#: Held out from training material (see the recipe's degrade section).
EVAL_NOISE = [SHARED / "noise" / n for n in ("cafe_short.flac", "running_tap.flac", "sheep.ogg")]
EVAL_RIRS = [SHARED / "rir" / n for n in ("openair_ir_council_s1r1_ch1.wav", "spatialaudio_seminar_clap.wav")]
SR = 16000
THREADS = 2


def held_out_set(n_lj: int, n_libri: int) -> list[dict]:
    """[{id, path, text|None}] of held-out clips: the first LJSpeech ones, two per test-other speaker."""
    from synthkit.restore.train import load_train_config, split_clips

    cfg = load_train_config(RECIPE)
    train, held = split_clips(cfg)
    train_paths = {c.path for c in train}
    texts = {}
    for line in (SHARED / "speech" / "ljspeech" / "metadata.csv").read_text(encoding="utf-8").splitlines():
        parts = line.split("|")
        texts[parts[0]] = parts[1]
    lj = [c for c in held if "ljspeech" in c.path][:n_lj]
    by_speaker: dict[str, list] = {}
    for c in held:
        if "librispeech" in c.path:
            by_speaker.setdefault(Path(c.path).parent.name, []).append(c)
    libri = []
    per = max(1, -(-n_libri // max(1, len(by_speaker))))
    for spk in sorted(by_speaker):
        libri.extend(by_speaker[spk][:per])
    libri = libri[:n_libri]
    out = []
    for c in lj + libri:
        assert c.path not in train_paths
        stem = Path(c.path).stem
        out.append({"id": stem, "path": c.path, "text": texts.get(stem)})
    for m in EVAL_NOISE + EVAL_RIRS:  # the evaluation material is not in the training recipe's
        for step in cfg.degrade.steps:
            assert all(Path(d).resolve() != m.resolve() for d in step.get("dir", []) or []), m
    return out


def systems(checkpoint: str | None, skip_peers: bool) -> dict:
    import torch

    from synthkit.restore.dsp import mmse_lsa
    from synthkit.restore.model import load_checkpoint

    torch.set_num_threads(THREADS)
    model = load_checkpoint(checkpoint)
    out = {"degraded input": lambda x: x, "DSP (MMSE-LSA)": lambda x: mmse_lsa(x, SR)}
    if not skip_peers:
        from _restore_peers import DTLN, GTCRN

        out["DTLN"] = DTLN(THREADS)
        out["GTCRN"] = GTCRN(THREADS)
    out["synthkit restore"] = lambda x: model.restore(x, SR)[0]
    return out, model


def metrics(scorer, clean: np.ndarray, y: np.ndarray, text: str | None) -> dict:
    from pesq import pesq
    from pystoi import stoi

    from synthkit.restore.scores import cer, transcribe

    y = np.clip(np.nan_to_num(y.astype(np.float32)), -1, 1)
    d = scorer.dnsmos(y, SR)
    r = {"sig": d["sig"], "bak": d["bak"], "ovrl": d["ovrl"]}
    try:
        r["pesq"] = float(pesq(SR, clean, y, "wb"))
    except Exception:  # pesq refuses clips it finds no speech in
        r["pesq"] = float("nan")
    r["stoi"] = float(stoi(clean, y, SR, extended=False))
    r["spk"] = scorer.speaker_similarity(clean, y, SR)
    r["cer"] = cer(text, transcribe(y, SR, THREADS)) if text else float("nan")
    return r


def table(rows: list[tuple[str, dict]], ref_ovrl: float | None, with_rtf: bool = True) -> str:
    head = "| system | DNSMOS SIG | BAK | OVRL | OVRL vs input | PESQ | STOI | speaker sim | CER (LJ) |"
    sep = "|---|---|---|---|---|---|---|---|---|"
    if with_rtf:
        head += " RTF |"
        sep += "---|"
    lines = [head, sep]
    for name, m in rows:
        ratio = f"{m['ovrl'] / ref_ovrl:.2f}x" if ref_ovrl else "-"
        cells = [name, f"{m['sig']:.2f}", f"{m['bak']:.2f}", f"{m['ovrl']:.2f}", ratio, _f(m.get("pesq")),
                 _f(m.get("stoi"), 3), _f(m.get("spk"), 3), _pct(m.get("cer"))]
        if with_rtf:
            cells.append(_f(m.get("rtf"), 3))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def lsd(ref: np.ndarray, y: np.ndarray, lo: float, hi: float) -> float:
    """Log-spectral distance (dB) between two clips in the band [lo, hi) Hz, over frames where the
    reference has energy."""
    from scipy.signal import stft

    _, _, a = stft(ref, SR, nperseg=512, noverlap=384)
    _, _, b = stft(y, SR, nperseg=512, noverlap=384)
    f = np.linspace(0, SR / 2, a.shape[0])
    sel = (f >= lo) & (f < hi)
    pa, pb = np.abs(a[sel]) ** 2 + 1e-10, np.abs(b[sel]) ** 2 + 1e-10
    frames = pa.sum(axis=0) > 1e-4 * pa.sum(axis=0).max()
    d = 10 * np.log10(pa[:, frames]) - 10 * np.log10(pb[:, frames])
    return float(np.mean(np.sqrt(np.mean(d ** 2, axis=0))))


def _f(v, nd=2):
    return "-" if v is None or not np.isfinite(v) else f"{v:.{nd}f}"


def _pct(v):
    return "-" if v is None or not np.isfinite(v) else f"{100 * v:.1f} %"


def mean(results: list[dict]) -> dict:
    keys = results[0].keys()
    return {k: float(np.nanmean([r[k] for r in results])) if any(np.isfinite(r[k]) for r in results)
            else float("nan") for k in keys}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lj", type=int, default=20, help="held-out LJSpeech clips (with text: CER)")
    ap.add_argument("--libri", type=int, default=20, help="held-out LibriSpeech test-other clips")
    ap.add_argument("--checkpoint", help="bundle to evaluate (default: the shipped one)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--json", type=Path, help="also write per-clip results here")
    ap.add_argument("--no-write", action="store_true", help="print, do not update BENCHMARKS.md")
    args = ap.parse_args()

    from synthkit.audio import load
    from synthkit.restore.degrade import Degrader, load_degrade
    from synthkit.restore.scores import Scorer
    from synthkit.rng import derive_seed

    clips = held_out_set(args.lj, args.libri)
    degrader = Degrader(load_degrade("eval", [str(p) for p in EVAL_NOISE], [str(p) for p in EVAL_RIRS]))
    data = []
    for c in clips:
        x, _ = load(c["path"], sr=SR)
        x = (x * (0.3 / max(1e-6, float(np.max(np.abs(x)))))).astype(np.float32)  # the same peak for every clip
        y, recs = degrader.apply(x, SR, derive_seed(args.seed, c["id"]))
        data.append({**c, "clean": x, "degraded": y, "degrade": recs})
    audio_s = sum(d["clean"].size for d in data) / SR
    print(f"{len(data)} held-out clips, {audio_s:.0f} s of audio", file=sys.stderr)

    sys_fns, model = systems(args.checkpoint, args.skip_peers)
    scorer = Scorer(threads=THREADS)
    per_clip = {name: [] for name in ["clean reference", *sys_fns]}
    summary = {}
    for name, fn in sys_fns.items():
        t = 0.0
        outs = []
        for d in data:
            t0 = time.perf_counter()
            outs.append(fn(d["degraded"]))
            t += time.perf_counter() - t0
        results = [metrics(scorer, d["clean"], o, d["text"]) for d, o in zip(data, outs)]
        per_clip[name] = results
        summary[name] = {**mean(results), "rtf": t / audio_s}
        print(f"{name}: " + json.dumps({k: round(v, 3) for k, v in summary[name].items()}), file=sys.stderr)
    ref = [metrics(scorer, d["clean"], d["clean"], d["text"]) for d in data]
    summary["clean reference"] = mean(ref)

    # band-limited input (the "lisping" complaint): 4 kHz low-pass + MP3, no noise or room; how much of
    # the missing 4-8 kHz band comes back (log-spectral distance to the clean clip in that band)
    bl = Degrader(load_degrade({"steps": [{"type": "band_limit", "p": 1, "cutoff_hz": [4000, 4000]},
                                          {"type": "codec", "p": 1, "codecs": ["mp3"], "mp3_kbps": [32, 32]}]}))
    band = {"band-limited input": [], "synthkit restore": []}
    for d in data:
        y, _ = bl.apply(d["clean"], SR, 0)
        z = model.restore(y, SR)[0]
        for name, o in (("band-limited input", y), ("synthkit restore", z)):
            band[name].append({"ovrl": scorer.dnsmos(o, SR)["ovrl"], "lsd_hf": lsd(d["clean"], o, 4000, 8000),
                               "spk": scorer.speaker_similarity(d["clean"], o, SR)})
    band = {k: mean(v) for k, v in band.items()}

    # do no harm: the clean held-out clips themselves through synthkit restore
    t = 0.0
    clean_out = []
    for d in data:
        t0 = time.perf_counter()
        clean_out.append(model.restore(d["clean"], SR)[0])
        t += time.perf_counter() - t0
    clean_restored = mean([metrics(scorer, d["clean"], o, d["text"]) for d, o in zip(data, clean_out)])
    clean_restored["rtf"] = t / audio_s
    worse = sum(scorer.dnsmos(o, SR)["ovrl"] < r["ovrl"] for o, r in zip(clean_out, ref))

    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "per_clip": per_clip,
                                         "clips": [{k: d[k] for k in ("id", "path", "text", "degrade")} for d in data]},
                                        indent=1, default=float))
    meta = getattr(model, "meta", {})
    order = ["degraded input", "DSP (MMSE-LSA)", "DTLN", "GTCRN", "synthkit restore"]
    rows = [(n, summary[n]) for n in order if n in summary]
    base = summary["degraded input"]["ovrl"]
    ours, peers = summary["synthkit restore"], [summary[n] for n in ("DSP (MMSE-LSA)", "DTLN", "GTCRN") if n in summary]
    best_peer = max(p["ovrl"] for p in peers) if peers else float("nan")
    verdict = (f"synthkit restore vs the degraded input: DNSMOS OVRL {base:.2f} -> {ours['ovrl']:.2f} "
               f"({ours['ovrl'] / base:.2f}x). Best peer OVRL {best_peer:.2f}. "
               f"Speaker similarity {ours['spk']:.3f} (best peer {max(p['spk'] for p in peers):.3f}), "
               f"CER {100 * ours['cer']:.1f} % (best peer {100 * min(p['cer'] for p in peers):.1f} %), "
               f"RTF {ours['rtf']:.3f}.")
    stages = meta.get("stages", {})
    train_s = sum(float(s.get("seconds", 0)) for s in stages.values())
    body = f"""## Speech restoration (`synthkit restore`)

`bench/bench_restore.py`; {machine()}. {len(data)} held-out clips ({audio_s:.0f} s: {sum(1 for d in data if d['text'])}
LJSpeech with text, {sum(1 for d in data if not d['text'])} LibriSpeech test-other from speakers never trained on),
each degraded with the `eval` preset: a measured room (council chamber or seminar room, reverberant tail
-15..-5 dB), real noise (cafe babble, running tap, sheep; 8-25 dB SNR), a 3.5-7 kHz low-pass and MP3 /
Opus / Vorbis. Neither these rooms nor these noises are in the training material. PESQ (wide-band), STOI
and speaker similarity (Resemblyzer cosine) are against the clean clip; CER is Whisper tiny.en on the
LJSpeech clips (clean reference: {_pct(summary['clean reference']['cer'])}). RTF: processing seconds
per audio second in one process limited to {THREADS} threads, on a CPU shared with other jobs.
DNSMOS, speaker similarity and CER come from synthkit.quality (as `synthkit score` computes them).

{table(rows, base)}

Clean reference: DNSMOS OVRL {summary['clean reference']['ovrl']:.2f} (SIG {summary['clean reference']['sig']:.2f}, BAK {summary['clean reference']['bak']:.2f}).

{verdict}

Do no harm — the *clean* held-out clips through `synthkit restore`: DNSMOS OVRL {summary['clean reference']['ovrl']:.2f} -> {clean_restored['ovrl']:.2f},
PESQ {clean_restored['pesq']:.2f}, STOI {clean_restored['stoi']:.3f}, speaker similarity {clean_restored['spk']:.3f}, CER {_pct(clean_restored['cer'])};
{worse} of {len(data)} clips scored a lower OVRL than their input (`--keep-original-if-worse` keeps those).

Band-limited input (4 kHz low-pass + MP3 32 kbps, nothing else) — what open Miipher versions make lisp:

| | DNSMOS OVRL | log-spectral distance 4-8 kHz (dB, lower is better) | speaker sim |
|---|---|---|---|
| band-limited input | {band['band-limited input']['ovrl']:.2f} | {band['band-limited input']['lsd_hf']:.1f} | {band['band-limited input']['spk']:.3f} |
| synthkit restore | {band['synthkit restore']['ovrl']:.2f} | {band['synthkit restore']['lsd_hf']:.1f} | {band['synthkit restore']['spk']:.3f} |

Checkpoint: `{Path(getattr(model, 'checkpoint_path', '')).name}`, {meta.get('parameters', 0) / 1e6:.2f} M parameters,
trained by `recipes/restore_train` on {meta.get('train_clips', '?')} clips ({meta.get('train_audio_hours', '?')} h) in
{train_s / 60:.0f} min of CPU training ({', '.join(f"{k} {v.get('steps')} steps" for k, v in stages.items())}).
"""
    print(body)
    if not args.no_write:
        update_section("restore", body)


if __name__ == "__main__":
    main()
