"""Rules-file G2P for a language no G2P covers (Igbo), and its recipe."""

import subprocess

import pytest

from synthkit.errors import SynthkitError
from synthkit.manifest import read_manifest
from synthkit.text.ipa import join_words
from synthkit.text.normalize import Rejected
from synthkit.text.rules import RulesG2P

from .conftest import ROOT

IBO = ROOT / "recipes" / "igbo" / "ibo.rules"

IGBO = [
    ("Kedu ka ị mere", "k e d u | k a | ɪ | m e ɾ e"),
    ("Nne m", "n̩ n e | m"),  # syllabic nasal: word-initial before a consonant
    ("Mmiri", "m̩ m i ɾ i"),
    ("Ọ kpọrọ", "ɔ | k͡p ɔ ɾ ɔ"),  # labial-velar digraph
    ("ugbo", "u ɡ͡b o"),
    ("akwụkwọ", "a kʷ ʊ kʷ ɔ"),
    ("nwoke", "ŋʷ o k e"),
    ("anyị", "a ɲ ɪ"),
    ("n'ugbo", "n u ɡ͡b o"),  # the contraction's apostrophe is silent, n is not word-initial-before-C
    ("bụ́", "b ʊ́"),  # a tone mark is carried to the vowel
    ("Enugu", "e n u ɡ u"),  # lexicon
]


@pytest.mark.parametrize("text,phonemes", IGBO)
def test_igbo_rules(text, phonemes):
    assert join_words(RulesG2P(IBO).phonemize(text)) == phonemes


def test_uncovered_letter_rejects_sentence():
    with pytest.raises(Rejected, match="do not cover: 'q'"):
        RulesG2P(IBO).phonemize("Qatar")


def test_contexts_and_order(tmp_path):
    f = tmp_path / "x.rules"
    f.write_text("class V = a i u\nng -> ŋ\nn -> ŋ / _ [kg]\nn -> n\nk -> k\ng -> ɡ\na -> a\ni -> i\nu -> u\n"
                 "s -> z / @V _ @V\ns -> s\nh -> / # _\nh -> h\n", encoding="utf-8")
    g = RulesG2P(f)
    assert join_words(g.phonemize("nganka")) == "ŋ a ŋ k a"
    assert join_words(g.phonemize("asa sa")) == "a z a | s a"
    assert join_words(g.phonemize("haha")) == "a h a"


@pytest.mark.parametrize("content,msg", [
    ("a => b\n", "x.rules:1"),
    ("n -> ŋ / _ @Q\n", "unknown class"),
    ("lexicon missing.tsv\n", "cannot read lexicon"),
    ("# only a comment\n", "no rules"),
])
def test_bad_rules_files(tmp_path, content, msg):
    f = tmp_path / "x.rules"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(SynthkitError, match=msg):
        RulesG2P(f)


def test_igbo_recipe(tmp_path):
    res = subprocess.run(["bash", str(ROOT / "recipes" / "igbo" / "run.sh"), str(tmp_path / "ibo")],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert "rank" in res.stdout
    rows = list(read_manifest(tmp_path / "ibo" / "manifest.jsonl"))
    lines = len((ROOT / "recipes" / "igbo" / "text.txt").read_text(encoding="utf-8").splitlines())
    assert len(rows) == 2 * lines
    assert any("k͡p" in r["phonemes"] for r in rows)
    assert all(r["g2p"].startswith("rules:") and r["donor"] for r in rows)
