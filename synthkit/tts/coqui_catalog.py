"""coqui-tts's model catalogue and model licences, read without importing coqui-tts or torch.

* :func:`catalogue` — coqui's model list (``TTS/.models.json``, found without importing the package),
  name -> entry with its ``license``; MMS models (``tts_models/<iso639-3>/fairseq/vits``) are not
  listed there and are CC BY-NC 4.0.
* :func:`folder_license` — a local model folder's licence: a ``license`` key in its ``config.json``, a
  ``LICENSE*`` file in it, or the catalogue entry its name matches (coqui names download folders
  ``tts_models--<language>--<dataset>--<model>``); else :data:`UNKNOWN_LICENSE`.
* :func:`coverage`, :func:`doctor_check` — what ``synthkit languages`` and ``synthkit doctor`` show:
  every model with its licence (non-commercial ones marked) and the models already downloaded.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

PACKAGE = "coqui-tts"
EXTRA = "coqui"
MMS_NAME = "tts_models/{code}/fairseq/vits"
MMS_LICENSE = "CC BY-NC 4.0"
LICENSE_FILES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "license.txt", "LICENCE", "LICENCE.txt")
UNKNOWN_LICENSE = "unknown (local model; check its terms)"
#: Marks of non-commercial licences (shown as such by ``languages`` and ``doctor``).
NON_COMMERCIAL = ("cpml", "non-commercial", "noncommercial")  # and "NC" as a word (CC BY-NC)


def is_non_commercial(license: str) -> bool:
    low = license.lower()
    return any(m in low for m in NON_COMMERCIAL) or re.search(r"\bnc\b", low.replace("-", " ")) is not None


def license_label(license: str) -> str:
    return f"{license} (non-commercial)" if is_non_commercial(license) else license


# --- the catalogue (no coqui import) ------------------------------------------------------------

def _package_dir() -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec("TTS")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, Any]]:
    """coqui's model list (``TTS/.models.json``): name -> entry (with ``license``); {} when coqui-tts is
    not installed. MMS models are not listed there (see :data:`MMS_NAME`)."""
    d = _package_dir()
    if d is None or not (d / ".models.json").is_file():
        return {}
    data = json.loads((d / ".models.json").read_text(encoding="utf-8"))
    out = {}
    for kind in ("tts_models",):
        for lang, datasets in data.get(kind, {}).items():
            for dataset, models in datasets.items():
                for model, entry in models.items():
                    out[f"{kind}/{lang}/{dataset}/{model}"] = dict(entry)
    return out


def catalogue_license(name: str) -> str | None:
    if is_mms_name(name):
        return MMS_LICENSE
    entry = catalogue().get(name)
    return (entry.get("license") or None) if entry else None


def is_mms_name(name: str) -> bool:
    parts = name.split("/")
    return len(parts) == 4 and parts[0] == "tts_models" and parts[2] == "fairseq"


def user_data_dir() -> Path:
    """Where coqui keeps downloaded models (its ``get_user_data_dir('tts')``)."""
    if os.environ.get("TTS_HOME"):
        return Path(os.environ["TTS_HOME"]).expanduser() / "tts"
    if os.environ.get("XDG_DATA_HOME"):
        return Path(os.environ["XDG_DATA_HOME"]).expanduser() / "tts"
    return Path("~/.local/share/tts").expanduser()


def folder_name(name: str) -> str:
    """coqui's download folder name for a model name (``tts_models--<language>--<dataset>--<model>``)."""
    return name.replace("/", "--")


def local_folder(name: str) -> Path | None:
    """Where model ``name`` already is on this machine (nothing imported, no weights read), or None:
    coqui's download folder for models it fetches itself (MMS, GitHub releases), the Hugging Face cache
    snapshot for those it fetches from there (``repo_id`` in its catalogue entry: XTTS)."""
    from ..hub import hf_snapshot

    repo = (catalogue().get(name) or {}).get("repo_id")
    if repo:
        return hf_snapshot(repo, ("config.json",))
    folder = user_data_dir() / folder_name(name)
    return folder if (folder / "config.json").is_file() else None


def source_url(name: str) -> tuple[str, str]:
    """(URL coqui downloads ``name`` from, whether it is a Hugging Face repo: "hf" or "")."""
    entry = catalogue().get(name) or {}
    if entry.get("repo_id"):
        from ..hub import hf_endpoint

        return f"{hf_endpoint()}/{entry['repo_id']}", "hf"
    if is_mms_name(name):
        return f"https://dl.fbaipublicfiles.com/mms/tts/{name.split('/')[1]}.tar.gz", ""
    url = entry.get("github_rls_url") or "https://github.com/"
    return (url[0] if isinstance(url, list) else url), ""


