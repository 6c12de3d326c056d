"""Restoration of noisy, reverberant, band-limited or codec-damaged speech (Miipher-style).

* :mod:`.features` (log-mel, or a layer of a pretrained encoder) -> :mod:`.cleaner` (Conformer)
  -> :mod:`.vocoder` (Vocos-style, masking the input's spectrum and generating what is missing),
  packed in one checkpoint bundle by :mod:`.model` (``load_checkpoint()``: the shipped default).
* :mod:`.degrade` — the degradation simulator (training pairs, evaluation sets); :mod:`.degrade_stage`
  runs it over a corpus (``synthkit degrade``).
* :mod:`.train` — the staged training recipe (``synthkit restore-train``, ``recipes/restore_train``).
* :mod:`.stage` — restores a corpus (``synthkit restore``); :mod:`.corpus` — its input/output rules.
* :mod:`.dsp` — MMSE-LSA, the classical baseline; :mod:`.scores` — before/after scores (from synthkit.quality).

Importing this package imports no heavy library.
"""
