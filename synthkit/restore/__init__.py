"""Restoration of noisy, reverberant, band-limited or codec-damaged speech (Miipher-style).

features (:mod:`.features`) -> cleaner (:mod:`.cleaner`) -> vocoder (:mod:`.vocoder`), packed in one
checkpoint bundle (:mod:`.model`); the degradation simulator (:mod:`.degrade`) makes training pairs and
evaluation sets; :mod:`.train` is the staged training recipe; :mod:`.stage` restores whole corpora.
Importing this package imports no heavy library.
"""
