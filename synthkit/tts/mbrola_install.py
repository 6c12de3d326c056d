"""Install the MBROLA program and six of its voices from Debian's archive (``./setup.sh`` runs this).

``python -m synthkit.tts.mbrola_install [DEST]`` downloads seven pinned packages of Debian 12
(bookworm) — ``mbrola`` 3.3 (contrib, AGPL-3.0, amd64) and the voices ``mbrola-ar1``, ``-ar2`` (Arabic),
``-hb1``, ``-hb2`` (Hebrew), ``-tr1``, ``-tr2`` (Turkish) (non-free: the databases may be used and
copied freely but not sold) — checks each against the SHA-256 recorded
here (and each unpacked file against its own), and unpacks the program and the databases (with their licence files) into ``DEST`` (default
:data:`synthkit.tts.mbrola.INSTALL_DIR`, inside the virtual environment). No root, no apt: a ``.deb``
is an ``ar`` archive holding ``data.tar.xz``. Nothing is downloaded at run time; a missing program or
voice stops a run at once (:mod:`synthkit.tts.mbrola`). Idempotent: installed files whose hash is right are kept.
"""

from __future__ import annotations

import hashlib
import io
import os
import platform
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

MIRROR = os.environ.get("SYNTHKIT_DEBIAN_MIRROR", "http://deb.debian.org/debian")


def _voice(name: str, version: str, sha: str) -> tuple[str, str, dict[str, str]]:
    """The package of voice ``name`` (Debian's ``mbrola-NAME``): its database and licence file."""
    return (f"pool/non-free/m/mbrola-{name}/mbrola-{name}_{version}_all.deb", sha,
            {f"./usr/share/mbrola/{name}/{name}": f"{name}/{name}",
             f"./usr/share/doc/mbrola-{name}/copyright": f"{name}/COPYRIGHT"})


#: (archive path, SHA-256, {path inside the package: path under DEST})
PACKAGES = (
    ("pool/contrib/m/mbrola/mbrola_3.3+dfsg-9_amd64.deb",
     "d94ea5bbb8b201935e8a40d758f1a224030d13a1ba669cc75293823933554c7f",
     {"./usr/bin/mbrola": "bin/mbrola", "./usr/share/doc/mbrola/copyright": "bin/COPYRIGHT"}),
    _voice("ar1", "1.0+repack2-2", "7c3cea88fcd80d4f853c921a3c3f07c2ad4116e200eacf039ead489dc4752c6f"),
    _voice("ar2", "0.0.20001015+repack2-2", "386c3e89e55b4df03d9234c3d34f2826b4e8595e11aa9f4325e95c9e1eae99e2"),
    _voice("hb1", "0.0.20000308+repack2-2", "b3e1bf58ae9291b1a5899cef62d923b6eae2133540f5ef69b0deeb94d3c10fba"),
    _voice("hb2", "0.0.20040902+repack2-2", "ad17abfbf8901e9b49d50c45574adc07050e5b1b04274df8dae9bbbe0cb6ed99"),
    _voice("tr1", "0.1+repack2-4", "00c2ce6f76097a3d5ffe4befad40c87f130aa0dacadf58c9283c56bbefc64a5d"),
    _voice("tr2", "0.1+repack2-4", "897983a0e68f0566671b77dc2d7b3665cb98d7d11c47ac7a24d4c803c653bfcd"),
)

#: SHA-256 of the files the backend runs or reads, as unpacked from the packages above.
FILE_SHA256 = {
    "bin/mbrola": "d851e1f3f2a5cc0515a05039c9465965ddac0371c8feada8481044373bc119c6",
    "ar1/ar1": "4bf5dc3769c1e9431e80dd59e5014dc524c34db0797769062e379fbc4faac4b1",
    "ar2/ar2": "8791680f98b78392b1dd282bf59a240144dd0262e77453461ee284f344a382c0",
    "hb1/hb1": "1093d4da40399b8999032bd44c37ef6cfb99ef2b5317771a2c497d8bd5b84749",
    "hb2/hb2": "57b157d6baca885e234c0e58e3ffa4341d35a58406bb8ba03c706b3cfb591886",
    "tr1/tr1": "f3860aadf656a663e0fadea836632e57309a47e17a9297f530a7a7ef48647372",
    "tr2/tr2": "9d6a9bac0c3ccb1800a914832d1c5d2766fdf1bb053c092c1657f321de32dca1",
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def intact(dest: Path, target: str) -> bool:
    """``dest/target`` is there (and, for a pinned file, has its pinned hash)."""
    p = dest / target
    return p.is_file() and (target not in FILE_SHA256 or _sha256(p) == FILE_SHA256[target])


def ar_members(data: bytes) -> dict[str, bytes]:
    """The members of a Unix ``ar`` archive (a ``.deb``)."""
    if not data.startswith(b"!<arch>\n"):
        raise ValueError("not an ar archive")
    out, i = {}, 8
    while i + 60 <= len(data):
        head = data[i:i + 60]
        name = head[:16].decode().strip().rstrip("/")
        size = int(head[48:58].decode().strip())
        out[name] = data[i + 60:i + 60 + size]
        i += 60 + size + (size & 1)
    return out


def unpack(deb: bytes, wanted: dict[str, str], dest: Path) -> None:
    members = ar_members(deb)
    name = next((n for n in members if n.startswith("data.tar")), None)
    if name is None:
        raise ValueError("no data.tar in the package")
    with tarfile.open(fileobj=io.BytesIO(members[name])) as tar:
        for inner, target in wanted.items():
            try:
                f = tar.extractfile(inner)
            except KeyError:
                f = None
            if f is None:
                raise ValueError(f"{inner} is not in the package")
            data = f.read()
            if target in FILE_SHA256 and hashlib.sha256(data).hexdigest() != FILE_SHA256[target]:
                raise ValueError(f"{inner}: SHA-256 is not the pinned one")
            out = dest / target
            out.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=out.parent, delete=False) as tmp:
                tmp.write(data)
            os.replace(tmp.name, out)
            os.chmod(out, 0o755 if target.startswith("bin/mbrola") else 0o644)


def install(dest: Path) -> list[str]:
    """Install what is missing under ``dest``; the package files fetched."""
    if platform.machine() not in ("x86_64", "AMD64"):
        raise RuntimeError(f"the pinned mbrola build is for amd64, not {platform.machine()}")
    fetched = []
    for path, sha, wanted in PACKAGES:
        if all(intact(dest, t) for t in wanted.values()):
            continue
        with urllib.request.urlopen(f"{MIRROR}/{path}", timeout=120) as r:
            deb = r.read()
        got = hashlib.sha256(deb).hexdigest()
        if got != sha:
            raise RuntimeError(f"{path}: SHA-256 {got} is not the pinned {sha}")
        unpack(deb, wanted, dest)
        fetched.append(path.rsplit("/", 1)[1])
    return fetched


def main() -> int:
    from .mbrola import INSTALL_DIR

    dest = Path(sys.argv[1]) if len(sys.argv) > 1 else INSTALL_DIR
    try:
        fetched = install(dest)
    except Exception as exc:  # noqa: BLE001 - one line for setup.sh, whatever failed
        print(f"mbrola_install: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"MBROLA in {dest}" + (f" (fetched {', '.join(fetched)})" if fetched else " (already installed)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
