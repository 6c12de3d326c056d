"""The HTML report of ``synthkit check --report DIR``: one self-contained page that needs no network.

``DIR/index.html`` holds the verdict, the corpus rules (with the clips each concerns), the per-clip rules with
on how many rows each judged and rejected (a rule that judged no row is marked *not judged*, with the
reason), histograms (MOS, CER, SNR, duration; the axis spans the data, the policy's thresholds are dashed
lines, and a threshold beyond the data is a marker at the axis edge, so a 0-40 s rule does not squeeze a
corpus of 2-8 s clips into a sliver), per-speaker and per-language tables (a score column only when some
clip has the score), and the worst clips with a spectrogram and an audio player each. Images are PNGs
inlined as ``data:`` URIs; the worst clips' audio is copied (16-bit WAV, at most
:data:`AUDIO_SECONDS` s) to ``DIR/audio/`` and linked relatively, so the folder can be zipped, attached to
a CI run and opened anywhere. No scripts, styles or fonts are fetched.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .quality.check import CheckResult, ClipResult

REPORT_NAME = "index.html"
AUDIO_DIR = "audio"
#: How many of the worst clips get a spectrogram and a player.
WORST_CLIPS = 12
#: Longest excerpt of a clip copied next to the report (seconds).
AUDIO_SECONDS = 30.0
#: Histograms drawn when the keys have values: (title, candidate keys — the first present is used).
HISTOGRAMS = (
    ("Predicted MOS", ("dnsmos_ovrl", "utmos", "nisqa_mos", "squim_pesq")),
    ("Character error rate", ("cer",)),
    ("Phone error rate", ("per",)),
    ("SNR (WADA, dB)", ("snr_db",)),
    ("Duration (s)", ("duration",)),
)
_TABLE_KEYS = ("dnsmos_ovrl", "cer", "snr_db")
#: Colour range of spectrograms (dB re full scale): the same for every clip, so silence looks dark.
SPEC_FLOOR_DB = -100.0
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.5em auto;max-width:1100px;color:#222}
h1{font-size:1.5em} h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em} td,th{border:1px solid #ddd;padding:.25em .6em;
text-align:left;vertical-align:top} th{background:#f4f4f4} .pass{color:#17692a;font-weight:bold}
.fail{color:#b00020;font-weight:bold} .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.hist{display:flex;flex-wrap:wrap;gap:12px} .clip{border:1px solid #ddd;padding:.6em;margin:.6em 0}
.clip img{display:block;max-width:100%} code{background:#f4f4f4;padding:0 .2em}
.skip{color:#8a5a00;font-weight:bold} .note{background:#fff6e0;border:1px solid #e8c77a;padding:.4em .7em}
"""


def _esc(v: Any) -> str:
    return html.escape(str(v), quote=True)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"
    return "" if v is None else str(v)


def _png(fig) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


#: Margin around the data on a histogram's value axis (share of the data's span).
AXIS_MARGIN = 0.05


def axis_range(values: np.ndarray) -> tuple[float, float]:
    """The value axis of a histogram: the data's range plus a margin (never a threshold's range, which
    would squeeze the data into a sliver); one distinct value gets a small window around it."""
    lo, hi = float(np.min(values)), float(np.max(values))
    span = hi - lo
    if span <= 0:
        span = max(abs(lo) * 0.1, 0.5)
        return lo - span, hi + span
    return lo - AXIS_MARGIN * span, hi + AXIS_MARGIN * span


def _histogram(title: str, key: str, values: list[float], limits: list[tuple[str, float]], note: str = "") -> str:
    return _png(histogram_figure(title, key, values, limits, note))


