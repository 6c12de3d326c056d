"""`synthkit export`: each format is loaded by the library that consumes it (lhotse, Hugging Face
`datasets`, coqui-tts' formatters, lhotse's Kaldi import), with deterministic and speaker-disjoint
splits, resampling, and extra keys carried where the format has room for them.

Corpora: a Swahili corpus made by `synthkit synth` (espeak-ng, many voices = speakers), real
LJSpeech clips (22.05 kHz FLAC with text) and real LibriSpeech clips cut into segments (NeMo-style
`offset` rows) from ../shared.
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import io

from synthkit.audio import float_to_int16, int16_to_float, load
from synthkit.export import ExportConfig, export_manifest, parse_split
from synthkit.export.kaldi import KaldiWriter
from synthkit.manifest import ManifestWriter, read_manifest
from synthkit.synth import SynthConfig, synthesize_corpus
from synthkit.augment import load_augment

from .conftest import LIBRISPEECH, LJSPEECH, SW_TEXT, require_shared

SPLIT = "train=0.8,dev=0.1,test=0.1"
N_SENTENCES, VOICES = 20, 3
SCORE_KEYS = ("cer", "mos", "passed")


# --- corpora ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sw(tmp_path_factory) -> Path:
    """A synthkit corpus (60 clips, 16 kHz) whose rows also carry score keys and a nested key, the way
    rows look after `synthkit score`."""
    d = tmp_path_factory.mktemp("sw")
    text = d / "text.txt"
    text.write_text("\n".join(SW_TEXT.read_text(encoding="utf-8").splitlines()[:N_SENTENCES]) + "\n",
                    encoding="utf-8")
    synthesize_corpus(SynthConfig(language="sw", text_path=text, out_dir=d / "corpus", voices=VOICES,
                                  augment=load_augment("none"), progress=False))
    scored = d / "corpus" / "scored.jsonl"
    with ManifestWriter(scored, resume=False) as w:
        for i, u in enumerate(read_manifest(d / "corpus" / "manifest.jsonl")):
            w.write(u.with_fields(cer=round(0.01 * (i % 7), 2), mos=3.0 + (i % 5) / 4, passed=i % 4 != 0,
                                  checks={"clipping": i % 3 == 0}))
    return scored


def _lj_rows(n: int) -> list[dict]:
    rows = []
    with open(LJSPEECH / "metadata.csv", encoding="utf-8") as f:
        for line in list(f)[:n]:
            uid, _, norm = line.rstrip("\n").split("|")
            path = LJSPEECH / "wavs" / f"{uid}.flac"
            rows.append({"id": uid, "audio_filepath": str(path), "duration": sf.info(str(path)).duration,
                         "text": norm, "language": "eng", "speaker": "LJ", "mos": 4.2})
    return rows


@pytest.fixture(scope="module")
def lj(tmp_path_factory) -> Path:
    """12 real LJSpeech clips (22.05 kHz FLAC, one speaker), audio referenced by absolute path."""
    require_shared()
    m = tmp_path_factory.mktemp("lj") / "manifest.jsonl"
    with ManifestWriter(m, resume=False) as w:
        w.write_all(_lj_rows(12))
    return m


@pytest.fixture(scope="module")
def segs(tmp_path_factory) -> Path:
    """6 real LibriSpeech recordings, each cut into two segments by `offset` (no transcripts)."""
    require_shared()
    m = tmp_path_factory.mktemp("segs") / "manifest.jsonl"
    files = sorted((LIBRISPEECH / "librispeech_train-clean-100").glob("*.flac"))[:6]
    with ManifestWriter(m, resume=False) as w:
        for f in files:
            dur = sf.info(str(f)).duration
            half = round(dur / 2, 3)
            spk = f.stem.split("-")[0]
            w.write({"id": f"{f.stem}_a", "audio_filepath": str(f), "offset": 0.0, "duration": half,
                     "speaker": spk, "language": "eng", "snr": 30.5})
            w.write({"id": f"{f.stem}_b", "audio_filepath": str(f), "offset": half, "duration": round(dur - half, 3),
                     "speaker": spk, "language": "eng", "snr": 28.0})
    return m


def export(manifest, fmt, out, **kw):
    split = kw.pop("split", None)
    return export_manifest(ExportConfig(Path(manifest), fmt, Path(out), split=parse_split(split), **kw))


def rows_of(manifest) -> dict:
    return {u.id: u for u in read_manifest(manifest)}


def source_audio(manifest, uid, sr=None) -> np.ndarray:
    """The audio a row stands for, read independently of the exporter."""
    u = rows_of(manifest)[uid]
    x, file_sr = load(u.audio_path(Path(manifest).parent))
    off = u.get("offset")
    if off is not None:
        x = x[int(round(off * file_sr)):int(round((off + u.duration) * file_sr))]
    if sr and sr != file_sr:
        from synthkit.audio import resample
        x = resample(x, file_sr, sr)
    return x


def pcm16(x: np.ndarray) -> np.ndarray:
    """``x`` as the exporter stores it: rounded and clipped to 16-bit PCM."""
    return int16_to_float(float_to_int16(x))


def as_float(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32).reshape(-1)
    return x


# --- lhotse ------------------------------------------------------------------------------------------

def test_lhotse_manifests_load_in_lhotse_with_scores_and_speaker_disjoint_splits(sw, tmp_path):
    from lhotse import CutSet, RecordingSet, SupervisionSet
    from lhotse.qa import validate, validate_recordings_and_supervisions

    out = tmp_path / "lhotse"
    summary = export(sw, "lhotse", out, split=SPLIT, split_by="speaker", shar=True)
    src = rows_of(sw)
    speakers_by_split = {}
    n = 0
    for split in ("train", "dev", "test"):
        recs = RecordingSet.from_file(out / f"recordings_{split}.jsonl.gz")
        sups = SupervisionSet.from_file(out / f"supervisions_{split}.jsonl.gz")
        cuts = CutSet.from_file(out / f"cuts_{split}.jsonl.gz")
        validate_recordings_and_supervisions(recs, sups)
        validate(cuts, read_data=True)
        assert len(cuts) == len(sups) == summary.splits[split]["utterances"] > 0
        speakers_by_split[split] = {s.speaker for s in sups}
        for cut in cuts:
            sup = cut.supervisions[0]
            row = src[cut.id]
            assert sup.text == row.text and sup.speaker == row["speaker"] and sup.language == "swa"
            for k in SCORE_KEYS:
                assert sup.custom[k] == row[k]
            assert sup.custom["phonemes"] == row["phonemes"] and sup.custom["checks"] == row["checks"]
            audio = cut.load_audio()
            assert cut.sampling_rate == 16000
            np.testing.assert_array_equal(as_float(audio), source_audio(sw, cut.id))
            n += 1
    assert n == len(src) == 60
    # speaker-disjoint
    assert not (speakers_by_split["train"] & speakers_by_split["dev"])
    assert not (speakers_by_split["train"] & speakers_by_split["test"])
    assert not (speakers_by_split["dev"] & speakers_by_split["test"])
    # Shar: self-contained shards lhotse reads back with the audio inside
    shar = CutSet.from_shar(in_dir=out / "shar" / "dev")
    shar_cuts = list(shar)
    assert len(shar_cuts) == summary.splits["dev"]["utterances"]
    for c in shar_cuts:
        np.testing.assert_array_equal(as_float(c.load_audio()), source_audio(sw, c.id))


def test_lhotse_segments_point_into_their_recordings(segs, tmp_path):
    from lhotse import CutSet, RecordingSet

    out = tmp_path / "lhotse"
    export(segs, "lhotse", out, sample_rate=8000)
    recs = RecordingSet.from_file(out / "recordings_train.jsonl.gz")
    cuts = CutSet.from_file(out / "cuts_train.jsonl.gz")
    assert len(recs) == 6 and len(cuts) == 12  # two segments share each recording
    src = rows_of(segs)
    for cut in cuts:
        row = src[cut.id]
        assert cut.sampling_rate == 8000 and cut.recording.sampling_rate == 8000
        assert abs(cut.start - row["offset"]) < 1e-6 and abs(cut.duration - row.duration) < 1e-3
        assert cut.supervisions[0].custom["snr"] == row["snr"]
        x = as_float(cut.load_audio())
        ref = source_audio(segs, cut.id, sr=8000)
        # the exporter resampled the whole recording, the reference only the segment: compare the middle
        m = min(x.size, ref.size)
        core = slice(200, m - 200)
        assert abs(x.size - ref.size) <= 2
        assert np.corrcoef(x[core], ref[core])[0, 1] > 0.999


# --- Hugging Face datasets ------------------------------------------------------------------------------

def test_hf_dataset_loads_in_datasets_with_audio_feature(sw, tmp_path):
    import datasets

    out = tmp_path / "hf"
    summary = export(sw, "hf", out, split=SPLIT, sample_rate=22050, workers=2)
    ds = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "hf-cache"))
    assert set(ds) == {"train", "dev", "test"}
    assert isinstance(ds["train"].features["audio"], datasets.Audio)
    assert ds["train"].features["audio"].sampling_rate == 22050
    assert ds["train"].features["cer"].dtype == "float64" and ds["train"].features["passed"].dtype == "bool"
    src = rows_of(sw)
    seen = set()
    for split in ds:
        assert ds[split].num_rows == summary.splits[split]["utterances"]
        # the Audio feature decodes through torchcodec (needs FFmpeg); read the encoded bytes instead
        raw = ds[split].cast_column("audio", datasets.Audio(decode=False))
        for ex in raw:
            row = src[ex["id"]]
            assert ex["text"] == row.text and ex["speaker"] == row["speaker"] and ex["language"] == "swa"
            assert ex["cer"] == row["cer"] and ex["mos"] == row["mos"] and ex["passed"] == row["passed"]
            assert json.loads(ex["checks"]) == row["checks"] and ex["phonemes"] == row["phonemes"]
            x, sr = sf.read(io.BytesIO(ex["audio"]["bytes"]), dtype="float32")
            assert sr == 22050
            np.testing.assert_array_equal(x, pcm16(source_audio(sw, ex["id"], sr=22050)))
            assert abs(ex["duration"] - x.size / sr) < 1e-9
            seen.add(ex["id"])
    assert seen == set(src)
    # and decoded by datasets itself (torchcodec, with FFmpeg's libraries that ./setup.sh installs)
    ex = ds["train"][0]
    decoded = ex["audio"].get_all_samples() if hasattr(ex["audio"], "get_all_samples") else ex["audio"]
    data = decoded.data.numpy()[0] if hasattr(decoded, "data") else np.asarray(decoded["array"])
    rate = decoded.sample_rate if hasattr(decoded, "sample_rate") else decoded["sampling_rate"]
    assert rate == 22050
    np.testing.assert_allclose(data, pcm16(source_audio(sw, ex["id"], sr=22050)), atol=1e-6)


def test_hf_segments_become_clips(segs, tmp_path):
    import datasets

    out = tmp_path / "hf"
    export(segs, "hf", out)
    ds = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "hf-cache"))["train"]
    raw = ds.cast_column("audio", datasets.Audio(decode=False))
    assert raw.num_rows == 12
    for ex in raw:
        x, sr = sf.read(io.BytesIO(ex["audio"]["bytes"]), dtype="float32")
        ref = source_audio(segs, ex["id"])
        assert sr == 16000 and x.size == ref.size
        np.testing.assert_array_equal(x, pcm16(ref))


# --- coqui-tts (LJSpeech layout) -------------------------------------------------------------------------

def test_ljspeech_single_speaker_loads_with_coqui_ljspeech_formatter(lj, tmp_path):
    from TTS.tts.datasets.formatters import ljspeech

    out = tmp_path / "lj"
    export(lj, "ljspeech", out, split="train=0.75,dev=0.25", sample_rate=22050)
    items = ljspeech(str(out), "metadata.csv")
    train = ljspeech(str(out), "metadata_train.csv")
    dev = ljspeech(str(out), "metadata_dev.csv")
    assert len(items) == 12 and len(train) == 9 and len(dev) == 3
    assert {i["audio_file"] for i in train}.isdisjoint({i["audio_file"] for i in dev})
    src = {u.text: u for u in read_manifest(lj)}
    for it in items:
        row = src[it["text"].strip()]
        x, sr = sf.read(it["audio_file"], dtype="float32")
        assert sr == 22050 and Path(it["audio_file"]).stem == row.id
        np.testing.assert_array_equal(x, pcm16(source_audio(lj, row.id, sr=22050)))


def test_ljspeech_multi_speaker_loads_with_coqui_formatter_and_load_tts_samples(sw, tmp_path):
    from TTS.config.shared_configs import BaseDatasetConfig
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.datasets import load_tts_samples
    from TTS.tts.datasets.formatters import coqui

    out = tmp_path / "coqui"
    summary = export(sw, "ljspeech", out, split=SPLIT, split_by="speaker")
    items = coqui(str(out), "metadata.csv")
    src = rows_of(sw)
    assert len(items) == 60
    for it in items:
        row = src[Path(it["audio_file"]).stem]
        assert it["text"] == row.text and it["speaker_name"] == row["speaker"]
        assert sf.read(it["audio_file"])[0].size > 0
    # the split files plug into a coqui-tts training config as they are
    config = VitsConfig(datasets=[BaseDatasetConfig(formatter="coqui", path=str(out), meta_file_train="metadata_train.csv",
                                                    meta_file_val="metadata_dev.csv", language="sw")])
    config.model_args.use_speaker_embedding = True
    train, dev = load_tts_samples(config, eval_split=True)
    assert len(train) == summary.splits["train"]["utterances"] and len(dev) == summary.splits["dev"]["utterances"]
    assert not ({i["speaker_name"] for i in train} & {i["speaker_name"] for i in dev})


def test_ljspeech_rejects_rows_without_text_and_keeps_the_rest(sw, tmp_path):
    m = tmp_path / "m.jsonl"
    rows = list(read_manifest(sw))[:5]
    base = sw.parent
    with ManifestWriter(m, resume=False) as w:
        for i, u in enumerate(rows):
            u = u.with_fields(audio_filepath=str(u.audio_path(base)))
            w.write(u.with_fields(text="" if i == 1 else ("a | b" if i == 2 else u.text)))
    out = tmp_path / "lj"
    summary = export(m, "ljspeech", out)
    assert summary.splits["train"]["utterances"] == 3 and summary.rejects == 2
    reasons = [json.loads(line)["reasons"][0] for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert any("no text" in r for r in reasons) and any("'|'" in r for r in reasons)


# --- Kaldi / ESPnet ------------------------------------------------------------------------------------------

def _kaldi_sorted(path: Path) -> bool:
    keys = [line.split(" ", 1)[0].encode() for line in path.read_text(encoding="utf-8").splitlines()]
    return keys == sorted(keys)


def test_kaldi_folder_loads_with_lhotse_kaldi_import(sw, tmp_path):
    from lhotse import load_kaldi_data_dir

    out = tmp_path / "kaldi"
    summary = export(sw, "kaldi", out, split=SPLIT, split_by="speaker")
    src = rows_of(sw)
    spk_by_split = {}
    for split in ("train", "dev", "test"):
        d = out / split
        assert not (d / "segments").exists()
        for f in ("wav.scp", "text", "utt2spk", "spk2utt"):
            assert _kaldi_sorted(d / f), f
        # utt2spk sorted by speaker is the same file (Kaldi's validate_data_dir.sh check)
        lines = (d / "utt2spk").read_text().splitlines()
        assert sorted(lines, key=lambda s: (s.split()[1].encode(), s.split()[0].encode())) == lines
        recs, sups, _ = load_kaldi_data_dir(d, sampling_rate=16000)
        assert len(recs) == len(sups) == summary.splits[split]["utterances"]
        spk_by_split[split] = {s.speaker for s in sups}
        for sup in sups:
            spk = KaldiWriter.speaker_id(src_speaker := sup.speaker)
            assert spk == src_speaker and sup.id.startswith(spk + "-")
            uid = sup.id[len(spk) + 1:]
            row = src[uid]
            assert sup.text == row.text and sup.speaker == KaldiWriter.speaker_id(row["speaker"])
            assert sup.language == "swa"
            x = as_float(recs[sup.recording_id].load_audio())
            np.testing.assert_array_equal(x, source_audio(sw, uid))
    assert not (spk_by_split["train"] & spk_by_split["dev"]) and not (spk_by_split["train"] & spk_by_split["test"])


def test_kaldi_segments_load_with_lhotse_kaldi_import(segs, tmp_path):
    from lhotse import load_kaldi_data_dir

    out = tmp_path / "kaldi"
    export(segs, "kaldi", out)
    d = out / "train"
    assert (d / "segments").exists() and len((d / "wav.scp").read_text().splitlines()) == 6
    recs, sups, _ = load_kaldi_data_dir(d, sampling_rate=16000)
    assert len(recs) == 6 and len(sups) == 12
    src = rows_of(segs)
    for sup in sups:
        row = src[sup.id]  # LibriSpeech ids already start with "<speaker>-"
        assert abs(sup.start - row["offset"]) < 1e-3 and abs(sup.duration - row.duration) < 1e-3
        assert sup.speaker == row["speaker"]
        rec = recs[sup.recording_id]
        x = as_float(rec.load_audio(offset=sup.start, duration=sup.duration))
        ref = source_audio(segs, row.id)
        m = min(x.size, ref.size)
        assert abs(x.size - ref.size) <= 2 and np.array_equal(x[:m], ref[:m])


# --- NeMo ------------------------------------------------------------------------------------------------------

def test_nemo_jsonl_per_split_carries_every_key(sw, segs, tmp_path):
    out = tmp_path / "nemo"
    summary = export(sw, "nemo", out, split=SPLIT)
    src = rows_of(sw)
    seen = []
    for split in ("train", "dev", "test"):
        lines = (out / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == summary.splits[split]["utterances"]
        for line in lines:
            row = json.loads(line)
            assert list(row)[:3] == ["audio_filepath", "duration", "text"]
            path = out / row["audio_filepath"]  # NeMo resolves relative paths against the manifest's folder
            assert path.read_bytes() == src[row["id"]].audio_path(sw.parent).read_bytes()  # 16-bit WAV: copied
            assert abs(row["duration"] - sf.info(str(path)).duration) < 1e-6
            for k, v in src[row["id"]].fields.items():
                assert row[k] == v, k
            seen.append(row["id"])
    assert sorted(seen) == sorted(src)
    # segments keep NeMo's offset
    out2 = tmp_path / "nemo-segs"
    export(segs, "nemo", out2, sample_rate=16000)
    rows = [json.loads(x) for x in (out2 / "train.jsonl").read_text().splitlines()]
    assert len(rows) == 12 and len({r["audio_filepath"] for r in rows}) == 6
    assert all("offset" in r for r in rows) and rows[1]["offset"] == rows[0]["duration"]


def nemo_collections():
    """NeMo's own manifest reader: ``ASRAudioText`` is what NeMo's ASR datasets build their index
    from. NeMo's package __init__ files pull in its training stack (Lightning, telemetry), which is
    not installed, so the parsing modules are imported below empty parent packages."""
    import importlib.util
    import sys
    import types

    spec = importlib.util.find_spec("nemo")
    if spec is None:
        pytest.fail("nemo_toolkit is missing: ./setup.sh installs it (without its training dependencies)")
    root = Path(spec.submodule_search_locations[0]) / "collections"
    for name, sub in (("nemo.collections", ""), ("nemo.collections.common", "common"),
                      ("nemo.collections.common.parts", "common/parts"),
                      ("nemo.collections.common.parts.preprocessing", "common/parts/preprocessing")):
        if name not in sys.modules:
            pkg = types.ModuleType(name)
            pkg.__path__ = [str(root / sub)]
            sys.modules[name] = pkg
    from nemo.collections.common.parts.preprocessing import collections

    return collections


def test_nemo_manifests_load_in_nemo(sw, tmp_path):
    out = tmp_path / "nemo"
    summary = export(sw, "nemo", out, split=SPLIT)
    collections = nemo_collections()
    src = rows_of(sw)
    for split in ("train", "dev", "test"):
        data = collections.ASRAudioText(manifests_files=str(out / f"{split}.jsonl"), parser=list)
        assert len(data) == summary.splits[split]["utterances"]
        ids = [json.loads(x)["id"] for x in (out / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]
        for uid, entity in zip(ids, data):  # NeMo keeps manifest order
            assert Path(entity.audio_file).is_file()  # NeMo resolved the path against the manifest's folder
            assert abs(entity.duration - sf.info(entity.audio_file).duration) < 1e-6
            assert entity.text_raw == src[uid].text and entity.lang == src[uid].get("lang")


# --- splits, resampling, settings -----------------------------------------------------------------------------

def test_splits_are_deterministic_and_seeded(sw, tmp_path):
    def split_of(out):
        return {s: sorted(json.loads(x)["id"] for x in (out / f"{s}.jsonl").read_text().splitlines())
                for s in ("train", "dev", "test")}

    a = split_of(_nemo(sw, tmp_path / "a", seed=1))
    b = split_of(_nemo(sw, tmp_path / "b", seed=1, workers=2))
    c = split_of(_nemo(sw, tmp_path / "c", seed=2))
    assert a == b and a != c
    assert [len(a[s]) for s in ("train", "dev", "test")] == [48, 6, 6]


def _nemo(m, out, **kw):
    export(m, "nemo", out, split=SPLIT, **kw)
    return out


def test_cli_export_and_refusals(sw, tmp_path, cli):
    out = tmp_path / "o"
    res = cli("export", str(sw), "--format", "nemo", "--out", str(out), "--split", SPLIT, "--quiet", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["splits"]["train"]["utterances"] == 48
    assert json.loads((out / "export.json").read_text())["complete"] is True
    # the same command again is fine; another export into the same folder is refused
    assert cli("export", str(sw), "--format", "nemo", "--out", str(out), "--split", SPLIT, "--quiet").exit_code == 0
    res = cli("export", str(sw), "--format", "kaldi", "--out", str(out), "--quiet")
    assert res.exit_code == 2 and "another export" in res.stderr
    for bad in (["--split", "train=0.9,dev=0.2"], ["--split", "train"], ["--sample-rate", "100"],
                ["--shar"]):
        res = cli("export", str(sw), "--format", "nemo", "--out", str(tmp_path / "x"), *bad)
        assert res.exit_code == 2 and res.stderr.startswith("synthkit: error:"), (bad, res.output)
    res = cli("export", str(sw), "--format", "nemo", "--out", str(tmp_path / "y"), "--split", "a=0.5,b=0.5",
              "--split-by", "speaker")
    assert res.exit_code == 0


def test_speaker_split_of_a_voices_3_corpus_warns_that_sentences_cross_and_auto_splits_by_text(sw, tmp_path, cli):
    """The issue's case: a corpus made with --voices 3, split by speaker, had test sentences in train too
    with no word said. Now the export says so (one line on stderr and in export.json), and the default
    (auto) keeps every sentence, with all its renditions, in one split."""
    texts = {u.id: u.text for u in read_manifest(sw)}  # every rendition of a sentence has its text

    def sentences_by_split(out):
        rows = {}
        for name in ("train", "dev", "test"):
            for line in (out / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
                rows.setdefault(name, set()).add(texts[json.loads(line)["id"]])
        return rows

    out = tmp_path / "by_speaker"
    res = cli("export", str(sw), "--format", "nemo", "--out", str(out), "--split", SPLIT, "--split-by", "speaker",
              "--quiet")
    assert res.exit_code == 0, res.output
    s = sentences_by_split(out)
    assert s["test"] & s["train"]  # the leak is real on this corpus...
    warned = [line for line in res.stderr.splitlines() if "warning" in line]
    assert len(warned) == 1 and "share" in warned[0] and "sentence(s)" in warned[0], res.stderr  # ...and said
    assert "split by speaker" in res.stdout
    assert json.loads((out / "export.json").read_text())["warnings"] == [warned[0].split("warning: ", 1)[1]]

    out = tmp_path / "auto"
    res = cli("export", str(sw), "--format", "nemo", "--out", str(out), "--split", SPLIT, "--quiet")
    assert res.exit_code == 0, res.output
    assert "split by text (auto: 20 sentence(s) occur in several rows (60 rows)" in res.stdout
    s = sentences_by_split(out)
    assert not (s["train"] & s["dev"]) and not (s["train"] & s["test"]) and not (s["dev"] & s["test"])
    assert sum(len(v) for v in s.values()) == N_SENTENCES
    warned = [line for line in res.stderr.splitlines() if "warning" in line]
    assert len(warned) == 1 and "speaker(s)" in warned[0]  # voices are shared: said, not hidden
    assert json.loads((out / "export.json").read_text())["split_by"] == "text"


def test_doctor_reports_export_and_ray_packages(cli):
    res = cli("doctor", "--json")
    assert res.exit_code == 0, res.output
    checks = {c["name"]: c for c in json.loads(res.stdout)}
    for name in ("lhotse", "datasets", "ray"):
        assert checks[name]["ok"], checks[name]
    assert "torchcodec (FFmpeg)" in checks  # present or not, doctor says how HF audio decodes
