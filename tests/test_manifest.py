import gzip
import json

import pytest

from synthkit.errors import SynthkitError
from synthkit.manifest import BadRow, ManifestWriter, Utterance, read_manifest


def rows(n, **extra):
    return [Utterance(f"u{i}", f"wavs/u{i}.wav", 1.0 + i, f"text {i}", {"speaker": "s", **extra}) for i in range(n)]


def test_unknown_keys_survive_round_trip(tmp_path):
    src = tmp_path / "in.jsonl"
    original = {"audio_filepath": "a.wav", "duration": 1.5, "text": "hi", "id": "x", "lang_tool_x": {"k": [1, 2]},
                "custom_score": 0.25, "offset": 0.0}
    src.write_text(json.dumps(original) + "\n")
    (utt,) = list(read_manifest(src))
    out = tmp_path / "out.jsonl"
    with ManifestWriter(out, resume=False) as w:
        w.write(utt.with_fields(new_key=1))
    back = json.loads(out.read_text())
    assert {k: back[k] for k in original} == original
    assert back["new_key"] == 1


def test_reader_is_lazy_and_reads_gzip(tmp_path):
    p = tmp_path / "m.jsonl.gz"
    with gzip.open(p, "wt", encoding="utf-8") as f:
        for r in rows(3):
            f.write(json.dumps(r.to_dict()) + "\n")
        f.write("{not json\n")
    it = read_manifest(p)
    assert next(it).id == "u0"  # a generator: the bad line further on has not been touched yet
    with pytest.raises(SynthkitError, match=r"m.jsonl.gz:4"):
        list(it)


def test_reader_yields_bad_rows_when_asked(tmp_path):
    p = tmp_path / "m.jsonl"
    p.write_text('{"id": "a", "audio_filepath": "a.wav"}\nnot json\n[1, 2]\n{"text": "no id, no audio"}\n\n'
                 '{"audio_filepath": "dir/b.wav"}\n')
    got = list(read_manifest(p, errors="yield"))
    assert [type(g).__name__ for g in got] == ["Utterance", "BadRow", "BadRow", "BadRow", "Utterance"]
    assert [g.line for g in got if isinstance(g, BadRow)] == [2, 3, 4]
    assert got[-1].id == "b"  # NeMo rows without id take the audio file's stem


def test_writer_resumes_and_drops_torn_line(tmp_path):
    p = tmp_path / "m.jsonl"
    with ManifestWriter(p) as w:
        for r in rows(3):
            w.write(r)
    with open(p, "a") as f:
        f.write('{"id": "u3", "audio_filep')  # what a SIGKILL mid-write leaves
    w = ManifestWriter(p)
    assert "u2" in w and "u3" not in w and len(w) == 3
    w.write(rows(4)[3])
    w.close()
    ids = [u.id for u in read_manifest(p)]
    assert ids == ["u0", "u1", "u2", "u3"]


def test_writer_resume_gz(tmp_path):
    p = tmp_path / "m.jsonl.gz"
    with ManifestWriter(p) as w:
        w.write(rows(1)[0])
    with ManifestWriter(p) as w:
        assert "u0" in w
        w.write(rows(2)[1])
    assert [u.id for u in read_manifest(p)] == ["u0", "u1"]


def test_nan_becomes_null(tmp_path):
    p = tmp_path / "m.jsonl"
    with ManifestWriter(p) as w:
        w.write(Utterance("a", fields={"score": float("nan")}))
    assert json.loads(p.read_text())["score"] is None


def test_with_fields_is_a_copy():
    u = rows(1)[0]
    v = u.with_fields(text="new", speaker=None, extra=2)
    assert u.text == "text 0" and u.get("speaker") == "s"
    assert v.text == "new" and "speaker" not in v and v["extra"] == 2


def test_dumps_row_plain_and_converted_values_give_the_same_line():
    """dumps_row serializes plain rows directly and converts the rest (NumPy values, NaN, paths); both
    paths write what the converting path alone wrote."""
    import numpy as np
    from pathlib import Path

    from synthkit.manifest import _jsonable, dumps_row

    plain = {"id": "a", "text": "Ḿbaʼa ŋ", "duration": 1.25, "n": 3, "ok": True, "none": None,
             "augment": [{"type": "gain", "should_apply": True, "gain_db": -3.5}], "tags": ("x", "y")}
    mixed = {**plain, "f32": np.float32(0.5), "f64": np.float64(2.0), "i": np.int64(7), "b": np.bool_(False),
             "nan": float("nan"), "inf": np.float64("inf"), "arr": np.arange(3), "path": Path("wavs/a.wav")}
    for d in (plain, mixed):
        assert dumps_row(d) == json.dumps(_jsonable(d), ensure_ascii=False, allow_nan=False)
    assert json.loads(dumps_row(mixed))["nan"] is None and json.loads(dumps_row(mixed))["i"] == 7