def histogram_figure(title: str, key: str, values: list[float], limits: list[tuple[str, float]], note: str = ""):
    """A matplotlib Figure: the histogram of ``values`` on an axis spanning the data (:func:`axis_range`);
    each ``(label, threshold)`` inside it a dashed line, one beyond it a marker at the edge it lies past."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.6, 3.0))
    ax = fig.add_subplot(111)
    arr = np.asarray(values, dtype=float)
    lo, hi = axis_range(arr)
    bins = min(30, max(5, int(math.sqrt(arr.size)) + 1))
    ax.hist(arr, bins=bins, range=(float(arr.min()), float(arr.max())) if arr.max() > arr.min() else (lo, hi),
            color="#4a78b5", edgecolor="white")
    ax.set_xlim(lo, hi)
    for label, x in limits:
        if lo <= x <= hi:
            ax.axvline(x, color="#b00020", linestyle="--", linewidth=1.2, label=f"{label} {x:g}")
        else:  # beyond the data: a marker at the edge it lies past, so the axis stays on the data
            edge, marker, side = (hi, ">", "right") if x > hi else (lo, "<", "left")
            ax.plot([edge], [0.5], marker=marker, markersize=9, color="#b00020", linestyle="none", clip_on=False,
                    transform=ax.get_xaxis_transform(), label=f"{label} {x:g} (beyond the data, {side})")
    if limits:
        ax.legend(fontsize=7)
    ax.set_title(f"{title} — {key} (n={arr.size}{note})", fontsize=9)
    ax.set_ylabel("clips", fontsize=8)
    ax.tick_params(labelsize=8)
    return fig


def _spectrogram(x: np.ndarray, sr: int, title: str) -> str:
    """Log-magnitude spectrogram (dBFS, -100…0) of ``x`` (shape ``(samples,)``) as a PNG data URI."""
    from matplotlib.figure import Figure

    n_fft = 1 << max(8, int(math.log2(sr * 0.025)) + 1)
    hop = n_fft // 4
    if x.size < n_fft:
        x = np.pad(x, (0, n_fft - x.size))
    frames = 1 + (x.size - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(frames)[:, None]
    window = np.hanning(n_fft)
    spec = np.abs(np.fft.rfft(x[idx] * window, axis=1)).T / (window.sum() / 2)  # full-scale sine = 0 dB
    db = 20 * np.log10(np.maximum(spec, 1e-9))
    fig = Figure(figsize=(7.5, 2.2))
    ax = fig.add_subplot(111)
    ax.imshow(db, origin="lower", aspect="auto", cmap="magma", vmin=SPEC_FLOOR_DB, vmax=0.0,
              extent=(0, x.size / sr, 0, sr / 2000))
    ax.set_ylabel("kHz", fontsize=8)
    ax.set_xlabel("s", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=7)
    return _png(fig)


def _limits(result: CheckResult, key: str) -> list[tuple[str, float]]:
    out = []
    for b in result.policy.clip.bounds:
        if b.key == key:
            if b.min is not None:
                out.append(("min", b.min))
            if b.max is not None:
                out.append(("max", b.max))
    return out


def _severity(c: ClipResult) -> tuple:
    v = c.values
    mos = v.get("dnsmos_ovrl", v.get("utmos", 5.0))
    return (-len(c.violations), -float(v.get("cer", 0.0) or 0.0), float(mos), float(v.get("snr_db", 100.0)))


def _group_table(result: CheckResult, attr: str, label: str) -> str:
    groups: dict[str, list] = defaultdict(list)
    for c in result.clips:
        if c.line is None:
            groups[str(c.values.get(attr) or "(none)")].append(c)
    keys = [k for k in _TABLE_KEYS if any(isinstance(c.values.get(k), (int, float)) for c in result.clips)]
    head = "".join(f"<th>mean {k}</th>" for k in keys)
    rows = []
    for name, cs in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        kept = [c for c in cs if c.kept]
        hours = sum(float(c.values.get("file_duration", c.values.get("duration", 0.0)) or 0.0) for c in kept) / 3600
        means = []
        for k in keys:
            vals = [float(c.values[k]) for c in cs if isinstance(c.values.get(k), (int, float))]
            means.append(f"<td class=num>{_fmt(float(np.mean(vals))) if vals else '–'}</td>")
        rows.append(f"<tr><td>{_esc(name)}</td><td class=num>{len(cs)}</td><td class=num>{len(kept)}</td>"
                    f"<td class=num>{len(cs) - len(kept)}</td><td class=num>{hours:.3f}</td>{''.join(means)}</tr>")
    return (f"<table><tr><th>{label}</th><th>clips</th><th>kept</th><th>rejected</th><th>kept hours</th>{head}</tr>"
            + "".join(rows) + "</table>")


#: Clips named per corpus rule in the report (the count is always complete).
FINDING_CLIPS = 30


def _finding_clips(f: Any) -> str:
    """The corpus-rules table's clips cell: how many clips the rule concerns and the first of them."""
    if not f.clips:
        return "–"
    shown = ", ".join(f.clips[:FINDING_CLIPS]) + (" …" if len(f.clips) > FINDING_CLIPS else "")
    return f"{len(f.clips)}: {_esc(shown)}"


def _clip_block(c: ClipResult, n: int, out_dir: Path) -> str:
    from .audio import save_wav
    from .errors import SynthkitError
    from .quality.signal import read_clip

    reasons = "".join(f"<li>[{_esc(v.rule)}] {_esc(v.why)}</li>" for v in c.violations) or "<li>kept</li>"
    vals = ", ".join(f"{_esc(k)}={_esc(_fmt(v))}" for k, v in c.values.items()
                     if isinstance(v, (int, float)) and not isinstance(v, bool))
    texts = "".join(f"<div><b>{k}</b>: {_esc(c.values[k])}</div>" for k in ("text", "asr_text", "phone_text")
                    if c.values.get(k))
    media = "<p><i>no audio file</i></p>"
    if c.audio:
        try:
            clip = read_clip(c.audio)
        except SynthkitError as exc:
            media = f"<p><i>audio not playable: {_esc(exc)}</i></p>"
        else:
            x = clip.samples[: int(AUDIO_SECONDS * clip.sample_rate)]
            rel = f"{AUDIO_DIR}/clip{n:03d}.wav"
            save_wav(out_dir / rel, np.clip(x, -1.0, 1.0), clip.sample_rate)
            img = _spectrogram(x, clip.sample_rate, c.id)
            media = (f'<img src="{img}" alt="spectrogram of {_esc(c.id)}" class="spec">'
                     f'<audio controls preload="metadata" src="{rel}"></audio>')
    return (f'<div class="clip"><h3>{_esc(c.id)}</h3><ul>{reasons}</ul>{texts}<div><small>{vals}</small></div>'
            f"{media}</div>")