def downloaded() -> list[tuple[str, str]]:
    """(model name, licence) of every model in coqui's download folder, and of catalogue models coqui
    keeps in the Hugging Face cache (XTTS)."""
    root = user_data_dir()
    out = []
    if root.is_dir():
        for p in sorted(root.iterdir()):
            if p.is_dir() and p.name.startswith("tts_models--") and (p / "config.json").is_file():
                name = p.name.replace("--", "/")
                out.append((name, catalogue_license(name) or folder_license(p)))
    for name, entry in catalogue().items():
        if entry.get("repo_id") and local_folder(name) is not None:
            out.append((name, entry.get("license") or UNKNOWN_LICENSE))
    return out


def folder_license(folder: Path) -> str:
    """Licence of a local model folder (see module doc)."""
    try:
        raw = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        for key in ("license", "model_license"):
            if isinstance(raw.get(key), str) and raw[key].strip():
                return raw[key].strip()
    except (OSError, ValueError):
        pass
    for name in LICENSE_FILES:
        f = folder / name
        if f.is_file():
            for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.strip():
                    return line.strip()[:120]
    if folder.name.startswith("tts_models--"):
        lic = catalogue_license(folder.name.replace("--", "/"))
        if lic:
            return lic
    return UNKNOWN_LICENSE


def licences() -> dict[str, list[str]]:
    """Licence -> coqui model names (the catalogue, plus MMS)."""
    out: dict[str, list[str]] = {}
    for name, entry in catalogue().items():
        out.setdefault(entry.get("license") or "unknown", []).append(name)
    if out:
        out.setdefault(MMS_LICENSE, []).append(MMS_NAME.format(code="<iso639-3>"))
    return out


def coverage() -> list[dict[str, Any]]:
    """Every catalogue model with its licence (for ``synthkit languages --json``)."""
    rows = [{"name": n, "language": n.split("/")[1], "license": e.get("license") or "unknown",
             "non_commercial": is_non_commercial(e.get("license") or ""), "renders": renders(n)}
            for n, e in catalogue().items()]
    if rows:
        rows.append({"name": MMS_NAME.format(code="<iso639-3>"), "language": "1,100+ (MMS; --backend coqui:mms)",
                     "license": MMS_LICENSE, "non_commercial": True, "renders": True})
    return rows


def renders(name: str) -> bool:
    """Whether synthkit's coqui backend renders a catalogue model (end-to-end: VITS, YourTTS, XTTS, MMS),
    judged by its name as the catalogue has no model type."""
    last = name.split("/")[-1].lower()
    return is_mms_name(name) or any(k in last for k in ("vits", "xtts", "your_tts"))


#: Packages ``import TTS.api`` needs (found without importing them; coqui-tts 0.28 needs six undeclared,
#: and refuses to import without torchcodec on torch >= 2.9).
MODULES = ("TTS", "trainer", "torch", "torchaudio", "torchcodec", "six")


def doctor_check():
    """``synthkit doctor``: can coqui-tts be imported, and which models (with licences) are on this machine
    (found without importing coqui-tts or torch)."""
    import importlib.metadata as md

    from ..checks import DOWNLOAD, LOCAL, Check, torch_package_problem

    name, purpose = PACKAGE, "neural TTS (--backend coqui:MODEL)"
    problem = torch_package_problem(name, purpose, MODULES, PACKAGE, EXTRA)
    if problem is not None:
        return problem
    lic = licences()
    nc = sorted(k for k in lic if is_non_commercial(k))
    have = downloaded()
    got = "; downloaded: " + ", ".join(f"{n} [{license_label(l)}]" for n, l in have) if have else \
        f"; none downloaded yet ({user_data_dir()}): each model is downloaded on first use (needs network)"
    hint = "" if have else ("offline, use --backend espeak or a local model folder (coqui:FOLDER); with network, "
                            "the first run of a model downloads it")
    return Check(name, bool(have), f"{purpose}: coqui-tts {md.version(PACKAGE)}, {sum(map(len, lic.values()))} models "
                 f"(non-commercial licences: {', '.join(nc)}; see 'synthkit languages --coqui'){got}", hint,
                 importable=True, weights=LOCAL if have else DOWNLOAD, info={"downloaded": [n for n, _ in have]})
