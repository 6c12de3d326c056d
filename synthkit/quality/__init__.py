"""Quality scoring, filtering and the CI gate.

* :mod:`.signal` — weight-free measures (duration, levels, clipping, WADA-SNR, bandwidth, SRMR) and
  the silero-vad speech ratio.
* :mod:`.mos` — predicted MOS (:class:`~.mos.MosPredictor`): DNSMOS, UTMOS, NISQA, SQUIM.
* :mod:`.asr` — ASR round trip (:class:`~.asr.Transcriber`, the backend registry, ``auto`` routing), the
  CER text normalization.
* :mod:`.whisper` — Whisper through CTranslate2: batched transcription and language identification,
  clip-length windows, the tiny.en / base models; :mod:`.whisper_languages` — Whisper's 99 languages
  with their ISO 639-3 codes; :mod:`.asr_batch` — the ``cer``/``lid`` work of a batch of rows.
* :mod:`.phones` — phone recognition and phone error rate (:class:`~.phones.PhoneRecognizer`).
* :mod:`.speaker` — speaker embeddings and ``speaker_sim`` (:class:`~.speaker.SpeakerEmbedder`).
* :mod:`.metrics` — the metric registry (``--metrics`` names, the keys each writes).
* :mod:`.score` — the scoring stage (``synthkit score``): streaming, resumable, parallel.
* :mod:`.policy` — policy YAML, per-clip rules, corpus rules, the built-in default.
* :mod:`.filter` / :mod:`.check` — ``synthkit filter`` and the ``synthkit check`` gate.

Importing this package loads no model and imports no heavy library.
"""
