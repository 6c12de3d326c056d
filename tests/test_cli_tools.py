import json


def test_languages_lists_g2p_and_voices(cli):
    res = cli("languages", "--json")
    assert res.exit_code == 0
    cov = json.loads(res.stdout)
    assert "sw" in cov["espeak_voices"] and "yor-Latn" in cov["epitran_maps"]
    assert len(cov["espeak_voices"]) > 100 and len(cov["epitran_maps"]) > 100
    mbrola = {v["name"]: v for v in cov["mbrola_voices"]}
    assert set(mbrola) == {"ar1", "ar2", "hb1", "hb2", "tr1", "tr2"} and mbrola["hb2"]["language"] == "he"
    assert all(v["installed"] for v in mbrola.values())  # ./setup.sh installs them
    assert all("non-commercial" in v["license"] for v in mbrola.values())


def test_languages_resolve(cli):
    res = cli("languages", "--resolve", "yo")
    assert res.exit_code == 0 and "epitran:yor-Latn" in res.stdout and "no native voice" in res.stdout
    assert "mbrola" not in res.stdout
    res = cli("languages", "--resolve", "ar")
    assert res.exit_code == 0 and "--backend mbrola (ar1, ar2)" in res.stdout


def test_doctor_reports_offline_default(cli):
    res = cli("doctor", "--json")
    assert res.exit_code == 0, res.output
    checks = {c["name"]: c for c in json.loads(res.stdout)}
    for name in ("espeak-ng", "phonemizer", "epitran", "audiomentations"):
        assert checks[name]["ok"], checks[name]