def write_report(result: CheckResult, out_dir: str | os.PathLike) -> Path:
    """Write ``out_dir/index.html`` (+ ``out_dir/audio/``); returns the page's path."""
    from .quality.policy import describe_clip_rules

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / AUDIO_DIR).mkdir(exist_ok=True)
    for old in (out / AUDIO_DIR).glob("clip*.wav"):
        old.unlink()
    n = len(result.clips)
    rej = result.rejected
    verdict = '<span class="pass">PASS</span>' if result.passed else '<span class="fail">FAIL</span>'
    parts = [f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>synthkit check — "
             f"{_esc(Path(result.manifest).name)}</title><style>{_CSS}</style></head><body>",
             f"<h1>synthkit check: {verdict}</h1>",
             f"<p><code>{_esc(result.manifest)}</code> — {_esc(result.policy.source)}<br>{n} rows, "
             f"{n - len(rej)} kept, {len(rej)} rejected; kept audio {result.kept_hours:.3f} h</p>"]
    if result.on_render:
        from .quality.check import on_render_note

        note = on_render_note(result)
        parts.append(f'<p class="note">{_esc(note[:1].upper() + note[1:])}.</p>')
    statuses = result.rule_statuses()
    skipped = [st for st in statuses if st.state == "not judged"]
    if skipped:
        parts.append('<p class="note"><b>Not judged</b> (no row had the key, so these rules neither passed nor '
                     "failed; <code>required: true</code> in a policy makes them fail): "
                     + "; ".join(f"<b>{_esc(st.rule)}</b> — {_esc(st.why_not())}" for st in skipped) + "</p>")
    parts.append("<h2>Corpus rules</h2><table><tr><th>rule</th><th>result</th><th>detail</th><th>clips</th></tr>")
    for f in result.findings:
        parts.append(f"<tr><td>{_esc(f.rule)}</td><td class={'pass' if f.ok else 'fail'}>{'ok' if f.ok else 'FAIL'}"
                     f"</td><td>{_esc(f.detail)}</td><td>{_finding_clips(f)}</td></tr>")
    parts.append("</table>")
    descriptions = dict(describe_clip_rules(result.policy.clip))
    parts.append("<h2>Per-clip rules</h2><table><tr><th>rule</th><th>meaning</th><th>result</th><th>rejected</th>"
                 "<th>judged</th><th>not judged: why</th></tr>")
    labels = {"failed": ("fail", "FAIL"), "passed": ("pass", "ok"), "not judged": ("skip", "not judged")}
    for st in statuses:
        cls, word = labels[st.state]
        parts.append(f"<tr><td>{_esc(st.rule)}</td><td>{_esc(descriptions.get(st.rule, ''))}</td>"
                     f"<td class={cls}>{word}</td><td class=num>{st.rejected}</td>"
                     f"<td class=num>{st.judged} of {st.rows}</td><td>{_esc(st.why_not()) or '–'}</td></tr>")
    parts.append("</table>")
    parts.append('<h2>Distributions</h2><div class="hist">')
    drawn = 0
    for title, keys in HISTOGRAMS:
        for key in keys:
            vals = [float(c.values[key]) for c in result.clips
                    if isinstance(c.values.get(key), (int, float)) and math.isfinite(float(c.values[key]))]
            if vals:
                k = result.on_render.get(key, 0)
                img = _histogram(title, key, vals, _limits(result, key), f"; {k} on the rendering" if k else "")
                parts.append(f'<img src="{img}" alt="histogram of {_esc(key)}" class="histogram">')
                drawn += 1
                break
    if not drawn:
        parts.append("<p>No scores to plot.</p>")
    parts.append("</div>")
    parts.append("<h2>Per speaker</h2>" + _group_table(result, "speaker", "speaker"))
    parts.append("<h2>Per language</h2>" + _group_table(result, "language", "language"))
    worst = sorted((c for c in result.clips if c.line is None), key=_severity)[:WORST_CLIPS]
    parts.append(f"<h2>Worst clips ({len(worst)})</h2>")
    parts += [_clip_block(c, i, out) for i, c in enumerate(worst)]
    if rej:
        parts.append(f"<h2>All rejected rows ({len(rej)})</h2><table><tr><th>id</th><th>reasons</th></tr>")
        for c in rej[:2000]:
            parts.append(f"<tr><td>{_esc(c.id)}</td><td>{_esc('; '.join(v.why for v in c.violations))}</td></tr>")
        parts.append("</table>" + ("<p>… (first 2000 shown)</p>" if len(rej) > 2000 else ""))
    parts.append("</body></html>")
    page = out / REPORT_NAME
    tmp = out / f".{REPORT_NAME}.tmp"
    tmp.write_text("\n".join(parts), encoding="utf-8")
    os.replace(tmp, page)
    return page
