"""Speech restoration, side by side in one run: degraded input, a DSP baseline (MMSE-LSA), DTLN, GTCRN and
two synthkit checkpoints (the previous log-mel one and a new one), on held-out speech in several languages.

    .venv/bin/python bench/bench_restore.py --new runs/restore_whisper/restore.pt [--old PATH] [--no-write]

Three sets, every clip from speakers the training recipes never saw (recipes/restore_train `holdout`):

* ``degraded`` — clean held-out clips in English (LJSpeech with text, LibriSpeech test-other, VCTK,
  LibriTTS) and 7 more languages (FLEURS de/es/fr/pt with text; MLS/CML-TTS de/es/fr/it/nl/pl/pt), each
  degraded with the ``eval`` preset of synthkit.restore.degrade: a measured room, real noise (8-25 dB
  SNR), a 3.5-7 kHz low-pass and MP3/Opus/Vorbis; these rooms and noises are not in any training material.
* ``own flaws`` — recordings whose damage is their own, used as they are: the phone-recorded Yoruba
  clips and the Opus-coded (24 kbit/s, some very quiet) FLEURS clips, both with transcripts. No clean
  reference: DNSMOS, speaker similarity to the input, CER against the transcript.
* ``real noise`` — clean held-out clips mixed with the real noise recordings held out from training
  (cafe babble, running tap, sheep) at 0-10 dB SNR, nothing else.

Metrics: DNSMOS P.835 SIG/BAK/OVRL; PESQ (wide-band) and STOI against the clean clip; speaker similarity
(Resemblyzer cosine) to the clean clip (to the input where there is none); Whisper base CER
(multilingual, faster-whisper, the row's language) against the transcript where the clip has one, else
against Whisper base's transcript of the clean clip (marked ``*``); real-time factor as CPU seconds of
processing per audio second with one thread (CPU time, not wall time: the machine is shared with other
jobs; it bounds the real-time factor on 2 free cores from above).

``+ judges`` rows are what ``synthkit restore --keep-original-if-worse`` writes: per clip, the restored
audio unless DNSMOS OVRL fell, the voice moved (speaker similarity input/output < 0.65) or ASR heard
different words (CER against the text rose; without text: transcripts differ by CER > 0.1), in which
case the input. Computed from the same per-clip scores and transcripts.

Per-(system, clip) results are kept in ``--cache`` (JSONL), so an interrupted run resumes. Results go
into BENCHMARKS.md (section ``restore``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, update_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SPEECH = SHARED / "speech"
ML = SPEECH / "multilingual"
#: Held out from all training material (see the recipes' degrade sections).
EVAL_NOISE = [SHARED / "noise" / n for n in ("cafe_short.flac", "running_tap.flac", "sheep.ogg")]
EVAL_RIRS = [SHARED / "rir" / n for n in ("openair_ir_council_s1r1_ch1.wav", "spatialaudio_seminar_clap.wav")]
RECIPES = [ROOT / "recipes" / "restore_train" / n for n in ("config.yaml", "whisper.yaml")]
SR = 16000
#: One thread everywhere: on a CPU shared with other jobs a second thread mostly waits, and CPU time per
#: audio second with one thread bounds the real-time factor on 2 free cores from above.
THREADS = 1
PEAK = 0.3
MAX_SECONDS = 15.0
MIN_SPEAKER_SIMILARITY = 0.65


# --- the clips ------------------------------------------------------------------------------------

def _ml_rows() -> list[dict]:
    rows = []
    for line in (ML / "metadata.csv").read_text(encoding="utf-8").splitlines()[1:]:
        uid, text, lang, spk, src = line.split("|")
        rows.append({"id": uid, "path": str(ML / f"{uid}.flac"), "text": text or None, "lang": lang, "speaker": spk})
    return rows


def _held_out_everywhere() -> set[str]:
    """Paths held out by every training recipe (none of them trained on these)."""
    from synthkit.restore.train import load_train_config, split_clips

    held, trained = set(), set()
    for r in RECIPES:
        if r.is_file():
            train, h = split_clips(load_train_config(r))
            held |= {c.path for c in h}
            trained |= {c.path for c in train}
    return held - trained


def clip_sets(n_lj: int, n_libri: int, n_fleurs: int, n_cml: int, n_yoruba: int, n_noise: int) -> list[dict]:
    """[{id, set, lang, path, text}] — see the module doc."""
    from synthkit.audio import info

    def info_duration(path: str) -> float:
        i = info(path)
        return i.frames / i.samplerate

    held = _held_out_everywhere()
    lj_text = {}
    for line in (SPEECH / "ljspeech" / "metadata.csv").read_text(encoding="utf-8").splitlines():
        p = line.split("|")
        lj_text[p[0]] = p[1]
    lj = [{"id": f"lj/{Path(p).stem}", "path": p, "text": lj_text[Path(p).stem], "lang": "en"}
          for p in sorted(x for x in held if "/ljspeech/" in x)]
    libri, seen = [], set()
    for p in sorted(x for x in held if "/librispeech/" in x):
        spk = Path(p).parent.name
        if spk not in seen:
            seen.add(spk)
            libri.append({"id": f"libri/{Path(p).stem}", "path": p, "text": None, "lang": "en"})
    ml = [r for r in _ml_rows() if r["path"] in held]

    def short(r):
        return info_duration(r["path"]) <= MAX_SECONDS

    def pick(rows, n, per_speaker=1):
        out, count = [], {}
        for r in rows:
            if count.get(r["speaker"], 0) < per_speaker and short(r):
                out.append(r)
                count[r["speaker"]] = count.get(r["speaker"], 0) + 1
        return out[:n]

    fleurs = {lang: [r for r in ml if r["id"].startswith("fleurs/") and r["lang"] == lang and short(r)][:n_fleurs]
              for lang in ("en", "de", "es", "fr", "pt")}
    cml = [r for r in ml if r["id"].startswith(("mls_cmltts/", "mls_pt/"))]
    cml_by_lang = {}
    for r in cml:
        cml_by_lang.setdefault(r["lang"], []).append(r)
    other_en = pick([r for r in ml if r["id"].startswith(("vctk/", "libritts/"))], 4)
    degraded = lj[:n_lj] + libri[:n_libri] + other_en
    for lang in ("de", "es", "fr", "pt"):
        degraded += fleurs[lang]
    for lang in sorted(cml_by_lang):
        degraded += pick(cml_by_lang[lang], n_cml, per_speaker=n_cml)
    own = [r for r in ml if r["id"].startswith("yoruba/") and short(r)][:n_yoruba]
    for lang in ("en", "de", "es", "fr", "pt"):
        own += fleurs[lang]
    noisy = lj[n_lj:n_lj + n_noise // 2] + libri[n_libri:n_libri + 2] + [
        pick(cml_by_lang[lang], 1)[0] for lang in ("de", "es", "fr") if cml_by_lang.get(lang)]
    noisy = noisy[:n_noise]
    out = [{**r, "set": "degraded"} for r in degraded] + [{**r, "set": "own flaws"} for r in own] + \
          [{**r, "set": "real noise"} for r in noisy]
    for r in out:
        if r["set"] != "own flaws":
            assert r["path"] in held, r["path"]
    for m in EVAL_NOISE + EVAL_RIRS:  # the evaluation material is in no training recipe's
        for rec in RECIPES:
            if rec.is_file():
                from synthkit.restore.train import load_train_config

                for step in load_train_config(rec).degrade.steps:
                    assert all(Path(d).resolve() != m.resolve() for d in step.get("dir", []) or []), m
    return out


def prepare_audio(clips: list[dict], seed: int) -> None:
    """Adds ``clean`` (None for own-flaw recordings) and ``input`` arrays to each clip."""
    from synthkit.audio import load
    from synthkit.restore.degrade import Degrader, load_degrade
    from synthkit.rng import derive_seed

    eval_deg = Degrader(load_degrade("eval", [str(p) for p in EVAL_NOISE], [str(p) for p in EVAL_RIRS]))
    noise_deg = Degrader(load_degrade({"steps": [{"type": "noise", "p": 1.0, "snr_db": [0.0, 10.0]}]},
                                      [str(p) for p in EVAL_NOISE]))
    for c in clips:
        x, _ = load(c["path"], sr=SR)
        x = x[: int(MAX_SECONDS * SR)].astype(np.float32)
        if c["set"] == "own flaws":
            c["clean"], c["input"] = None, x
            continue
        x = (x * (PEAK / max(1e-6, float(np.max(np.abs(x)))))).astype(np.float32)
        deg = eval_deg if c["set"] == "degraded" else noise_deg
        y, _ = deg.apply(x, SR, derive_seed(seed, c["set"], c["id"]))
        c["clean"], c["input"] = x, y.astype(np.float32)


# --- systems and scores ---------------------------------------------------------------------------

def _sha(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]


def systems(old: str, new: str | None, skip_peers: bool) -> tuple[dict, dict]:
    """({name: fn(x) -> y}, {name: model}) — the systems, in table order."""
    import torch

    from synthkit.restore.dsp import mmse_lsa
    from synthkit.restore.model import load_checkpoint

    torch.set_num_threads(THREADS)
    out = {"degraded input": lambda x: x, "DSP (MMSE-LSA)": lambda x: mmse_lsa(x, SR)}
    if not skip_peers:
        from _restore_peers import DTLN, GTCRN

        out["DTLN"] = DTLN(THREADS)
        out["GTCRN"] = GTCRN(THREADS)
    models = {"synthkit old": load_checkpoint(old)}
    if new:
        models["synthkit new"] = load_checkpoint(new)
    for name, m in models.items():
        out[name] = (lambda mm: (lambda x: mm.restore(x, SR)[0]))(m)
    return out, models


class Scores:
    def __init__(self) -> None:
        from synthkit.restore.scores import Scorer

        self.scorer = Scorer(threads=THREADS)

    def transcript(self, y: np.ndarray, lang: str) -> str:
        from synthkit.restore.scores import transcribe

        return transcribe(y, SR, THREADS, language=lang)

    def clip(self, c: dict, y: np.ndarray, ref_text: str | None) -> dict:
        from pesq import pesq
        from pystoi import stoi

        from synthkit.restore.scores import cer

        y = np.clip(np.nan_to_num(y.astype(np.float32)), -1, 1)
        d = self.scorer.dnsmos(y, SR)
        r = {"sig": d["sig"], "bak": d["bak"], "ovrl": d["ovrl"], "pesq": float("nan"), "stoi": float("nan")}
        if c["clean"] is not None:
            try:
                r["pesq"] = float(pesq(SR, c["clean"], y, "wb"))
            except Exception:  # pesq refuses clips it finds no speech in
                pass
            r["stoi"] = float(stoi(c["clean"], y, SR, extended=False))
        ref = c["clean"] if c["clean"] is not None else c["input"]
        r["spk"] = _nan(self.scorer.speaker_similarity(ref, y, SR))
        r["spk_input"] = _nan(self.scorer.speaker_similarity(c["input"], y, SR))
        r["transcript"] = self.transcript(y, c["lang"])
        r["cer"] = cer(ref_text, r["transcript"], c["lang"]) if ref_text else float("nan")
        return r


def _nan(v):
    return float("nan") if v is None else float(v)


def judged(c: dict, base: dict, out: dict) -> dict:
    """What --keep-original-if-worse writes for this clip: ``out``'s scores, or the input's (``base``)."""
    from synthkit.restore.scores import MAX_TRANSCRIPT_CHANGE, text_cer

    keep = out["ovrl"] < base["ovrl"] or (np.isfinite(out["spk_input"]) and out["spk_input"] < MIN_SPEAKER_SIMILARITY)
    if not keep:
        if c.get("text"):
            keep = text_cer(out["transcript"], c["text"], c["lang"]) > text_cer(base["transcript"], c["text"], c["lang"])
        else:
            keep = text_cer(out["transcript"], base["transcript"], c["lang"]) > MAX_TRANSCRIPT_CHANGE
    return {**(base if keep else out), "kept": float(keep)}


# --- tables ---------------------------------------------------------------------------------------

KEYS = ("sig", "bak", "ovrl", "pesq", "stoi", "spk", "cer")


def mean(rows: list[dict], key: str) -> float:
    v = [r[key] for r in rows if np.isfinite(r.get(key, float("nan")))]
    return float(np.mean(v)) if v else float("nan")


def _f(v, nd=2):
    return "-" if v is None or not np.isfinite(v) else f"{v:.{nd}f}"


def _pct(v):
    return "-" if v is None or not np.isfinite(v) else f"{100 * v:.1f} %"


def overall_table(res: dict, names: list[str], clips: list[dict], rtf: dict | None, spk_label: str) -> str:
    head = f"| system | DNSMOS SIG | BAK | OVRL | PESQ | STOI | speaker sim ({spk_label}) | CER |"
    sep = "|---|---|---|---|---|---|---|---|"
    if rtf is not None:
        head, sep = head + " RTF |", sep + "---|"
    lines = [head, sep]
    for n in names:
        rows = [res[n][c["id"]] for c in clips]
        cells = [n, *(_f(mean(rows, k)) for k in ("sig", "bak", "ovrl", "pesq")), _f(mean(rows, "stoi"), 3),
                 _f(mean(rows, "spk"), 3), _pct(mean(rows, "cer"))]
        if "+ judges" in n:
            cells[0] += f" ({int(sum(r['kept'] for r in rows))}/{len(rows)} kept the input)"
        if rtf is not None:
            cells.append(_f(rtf.get(n.replace(" + judges", "")), 3))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def per_language(res: dict, names: list[str], clips: list[dict], key: str, fmt) -> str:
    langs = sorted({c["lang"] for c in clips}, key=lambda x: (x != "en", x))
    head = "| language (clips) | " + " | ".join(names) + " |"
    lines = [head, "|---|" + "---|" * len(names)]
    for lang in langs + ["all"]:
        sel = [c for c in clips if lang == "all" or c["lang"] == lang]
        star = "" if all(c.get("text") for c in sel) else ("*" if not any(c.get("text") for c in sel) else " (part *)")
        label = f"{lang} ({len(sel)}){star if key == 'cer' else ''}"
        lines.append(f"| {label} | " + " | ".join(fmt(mean([res[n][c['id']] for c in sel], key)) for n in names) + " |")
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--new", help="the new checkpoint bundle")
    ap.add_argument("--old", help="the previous checkpoint (default: the one shipped in the package)")
    ap.add_argument("--lj", type=int, default=8)
    ap.add_argument("--libri", type=int, default=4)
    ap.add_argument("--fleurs", type=int, default=4, help="FLEURS clips per language (degraded and as they are)")
    ap.add_argument("--cml", type=int, default=2, help="held-out MLS/CML-TTS clips per language")
    ap.add_argument("--yoruba", type=int, default=10)
    ap.add_argument("--noise", type=int, default=9, help="clips in the real-noise set")
    ap.add_argument("--no-harm", type=int, default=12, help="clean clips for the do-no-harm / band-limited check")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--cache", type=Path, default=ROOT / "runs" / "bench_restore" / "cache.jsonl")
    ap.add_argument("--json", type=Path, help="also write per-clip results here")
    ap.add_argument("--no-write", action="store_true", help="print, do not update BENCHMARKS.md")
    args = ap.parse_args()

    from synthkit.restore.model import DEFAULT_CHECKPOINT

    old = args.old or str(DEFAULT_CHECKPOINT)
    clips = clip_sets(args.lj, args.libri, args.fleurs, args.cml, args.yoruba, args.noise)
    prepare_audio(clips, args.seed)
    audio_s = {s: sum(c["input"].size for c in clips if c["set"] == s) / SR for s in ("degraded", "own flaws", "real noise")}
    print(f"{len(clips)} clips: " + ", ".join(f"{s} {v:.0f} s" for s, v in audio_s.items()), file=sys.stderr)

    fns, models = systems(old, args.new, args.skip_peers)
    keys = {n: n for n in fns}
    keys["synthkit old"] = f"ckpt:{_sha(old)}"
    if args.new:
        keys["synthkit new"] = f"ckpt:{_sha(args.new)}"
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    cache = {}
    if args.cache.exists():
        for line in args.cache.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            cache[(rec["system"], rec["clip"], rec["seed"])] = rec
    scores = Scores()

    def done(system_key, c):
        return cache.get((system_key, c["set"] + ":" + c["id"], args.seed))

    def put(system_key, c, rec):
        rec = {"system": system_key, "clip": c["set"] + ":" + c["id"], "seed": args.seed, **rec}
        cache[(rec["system"], rec["clip"], rec["seed"])] = rec
        with open(args.cache, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")

    # reference transcripts for clips without text: Whisper base on the clean clip
    ref_text = {}
    for c in clips:
        if c.get("text"):
            ref_text[c["set"] + c["id"]] = c["text"]
        elif c["clean"] is not None:
            rec = done("clean transcript", c)
            if rec is None:
                rec = {"transcript": scores.transcript(c["clean"], c["lang"])}
                put("clean transcript", c, rec)
            ref_text[c["set"] + c["id"]] = rec["transcript"] or None

    res: dict[str, dict[str, dict]] = {}
    rtf: dict[str, dict[str, float]] = {s: {} for s in audio_s}
    for name, fn in fns.items():
        res[name] = {}
        t_by_set: dict[str, float] = {}
        for c in clips:
            rec = done(keys[name], c)
            if rec is None:
                t0 = time.process_time()
                y = fn(c["input"])
                t = time.process_time() - t0
                rec = {"seconds": t, **scores.clip(c, y, ref_text.get(c["set"] + c["id"]))}
                put(keys[name], c, rec)
            res[name][c["set"] + ":" + c["id"]] = rec
            t_by_set[c["set"]] = t_by_set.get(c["set"], 0.0) + rec["seconds"]
        for s in audio_s:
            rtf[s][name] = t_by_set.get(s, 0.0) / audio_s[s] if audio_s[s] else float("nan")
        print(f"{name}: done", file=sys.stderr)
    for c in clips:
        c["id"] = c["set"] + ":" + c["id"]
    judged_names = [n for n in ("synthkit old", "synthkit new") if n in fns]
    for n in judged_names:
        res[n + " + judges"] = {c["id"]: judged(c, res["degraded input"][c["id"]], res[n][c["id"]]) for c in clips}
    names = list(fns) + [n + " + judges" for n in judged_names]

    # do no harm on clean input, and band-limited input: the clean held-out clips of the degraded set
    extra = [c for c in clips if c["set"] == "degraded"][:args.no_harm]
    clean_rows, band_rows = {}, {}
    from synthkit.restore.degrade import Degrader, load_degrade

    bl = Degrader(load_degrade({"steps": [{"type": "band_limit", "p": 1, "cutoff_hz": [4000, 4000]},
                                          {"type": "codec", "p": 1, "codecs": ["mp3"], "mp3_kbps": [32, 32]}]}))
    for n, m in models.items():
        clean_rows[n], band_rows[n] = [], []
        for c in extra:
            y = m.restore(c["clean"], SR)[0]
            before, after = scores.scorer.dnsmos(c["clean"], SR)["ovrl"], scores.scorer.dnsmos(y, SR)["ovrl"]
            clean_rows[n].append({"before": before, "after": after,
                                  "spk": _nan(scores.scorer.speaker_similarity(c["clean"], y, SR))})
            b, _ = bl.apply(c["clean"], SR, 0)
            z = m.restore(b, SR)[0]
            band_rows[n].append({"in_lsd": lsd(c["clean"], b, 4000, 8000), "lsd": lsd(c["clean"], z, 4000, 8000),
                                 "in_spk": _nan(scores.scorer.speaker_similarity(c["clean"], b, SR)),
                                 "spk": _nan(scores.scorer.speaker_similarity(c["clean"], z, SR))})

    if args.json:
        args.json.write_text(json.dumps({"results": res, "rtf": rtf, "clips": [
            {k: c[k] for k in ("id", "set", "lang", "path", "text")} for c in clips]}, indent=1, default=float))
    body = report(clips, res, names, rtf, audio_s, models, clean_rows, band_rows, extra)
    print(body)
    if not args.no_write:
        update_section("restore", body)


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


def report(clips, res, names, rtf, audio_s, models, clean_rows, band_rows, extra) -> str:
    parts = [f"""## Speech restoration (`synthkit restore`)

