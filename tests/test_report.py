"""The HTML report of `synthkit check --report`: self-contained, and rendered by headless Chromium with its
plots decoded and its audio players loaded, with no network."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from synthkit.quality.check import run_check
from synthkit.quality.policy import load_policy
from synthkit.report import write_report

from .conftest import ROOT
from .quality_corpus import BAD_CLIPS, build_corpus

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Appended to a copy of the report (the report itself carries no script): on load, writes every image's
# decoded size and every audio element's loaded duration into the DOM, which --dump-dom then prints.
PROBE = """<script>
window.addEventListener("load", function () {
  var res = {images: [], audio: []};
  Array.prototype.forEach.call(document.images, function (i) {
    res.images.push({alt: i.alt, complete: i.complete, width: i.naturalWidth, height: i.naturalHeight});
  });
  var audios = Array.prototype.slice.call(document.querySelectorAll("audio"));
  var pending = audios.length;
  function done() {
    var out = document.createElement("pre");
    out.id = "render-check";
    out.textContent = JSON.stringify(res);
    document.body.appendChild(out);
  }
  if (!pending) { done(); return; }
  audios.forEach(function (a) {
    function fin(ok) { res.audio.push({src: a.getAttribute("src"), ok: ok, duration: a.duration});
                       if (--pending === 0) done(); }
    if (a.readyState >= 1) { fin(true); return; }
    a.addEventListener("loadedmetadata", function () { fin(true); }, {once: true});
    a.addEventListener("error", function () { fin(false); }, {once: true});
    a.load();
  });
});
</script>"""


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    manifest = build_corpus(root / "corpus", n_good=4, bad=True)
    policy = load_policy(ROOT / "recipes" / "ci_gate" / "policy.yaml")  # includes DNSMOS: a MOS histogram
    result = run_check(manifest, policy, workers=1)
    page = write_report(result, root / "report")
    return page, result


@pytest.mark.slow
def test_report_is_self_contained(report):
    page, result = report
    html = page.read_text(encoding="utf-8")
    p = _Tags()
    p.feed(html)
    imgs = [a for t, a in p.tags if t == "img"]
    audios = [a for t, a in p.tags if t == "audio"]
    assert not [t for t, _ in p.tags if t in ("script", "link", "iframe")]
    assert all(a["src"].startswith("data:image/png;base64,") for a in imgs)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # nothing fetched from anywhere
    hists = {a["alt"] for a in imgs if a["alt"].startswith("histogram of ")}
    assert hists >= {"histogram of dnsmos_ovrl", "histogram of cer", "histogram of snr_db", "histogram of duration"}
    specs = {a["alt"].removeprefix("spectrogram of ") for a in imgs if a["alt"].startswith("spectrogram of ")}
    assert set(BAD_CLIPS) - {"bad_truncated"} <= specs  # the worst clips, each with a spectrogram
    assert "audio not playable: truncated WAV file" in html  # ... and the unreadable one says why
    assert audios and all((page.parent / a["src"]).is_file() and not Path(a["src"]).is_absolute() for a in audios)
    assert "<h2>Per speaker</h2>" in html and "<h2>Per language</h2>" in html and "<td>LJ</td>" in html
    assert ">FAIL<" in html and "min_kept_fraction" in html


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.mark.slow
def test_report_renders_in_headless_chromium(report, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no chromium on PATH: ./setup.sh installs Debian's chromium with apt-get when run as root")
    page, _ = report
    probe = page.parent / "render-check.html"  # next to the report, so its relative audio links resolve
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    cmd = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=15000",
           "--dump-dom", probe.as_uri()]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)  # a hang guard; rendering is virtual time
    m = re.search(r'<pre id="render-check">(.*?)</pre>', res.stdout, re.S)
    assert m, (res.returncode, res.stdout[-2000:], res.stderr[-2000:])
    seen = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    n_img = page.read_text(encoding="utf-8").count("<img ")
    assert len(seen["images"]) == n_img >= 4 + len(BAD_CLIPS) - 1
    for img in seen["images"]:
        assert img["complete"] and img["width"] > 100 and img["height"] > 100, img  # decoded, not broken
    assert seen["audio"] and all(a["ok"] and a["duration"] > 0.5 for a in seen["audio"]), seen["audio"]
