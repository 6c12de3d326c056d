"""``synthkit export``: a synthkit manifest as a dataset that NeMo, lhotse/icefall, Kaldi/ESPnet,
Hugging Face ``datasets`` or coqui-tts trains on, with deterministic splits that keep
speakers and/or sentences out of two splits (:mod:`.splits`) and optional resampling.

    from synthkit.export import ExportConfig, export_manifest, parse_split
    export_manifest(ExportConfig(Path("corpus/manifest.jsonl"), "lhotse", Path("out"),
                                 split=parse_split("train=0.9,dev=0.05,test=0.05"), split_by="speaker"))

Formats live in one module each (:mod:`.nemo`, :mod:`.lhotse`, :mod:`.kaldi`, :mod:`.hf`,
:mod:`.ljspeech`); the driver is :mod:`.pipeline`, splits :mod:`.splits`.
"""

from .pipeline import FORMATS, ExportConfig, ExportSummary, export_manifest
from .splits import SplitSpec, assign_splits, parse_split

__all__ = ["FORMATS", "ExportConfig", "ExportSummary", "SplitSpec", "assign_splits", "export_manifest", "parse_split"]
