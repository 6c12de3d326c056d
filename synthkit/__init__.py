"""synthkit: speech data for languages that have none.

Public API (importing this package has no side effects and loads no models)::

    from synthkit import read_manifest, ManifestWriter, Utterance, SynthkitError
    from synthkit.synth import SynthConfig, synthesize_corpus
"""

__version__ = "0.1.0"

from .errors import SynthkitError  # noqa: E402
from .manifest import ManifestWriter, Utterance, read_manifest  # noqa: E402

__all__ = ["ManifestWriter", "SynthkitError", "Utterance", "read_manifest", "__version__"]
