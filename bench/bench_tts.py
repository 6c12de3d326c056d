"""Real-time factor of coqui VITS beside espeak-ng, side by side in one run.

    nice -n 10 .venv/bin/python bench/bench_tts.py [--sentences 20] [--repeats 3]

Synthesizers (all on the same Swahili sentences, `recipes/swahili/make_text.py`):

  * espeak-ng — synthkit's espeak-ng synthesizer (a fresh library per clip, as `synth` renders);
  * coqui VITS, tiny — the random-weight test model of `synthkit.testing_models.vits` (~0.3 M parameters);
  * coqui VITS, full size — coqui's default `VitsArgs` (the architecture of the published VITS models,
    ~36 M parameters, 22.05 kHz), random weights.

Both VITS read synthkit's IPA (`use_phonemes`), as `synth --backend coqui:FOLDER` feeds them.

Two measurements per synthesizer:

  1. render loop, 1 core: `render()` over the sentences in this process, torch on 1 thread (what one
     `synth` worker does); RTF = compute seconds / audio seconds (lower is faster; < 1 is faster than
     real time). Model loading is timed separately.
  2. whole command, 2 cores: `synthkit synth --workers 2 --augment none` (start-up, model loading in
     each worker, G2P, writing WAVs); RTF = wall seconds / audio seconds.

Random weights give random durations, so a random model's clips are not as long as a trained model's
for the same text; RTF is per second of audio produced, which is what the decoder's cost scales with.
Each figure is the median of `--repeats` interleaved runs. Writes its section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "recipes" / "swahili"))

from _common import machine, python_env, run_measured, synthkit_cmd, update_section  # noqa: E402
from make_text import sentences  # noqa: E402


def _jobs(text: list[str]):
    """(normalized text, IPA words, punctuation) per sentence, as `synth` prepares them."""
    from synthkit.languages import resolve
    from synthkit.text import mapping
    from synthkit.text.g2p import make_g2p
    from synthkit.text.normalize import normalize

    choice = resolve("sw")
    g2p = make_g2p(choice.g2p)
    out = []
    for line in text:
        t = normalize(line, choice.iso639_3, choice.iso639_1, choice.script)
        words = g2p.phonemize(t)
        out.append((t, words, mapping.punctuation_after_words(t, len(words))))
    return out


def render_loop(name: str, folder: Path | None, jobs) -> tuple[float, float, float]:
    """(load seconds, compute seconds, audio seconds) for rendering every job once."""
    from synthkit.tts.base import Voice

    t0 = time.perf_counter()
    if folder is None:
        from synthkit.tts.espeak import EspeakSynthesizer

        synth = EspeakSynthesizer()
        inputs = [(t, Voice("espeak", "sw", {"voice": "sw", "rate": 175, "pitch": 50, "pitch_range": 50}), False)
                  for t, _, _ in jobs]
    else:
        from synthkit.tts.coqui import CoquiSynthesizer, ipa_input

        synth = CoquiSynthesizer(str(folder))
        vocab = frozenset(synth.info.vocab)
        inputs = [(ipa_input(w, p, vocab)[0], Voice("coqui", name, {"seed": i, "speed": 1.0}), True)
                  for i, (_, w, p) in enumerate(jobs)]
    load = time.perf_counter() - t0
    audio = 0.0
    t0 = time.perf_counter()
    for text, voice, phonemes in inputs:
        a = synth.render(text, voice, phoneme_input=phonemes)
        audio += a.samples.size / a.sample_rate
    return load, time.perf_counter() - t0, audio


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    from synthkit import testing_models

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        models = {"tiny": testing_models.vits(tmp / "vits-tiny"),
                  "full": testing_models.vits(tmp / "vits-full", size="full")}
        params = {}
        for k, folder in models.items():
            state = torch.load(folder / "model.pth", map_location="cpu", weights_only=True)["model"]
            params[k] = sum(v.numel() for v in state.values())
        lines = sentences(args.sentences)
        text = tmp / "sw.txt"
        text.write_text("\n".join(lines) + "\n", encoding="utf-8")
        jobs = _jobs(lines)
        sides = {"espeak-ng": None, "coqui VITS, tiny": models["tiny"], "coqui VITS, full size": models["full"]}
        loops: dict[str, list] = {k: [] for k in sides}
        cmds: dict[str, list] = {k: [] for k in sides}
        env = python_env()
        for rep in range(args.repeats):  # interleaved, so drifts in machine load hit every side alike
            for name, folder in sides.items():
                loops[name].append(render_loop(name, folder, jobs))
                out = tmp / f"out-{rep}-{len(cmds[name])}-{name.split()[-1]}"
                backend = ["--backend", f"coqui:{folder}"] if folder else []
                wall, peak, res = run_measured(synthkit_cmd(
                    "synth", "--lang", "sw", "--text", str(text), "--out", str(out), "--workers", "2",
                    "--augment", "none", "--quiet", "--json", *backend), env=env)
                if res.returncode != 0:
                    raise SystemExit(res.stderr)
                total = json.loads(res.stdout)["total_audio_s"]
                cmds[name].append((wall / total, wall, total, peak))

    def med(xs):
        return statistics.median(xs)

    rows = ["| synthesizer | parameters | load | render loop, 1 core: RTF | audio s | whole `synth --workers 2`: RTF "
            "| wall | peak memory | RTF ratio to espeak-ng (loop / command) |",
            "|---|---|---|---|---|---|---|---|---|"]
    base_loop = med([c / a for _, c, a in loops["espeak-ng"]])
    base_cmd = med([r for r, *_ in cmds["espeak-ng"]])
    for name in sides:
        loop_rtf = med([c / a for _, c, a in loops[name]])
        load = med([lo for lo, _, _ in loops[name]])
        audio = med([a for _, _, a in loops[name]])
        cmd_rtf = med([r for r, *_ in cmds[name]])
        wall = med([w for _, w, _, _ in cmds[name]])
        peak = med([p for *_, p in cmds[name]])
        n = "–" if name == "espeak-ng" else f"{params['tiny' if 'tiny' in name else 'full'] / 1e6:.2f} M"
        rows.append(f"| {name} | {n} | {load:.2f} s | **{loop_rtf:.4f}** | {audio:.1f} | **{cmd_rtf:.3f}** | "
                    f"{wall:.1f} s | {peak:.0f} MiB | {loop_rtf / base_loop:.1f}x / {cmd_rtf / base_cmd:.1f}x |")
    body = "\n".join([
        "## neural TTS real-time factor (`bench/bench_tts.py`)",
        "",
        f"{args.sentences} Swahili sentences, 1 rendition each; {machine()}; medians of {args.repeats} interleaved "
        "runs. RTF = seconds of compute (or wall) per second of audio produced: lower is faster, < 1 is faster than "
        "real time. The VITS models are random-weight models built from coqui configs (the test model, and "
        "coqui's default VITS architecture), reading synthkit's IPA; random weights give random durations, so "
        "their clips differ in length from a trained model's — RTF is per audio second. `load` = building the "
        "synthesizer (espeak-ng: nothing to load; VITS: config + checkpoint). The whole command includes "
        "interpreter start-up and loading the model in each of the 2 workers (2 CPU cores), G2P and writing WAVs.",
        "",
        *rows,
    ])
    update_section("tts", body)
    print(body)


if __name__ == "__main__":
    main()
