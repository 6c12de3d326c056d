"""Which Whisper-base encoder layer should the restoration model clean? Measured, per hidden state.

    .venv/bin/python bench/bench_whisper_layers.py [--no-write]

On real speech from ../shared (LJSpeech with its transcripts; FLEURS de/en/es/fr/pt and held-out
MLS/CML-TTS speakers for other languages), each clip also degraded with the benchmark's `eval` preset
(held-out rooms and noises, band-limiting, codecs), for every hidden state h_0 (stem) .. h_6 (final):

* **content** — a linear CTC probe (512 -> characters) trained on clean LJSpeech features
  (112 clips), greedy CER on the 29 held-out LJSpeech clips, clean and degraded: how linearly readable
  the words are, and how much damage costs them;
* **robustness** — mean squared change ``h(degraded) - h(clean)`` of the features standardised per
  dimension over clean speech (as the restoration model normalises them): the share of the clean
  features' variance the damage changes (0 = untouched; the cleaner must undo this);
* **acoustics** — R^2 of a ridge regression from clean h to the clean clip's 80-bin log-mel (fit on
  half the clips, scored on the other half): how much of the spectrum the vocoder can recover from h;
* **speaker** — nearest-centroid speaker identification from clip-mean features of the held-out MLS /
  CML-TTS speakers (leave one clip out): how much voice the layer carries;
* **unpadded** — for 3-s crops, the relative difference between running the encoder on the crop alone
  (or with 2 s of silence appended; or leaving out the one dimension that differs most) and on the
  crop padded to 30 s with silence (Whisper's training condition) then cropped;
* cost: CPU seconds per audio second to reach the layer (1 thread).

Features are cached in ``--cache`` (``runs/bench_whisper_layers.pkl``), so a second run only measures.

Writes BENCHMARKS.md section ``whisper-layers``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, update_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SR = 16000
CHARS = " abcdefghijklmnopqrstuvwxyz'"


def lj_clips() -> tuple[list, list]:
    rows = []
    for line in (SHARED / "speech" / "ljspeech" / "metadata.csv").read_text(encoding="utf-8").splitlines():
        parts = line.split("|")
        text = "".join(c for c in parts[2].lower() if c in CHARS)
        text = " ".join(text.split())
        path = SHARED / "speech" / "ljspeech" / "wavs" / f"{parts[0]}.flac"
        if path.is_file():
            rows.append((parts[0], str(path), text))
    held = [r for r in rows if r[0][:9] in ("LJ003-007", "LJ003-008", "LJ003-009")]
    train = [r for r in rows if r not in held]
    return train, held


def other_clips() -> list[tuple[str, str, str]]:
    """(id, path, speaker) of FLEURS and MLS/CML-TTS clips (several languages, no clean transcripts needed)."""
    out = []
    ml = SHARED / "speech" / "multilingual"
    for line in (ml / "metadata.csv").read_text(encoding="utf-8").splitlines()[1:]:
        uid, _text, lang, spk, src = line.split("|")
        if src == "cml-tts-demo":
            out.append((uid, str(ml / f"{uid}.flac"), spk))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--probe-steps", type=int, default=150)
    ap.add_argument("--cache", type=Path, default=ROOT / "runs" / "bench_whisper_layers.pkl",
                    help="features are kept here, so a second run only re-does the measurements")
    args = ap.parse_args()

    import torch

    from synthkit.audio import load
    from synthkit.restore.degrade import Degrader, load_degrade
    from synthkit.restore.whisper_encoder import load_encoder, log_mel
    from synthkit.rng import derive_seed
    from bench_restore import EVAL_NOISE, EVAL_RIRS

    torch.set_num_threads(1)
    torch.manual_seed(0)
    enc = load_encoder()
    n_layers = enc.dims.layers
    degrader = Degrader(load_degrade("eval", [str(p) for p in EVAL_NOISE], [str(p) for p in EVAL_RIRS]))

    def states(x: np.ndarray) -> list[np.ndarray]:
        with torch.no_grad():
            h = enc.hidden_states(log_mel(torch.from_numpy(x)[None]))
        return [s[0].numpy() for s in h]

    def prep(path: str, uid: str) -> tuple[np.ndarray, np.ndarray]:
        x, _ = load(path, sr=SR)
        x = (x[: 12 * SR] * (0.3 / max(1e-6, float(np.abs(x).max())))).astype(np.float32)
        y, _ = degrader.apply(x, SR, derive_seed(0, "layers", uid))
        return x, y.astype(np.float32)

    import pickle

    lj_train, lj_held = lj_clips()
    others = other_clips()
    if args.cache.is_file():
        feats, ofeats = pickle.loads(args.cache.read_bytes())
    else:
        t0 = time.perf_counter()
        feats, ofeats = {}, {}
        for uid, path, _ in lj_train + lj_held:
            x, y = prep(path, uid)
            feats[uid] = ([h.astype(np.float16) for h in states(x)], [h.astype(np.float16) for h in states(y)],
                          log_mel(torch.from_numpy(x)[None])[0].numpy())
        for uid, path, spk in others:
            x, y = prep(path, uid)
            ofeats[uid] = ([h.astype(np.float16) for h in states(x)], [h.astype(np.float16) for h in states(y)], spk)
        print(f"features of {len(feats) + len(ofeats)} clips x 2 in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        args.cache.write_bytes(pickle.dumps((feats, ofeats)))

    # content: linear CTC probe per layer
    idx = {c: i + 1 for i, c in enumerate(CHARS)}

    def probe(layer: int) -> tuple[float, float]:
        from torchmetrics.functional.text import char_error_rate

        torch.manual_seed(0)
        lin = torch.nn.Linear(enc.dims.dim, len(CHARS) + 1)
        opt = torch.optim.Adam(lin.parameters(), lr=1e-2)
        xs = [torch.from_numpy(feats[u][0][layer].astype(np.float32)) for u, _, _ in lj_train]
        ys = [torch.tensor([idx[c] for c in t]) for _, _, t in lj_train]
        pad = torch.nn.utils.rnn.pad_sequence(xs, batch_first=True)
        mu, sd = pad.mean((0, 1)), pad.std((0, 1)) + 1e-5
        pad = (pad - mu) / sd
        xl = torch.tensor([len(a) for a in xs])
        yl = torch.tensor([len(a) for a in ys])
        target = torch.cat(ys)
        ctc = torch.nn.CTCLoss(zero_infinity=True)
        for _ in range(args.probe_steps):
            lp = lin(pad).log_softmax(-1).transpose(0, 1)
            loss = ctc(lp, target, xl, yl)
            opt.zero_grad()
            loss.backward()
            opt.step()

        def cer(which: int) -> float:
            hyps, refs = [], []
            with torch.no_grad():
                for u, _, t in lj_held:
                    h = torch.from_numpy(feats[u][which][layer].astype(np.float32))
                    ids = lin((h - mu) / sd).argmax(-1).tolist()
                    out, prev = [], 0
                    for i in ids:
                        if i != prev and i != 0:
                            out.append(CHARS[i - 1])
                        prev = i
                    hyps.append("".join(out))
                    refs.append(t)
            return float(char_error_rate(hyps, refs))

        return cer(0), cer(1)

    def robustness(layer: int) -> float:
        """Mean squared change of standardised features (each dimension scaled by its spread over clean
        speech, as the restoration model normalises them), relative to their variance (= 1)."""
        clean = np.concatenate([v[0][layer] for d in (feats, ofeats) for v in d.values()]).astype(np.float64)
        mu, sd = clean.mean(0), clean.std(0) + 1e-6
        vals = []
        for d in (feats, ofeats):
            for v in d.values():
                c, g = (v[0][layer] - mu) / sd, (v[1][layer] - mu) / sd
                vals.append(float(((g - c) ** 2).mean()))
        return float(np.mean(vals))

    def acoustics(layer: int) -> float:
        keys = [u for u, _, _ in lj_train + lj_held]
        X, Y, parts = [], [], []
        for k, u in enumerate(keys):
            h = feats[u][0][layer].astype(np.float64)
            m = feats[u][2].T  # (T_mel, 80)
            t = min(h.shape[0], m.shape[0] // 2)
            X.append(h[:t])
            Y.append(m[: 2 * t].reshape(t, 2, -1).mean(1))
            parts.append(np.full(t, k % 2))
        X, Y, parts = np.concatenate(X), np.concatenate(Y), np.concatenate(parts)
        tr, te = parts == 0, parts == 1
        mu = X[tr].mean(0)
        Xc = np.c_[X - mu, np.ones(len(X))]
        A = Xc[tr].T @ Xc[tr] + 1.0 * np.eye(Xc.shape[1])
        W = np.linalg.solve(A, Xc[tr].T @ Y[tr])
        pred = Xc[te] @ W
        return float(1 - ((pred - Y[te]) ** 2).sum() / ((Y[te] - Y[te].mean(0)) ** 2).sum())

    def speaker(layer: int) -> float:
        by = {}
        for u, v in ofeats.items():
            by.setdefault(v[2], []).append((u, v[0][layer].astype(np.float64).mean(0)))
        items = [(s, u, e) for s, lst in by.items() for u, e in lst]
        hits = 0
        for s, u, e in items:
            best, best_s = -2.0, None
            for s2, lst in by.items():
                vecs = [e2 for u2, e2 in lst if u2 != u]
                if not vecs:
                    continue
                c = np.mean(vecs, 0)
                cos = float(e @ c / (np.linalg.norm(e) * np.linalg.norm(c) + 1e-9))
                if cos > best:
                    best, best_s = cos, s2
            hits += best_s == s
        return hits / len(items)

    crops = []
    for uid, path, _ in (lj_held[:4] + [(u, p, s) for u, p, s in others[::14]])[:8]:
        x, _ = load(path, sr=SR)
        crops.append(x[SR: 4 * SR].astype(np.float32))
    pad_diffs = np.zeros((3, len(crops), n_layers + 1))
    for i, x in enumerate(crops):  # every hidden state of one pass: unpadded, 2 s of silence, 30 s
        with torch.no_grad():
            b = enc.hidden_states(log_mel(torch.from_numpy(np.pad(x, (0, 30 * SR - x.size)))[None]))
            a = enc.hidden_states(log_mel(torch.from_numpy(x)[None]))
            a2 = enc.hidden_states(log_mel(torch.from_numpy(np.pad(x, (0, 2 * SR)))[None]))
        for k in range(n_layers + 1):
            t = a[k].shape[1]
            ref = b[k][0, :t]
            pad_diffs[0, i, k] = float((a[k][0] - ref).norm() / ref.norm())
            pad_diffs[1, i, k] = float((a2[k][0, :t] - ref).norm() / ref.norm())
            # without the one dimension whose activations differ most (Whisper's "massive activation")
            worst = int((a[k][0] - ref).norm(dim=0).argmax())
            keep = [j for j in range(ref.shape[1]) if j != worst]
            pad_diffs[2, i, k] = float((a[k][0][:, keep] - ref[:, keep]).norm() / ref[:, keep].norm())

    def unpadded(layer: int, crops) -> tuple[float, float, float]:
        return tuple(float(pad_diffs[j, :, layer].mean()) for j in range(3))

    def cost(layer: int) -> float:
        x = np.concatenate([c for c in crops])[: 15 * SR]
        with torch.no_grad():
            t = time.process_time()  # CPU time: the machine is shared, wall time says more about the load
            for k in range(0, x.size - 3 * SR + 1, 3 * SR):
                enc.hidden_states(log_mel(torch.from_numpy(x[k:k + 3 * SR])[None]), layer)
            return (time.process_time() - t) / (x.size / SR)

    rows = []
    for layer in range(n_layers + 1):
        c_clean, c_deg = probe(layer)
        r = {"layer": layer, "cer_clean": c_clean, "cer_deg": c_deg, "robust": robustness(layer),
             "acoustic": acoustics(layer), "speaker": speaker(layer), "unpadded": unpadded(layer, crops),
             "rtf": cost(layer)}
        rows.append(r)
        print(r, file=sys.stderr)

    lines = ["| hidden state | probe CER clean | probe CER degraded | damage (standardised MSE) | log-mel R^2 | "
             "speaker ID | unpadded vs 30-s padded | + 2 s silence | unpadded, worst dim. left out | s per audio s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        name = f"h_{r['layer']}" + (" (stem)" if r["layer"] == 0 else " (final)" if r["layer"] == n_layers else "")
        u, u2, u3 = r["unpadded"]
        lines.append(f"| {name} | {100 * r['cer_clean']:.1f} % | {100 * r['cer_deg']:.1f} % | {r['robust']:.2f} | "
                     f"{r['acoustic']:.3f} | {100 * r['speaker']:.0f} % | {u:.3f} | {u2:.3f} | {u3:.3f} | {r['rtf']:.4f} |")
    n_spk = len({v[2] for v in ofeats.values()})
    body = f"""## Whisper-base encoder layers for restoration (`bench/bench_whisper_layers.py`)

{machine()}, on a CPU shared with other jobs. Clean and `eval`-degraded versions of {len(feats)} LJSpeech clips
and {len(ofeats)} MLS/CML-TTS clips (7 languages, {n_spk} speakers), first 12 s of each. Probe: linear CTC over
characters trained on {len(lj_train)} clean LJSpeech clips ({args.probe_steps} full-batch Adam steps), greedy CER on the
{len(lj_held)} held-out ones. Damage: mean squared change of the features standardised per dimension over clean
speech. Log-mel R^2: ridge regression from clean h to the clean log-mel, scored on held-out clips. Speaker ID: nearest speaker centroid of
clip-mean features (leave one out, {n_spk} speakers). Unpadded: mean relative L2 difference between the encoder run on
a 3-s crop alone (or with 2 s of silence appended) and on the crop padded with silence to 30 s as Whisper was trained,
then cropped ({len(crops)} crops); the last of these columns leaves out the one dimension that differs most. Cost:
CPU seconds per audio second to reach the state on 3-s pieces, 1 thread.

{chr(10).join(lines)}
"""
    print(body)
    if not args.no_write:
        update_section("whisper-layers", body)


if __name__ == "__main__":
    main()