`bench/bench_restore.py`; {machine()}, CPU shared with other jobs (load noted in the text around this section).
Systems side by side in one run on the same clips. `synthkit old` is the previous default checkpoint
(log-mel features); `synthkit new` the Whisper-feature one; `+ judges` is what `--keep-original-if-worse`
writes (the input where DNSMOS fell, the voice moved or ASR heard different words). CER: Whisper base
(multilingual) in the clip's language, against its transcript, or (`*`) against Whisper base's transcript
of the clean clip. Speaker similarity: Resemblyzer cosine to the clean clip (own-flaw set: to the input).
RTF: CPU seconds of processing per audio second with {THREADS} thread (an upper bound of the real-time factor on 2
free cores; wall time on this shared machine says more about the other jobs)."""]
    titles = {"degraded": "Held-out speech degraded with the `eval` preset (measured room, real noise 8-25 dB, "
                          "3.5-7 kHz low-pass, MP3/Opus/Vorbis)",
              "own flaws": "Recordings with their own flaws, as they are (phone-recorded Yoruba; Opus-coded FLEURS)",
              "real noise": "Clean held-out speech + real noise recordings (cafe, running tap, sheep; 0-10 dB SNR)"}
    for s, title in titles.items():
        sel = [c for c in clips if c["set"] == s]
        if not sel:
            continue
        ns = names
        spk_label = "to input" if s == "own flaws" else "to clean"
        parts.append(f"### {title}\n\n{len(sel)} clips, {audio_s[s]:.0f} s.\n\n"
                     + overall_table(res, ns, sel, rtf[s], spk_label)
                     + "\n\nDNSMOS OVRL per language:\n\n" + per_language(res, ns, sel, "ovrl", _f)
                     + f"\n\nSpeaker similarity ({spk_label}) per language:\n\n"
                     + per_language(res, ns, sel, "spk", lambda v: _f(v, 3))
                     + "\n\nWhisper base CER per language:\n\n" + per_language(res, ns, sel, "cer", _pct))
    lines = ["| checkpoint | clean OVRL in -> out | clips scoring lower | speaker sim | LSD 4-8 kHz band-limited in -> out (dB) | speaker sim in -> out |",
             "|---|---|---|---|---|---|"]
    for n in models:
        cr, br = clean_rows[n], band_rows[n]
        lines.append(f"| {n} | {mean(cr, 'before'):.2f} -> {mean(cr, 'after'):.2f} | "
                     f"{sum(r['after'] < r['before'] for r in cr)}/{len(cr)} | {mean(cr, 'spk'):.3f} | "
                     f"{mean(br, 'in_lsd'):.1f} -> {mean(br, 'lsd'):.1f} | {mean(br, 'in_spk'):.3f} -> {mean(br, 'spk'):.3f} |")
    parts.append(f"### Do no harm and band-limited input\n\nThe first {len(extra)} clean clips of the degraded set "
                 "restored as they are (clean input), and after only a 4 kHz low-pass + MP3 32 kbit/s "
                 "(log-spectral distance to the clean clip in 4-8 kHz: how much of the missing band comes back).\n\n"
                 + "\n".join(lines))
    ck = []
    for n, m in models.items():
        meta = getattr(m, "meta", {})
        stages = meta.get("stages", {})
        train_s = sum(float(v.get("seconds", 0)) for v in stages.values())
        steps = ", ".join(f"{k} {v.get('steps')} steps" for k, v in stages.items())
        ck.append(f"* {n}: `{Path(getattr(m, 'checkpoint_path', '')).name}`, features "
                  f"`{m.config.features}`, {meta.get('parameters', 0) / 1e6:.2f} M parameters, trained on "
                  f"{meta.get('train_clips', '?')} clips ({meta.get('train_audio_hours', '?')} h) in {train_s / 60:.0f} min "
                  f"({steps}).")
    parts.append("Checkpoints:\n\n" + "\n".join(ck))
    return "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    main()
