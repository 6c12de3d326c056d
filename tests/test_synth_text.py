"""`synthkit synth` writes what is said: ``text`` is the spoken form, the G2P (and the voice) read exactly
it, ``text_original`` keeps the line as written, and blank lines are counted, never rows."""

import json
import re

import pytest

from synthkit.languages import resolve
from synthkit.manifest import read_manifest
from synthkit.synth import regenerate
from synthkit.text.g2p import make_g2p
from synthkit.text.ipa import join_words

LINES = {
    "en-us": ["It costs $45.99 on March 3rd.", "", "Meet me at 10:30.", "   ", "Call 0712 345 678 now.",
              "I ❤️ you", "Great job! 👍", ""],
    "sw": ["Tukutane saa 3:30.", "", "Piga 0712 345 678.", "Nililipa KSh 1,500.", "\t"],
}
SPOKEN = {
    "en-us": {1: "It costs forty-five dollars and ninety-nine cents on March third.",
              3: "Meet me at ten thirty.",
              5: "Call zero seven one two three four five six seven eight now.",
              7: "Great job!"},
    "sw": {1: "Tukutane saa tatu na nusu.",
           3: "Piga sifuri saba moja mbili tatu nne tano sita saba nane.",
           4: "Nililipa shilingi elfu moja mia tano."},
}
REJECTED = {"en-us": {6: "emoji"}, "sw": {}}
BLANK = {"en-us": 3, "sw": 2}


@pytest.mark.parametrize("lang", ["en-us", "sw"])
def test_rows_carry_the_spoken_text_the_g2p_read(cli, tmp_path, lang):
    src = tmp_path / f"{lang}.txt"
    src.write_text("\n".join(LINES[lang]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    res = cli("synth", "--lang", lang, "--text", str(src), "--out", str(out), "--augment", "none", "--quiet",
              "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    rows = list(read_manifest(out / "manifest.jsonl"))
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["line"]: r.text for r in rows} == SPOKEN[lang]
    assert {r["line"] for r in rejects} == set(REJECTED[lang])
    for r in rejects:
        assert REJECTED[lang][r["line"]] in r["reason"]
    g2p = make_g2p(resolve(lang).g2p)
    for r in rows:
        assert r["text_original"] == LINES[lang][r["line"] - 1]  # the line as written
        assert r["phonemes"] == join_words(g2p.phonemize(r.text))  # the G2P read `text`, nothing else
        assert not re.search(r"[0-9$%:]", r.text)
    # the audio is made from `text` too: re-rendering the row from its text alone gives the same bytes
    first = rows[0]
    assert regenerate(first, tmp_path / "again.wav").read_bytes() == (out / first.audio_filepath).read_bytes()
    # blank lines: counted in the summary, nowhere as rows
    blank_lines = {k + 1 for k, line in enumerate(LINES[lang]) if not line.strip()}
    assert summary["blank_lines"] == BLANK[lang] == len(blank_lines)
    assert json.loads((out / "summary.json").read_text())["blank_lines"] == BLANK[lang]
    assert not blank_lines & ({r["line"] for r in rows} | {r["line"] for r in rejects})
    assert summary["clips"] + summary["rejects"] + summary["blank_lines"] == len(LINES[lang])


def test_printed_summary_counts_blank_lines(cli, tmp_path):
    src = tmp_path / "t.txt"
    src.write_text("Habari ya asubuhi.\n\n\nAsante sana.\n", encoding="utf-8")
    res = cli("synth", "--lang", "sw", "--text", str(src), "--out", str(tmp_path / "o"), "--augment", "none",
              "--quiet")
    assert res.exit_code == 0, res.output
    assert "2 clips" in res.stdout and "2 blank lines skipped" in res.stdout
