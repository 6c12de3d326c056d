"""Synthesizers: turn text or phonemes into audio. See :mod:`synthkit.tts.base`."""
