"""Feature extractors: waveform -> frame features, behind one interface.

* ``logmel`` — log mel spectrogram; no weights, works offline (the shipped default uses it).
* ``whisper`` — a hidden state of Whisper's encoder (multilingual, 512-d at 50 frames/s for base),
  from the CTranslate2 weights synthkit installs, converted once into a torch module synthkit owns
  (:mod:`.whisper_encoder`); no hub, no transformers. See :func:`whisper_features` for the layer.
* ``hf`` — an intermediate layer of a pretrained speech encoder loaded with Hugging Face
  transformers (WavLM, HuBERT, wav2vec2 / XLS-R, w2v-BERT 2.0), by hub name or local folder.
  Miipher used w2v-BERT layer 8; FLEURS-R used USM layer 13.

An extractor is a ``torch.nn.Module`` with ``sample_rate``, ``dim`` (feature size) and ``hop``
(samples per frame, nominal); calling it maps ``(B, N)`` waveforms to ``(B, T, dim)`` features.
Frame counts differ between extractors; consumers align features to their own frame rate with
:func:`align_frames`. Extractor weights are never trained here and are not stored in checkpoints
(``whisper`` and ``hf`` ones are referred to by name or path). Build one from a spec dict with :func:`make_extractor`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from ..errors import SynthkitError, missing_extra
from .spectral import LOG_FLOOR, StftSpec, mel_filterbank, stft

#: What restores offline when an encoder named by hub name is not on this machine.
OFFLINE_FEATURES = ("logmel features (the shipped default checkpoint: synthkit restore without --checkpoint), or a "
                    "local encoder folder saved with save_pretrained()")
#: Encoders whose architecture the ``hf`` extractor knows (transformers ``model_type``).
HF_MODEL_TYPES = ("wavlm", "hubert", "wav2vec2", "wav2vec2-conformer", "wav2vec2-bert", "data2vec-audio")


class FeatureExtractor(Protocol):
    sample_rate: int
    dim: int
    hop: int

    def __call__(self, wave: Any) -> Any:
        """``(B, N)`` float waveform at ``sample_rate`` -> ``(B, T, dim)`` features."""


def _torch():
    try:
        import torch
    except ImportError:
        raise missing_extra("torch", "quality", "Restoration models") from None
    return torch


def make_extractor(spec: dict[str, Any], sample_rate: int) -> Any:
    """Build an extractor from ``{"type": "logmel"|"hf", ...}`` (see the classes for their keys)."""
    kind = spec.get("type")
    if kind not in EXTRACTORS:
        raise SynthkitError(f"unknown feature extractor {kind!r}; use one of {', '.join(EXTRACTORS)}")
    kwargs = {k: v for k, v in spec.items() if k != "type"}
    try:
        return EXTRACTORS[kind](sample_rate=sample_rate, **kwargs)
    except TypeError as exc:
        raise SynthkitError(f"feature extractor {kind!r}: {exc}") from None


def align_frames(feats: Any, n_frames: int) -> Any:
    """``(B, T, D)`` -> ``(B, n_frames, D)`` by linear interpolation along time (identity if equal)."""
    torch = _torch()
    if feats.shape[1] == n_frames:
        return feats
    return torch.nn.functional.interpolate(feats.transpose(1, 2), size=n_frames, mode="linear",
                                           align_corners=False).transpose(1, 2)


def _log_mel_module():
    torch = _torch()

    class LogMel(torch.nn.Module):
        """Natural-log mel spectrogram of a centred Hann STFT: ``(B, N)`` -> ``(B, N // hop + 1, n_mels)``."""

        def __init__(self, sample_rate: int, n_mels: int = 80, n_fft: int = 512, hop: int = 160,
                     fmin: float = 0.0, fmax: float | None = None) -> None:
            super().__init__()
            self.sample_rate, self.dim, self.hop = int(sample_rate), int(n_mels), int(hop)
            self.stft_spec = StftSpec(int(n_fft), int(hop))
            # deterministic from the arguments: not saved in checkpoints
            self.register_buffer("fb", mel_filterbank(sample_rate, n_fft, n_mels, fmin, fmax), persistent=False)

        def forward(self, wave):
            mag = stft(wave, self.stft_spec).abs()  # (B, F, T)
            mel = torch.matmul(self.fb, mag)  # (B, n_mels, T)
            return torch.log(mel.clamp_min(LOG_FLOOR)).transpose(1, 2)

    return LogMel


def log_mel(sample_rate: int, n_mels: int = 80, n_fft: int = 512, hop: int = 160, fmin: float = 0.0,
            fmax: float | None = None):
    return _log_mel_module()(sample_rate, n_mels, n_fft, hop, fmin, fmax)


def load_hf_encoder(model: str, revision: str | None = None):
    """``(processor, encoder)`` from a hub name (``microsoft/wavlm-base-plus``) or a local folder.

    A local folder; a hub name goes to transformers when the hub can be reached (its cache first); offline,
    the name's snapshot in the Hugging Face cache loads like a folder, else a one-line error comes at once,
    before transformers is imported (:func:`synthkit.hub.hf_model`; honours ``HF_HUB_OFFLINE``)."""
    from ..checks import found
    from ..hub import HF_MODEL_FILES, hf_model

    if not found("transformers"):
        raise missing_extra("transformers", "quality", "Pretrained speech-encoder features")
    source = model
    if not Path(model).expanduser().exists() and not model.startswith((".", "/", "~")):
        source = hf_model(model, "speech encoder", OFFLINE_FEATURES, (*HF_MODEL_FILES, "preprocessor_config.json"),
                          revision)
    try:
        import transformers  # noqa: F401
        from transformers import AutoFeatureExtractor, AutoModel
    except ImportError:
        raise missing_extra("transformers", "quality", "Pretrained speech-encoder features") from None
    try:
        processor = AutoFeatureExtractor.from_pretrained(source, revision=revision)
        encoder = AutoModel.from_pretrained(source, revision=revision)
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise SynthkitError(
            f"cannot load speech encoder {model!r} ({first}); give a local folder saved with "
            "save_pretrained(), or download it into the Hugging Face cache first") from None
    mtype = getattr(encoder.config, "model_type", "?")
    if mtype not in HF_MODEL_TYPES:
        raise SynthkitError(f"speech encoder {model!r} is a {mtype!r} model; supported: {', '.join(HF_MODEL_TYPES)}")
    return processor, encoder


def _hf_module():
    torch = _torch()

    class HFEncoderFeatures(torch.nn.Module):
        """Hidden states after ``layer`` transformer blocks of a pretrained encoder (frozen).

        ``layer=0`` is the encoder's input (after the convolutional front end and projection).
        Blocks above ``layer`` are dropped, so a low layer costs only what it needs; the result equals
        ``hidden_states[layer]`` of the whole model. ``(B, N)`` at 16 kHz -> ``(B, ~N / hop, hidden)``."""

        def __init__(self, sample_rate: int, model: str, layer: int, revision: str | None = None) -> None:
            super().__init__()
            processor, encoder = load_hf_encoder(model, revision)
            sr = int(getattr(processor, "sampling_rate", 16000))
            if sr != int(sample_rate):
                raise SynthkitError(f"speech encoder {model!r} takes {sr} Hz audio but the model runs at "
                                    f"{sample_rate} Hz; set the checkpoint's sample_rate to {sr}")
            blocks = encoder.encoder.layers
            if not 0 <= int(layer) <= len(blocks):
                raise SynthkitError(f"speech encoder {model!r} has layers 0..{len(blocks)}; got layer {layer}")
            encoder.encoder.layers = blocks[: int(layer) + 1]  # hidden_states[layer] is the input of block `layer`
            encoder.eval().requires_grad_(False)
            self.model_name, self.layer = model, int(layer)
            # Not registered as submodules: their weights belong to the pretrained model and stay out
            # of synthkit checkpoints (which refer to the encoder by name or path instead).
            object.__setattr__(self, "processor", processor)
            object.__setattr__(self, "encoder", encoder)
            self.sample_rate, self.dim = sr, int(encoder.config.hidden_size)
            self.hop = _encoder_hop(encoder.config, processor)

        def forward(self, wave):
            if next(self.encoder.parameters()).device != wave.device:
                self.encoder.to(wave.device)
            arrays = [w.detach().cpu().float().numpy() for w in wave]
            inputs = self.processor(arrays, sampling_rate=self.sample_rate, return_tensors="pt", padding=True)
            inputs = {k: v.to(wave.device) for k, v in inputs.items()}
            with torch.no_grad():
                out = self.encoder(**inputs, output_hidden_states=True)
            return out.hidden_states[self.layer].to(wave.dtype)

    return HFEncoderFeatures


def _encoder_hop(config: Any, processor: Any) -> int:
    """Samples per output frame: the product of the conv strides (wav2vec2 family) or the filterbank
    hop times the frame stacking (w2v-BERT: 160 x 2)."""
    strides = getattr(config, "conv_stride", None)
    if getattr(config, "model_type", "") != "wav2vec2-bert" and strides:
        hop = 1
        for s in strides:
            hop *= int(s)
        return hop
    return int(getattr(processor, "stride", 2)) * 160


def hf_features(sample_rate: int, model: str, layer: int, revision: str | None = None):
    return _hf_module()(sample_rate, model, layer, revision)


#: Whisper hidden state the restoration model cleans, chosen by measurement (see :func:`whisper_features`).
WHISPER_LAYER = 4


def _whisper_module():
    torch = _torch()

    class WhisperFeatures(torch.nn.Module):
        """Hidden state ``layer`` of Whisper's encoder, run on the clip as it is (no padding to 30 s):
        ``(B, N)`` at 16 kHz -> ``(B, ceil((N // 160) / 2), 512)``, 50 frames/s. Frozen.

        Clips longer than 30 s (the encoder's 1500 positions) are encoded in consecutive 30-s pieces.
        The encoder is not a registered submodule: its weights stay out of synthkit checkpoints, which
        name it instead (a ``synthkit.models`` bundle or a CTranslate2 folder)."""

        keeps_graph_on_request = True  # forward(wave, grad=True): the training recipe's content loss

        def __init__(self, sample_rate: int, layer: int = WHISPER_LAYER, model: str = "whisper-base") -> None:
            super().__init__()
            from . import whisper_encoder as W

            if int(sample_rate) != W.SAMPLE_RATE:
                raise SynthkitError(f"whisper features take {W.SAMPLE_RATE} Hz audio but the model runs at "
                                    f"{sample_rate} Hz; set the checkpoint's sample_rate to {W.SAMPLE_RATE}")
            encoder = load_whisper(model)
            if not 0 <= int(layer) <= encoder.dims.layers:
                raise SynthkitError(f"Whisper encoder {model!r} has hidden states 0..{encoder.dims.layers}; "
                                    f"got layer {layer}")
            object.__setattr__(self, "encoder", encoder)
            self.model_name, self.layer = str(model), int(layer)
            self.sample_rate, self.dim, self.hop = W.SAMPLE_RATE, int(encoder.dims.dim), W.ENCODER_HOP
            self.max_samples = encoder.dims.positions * W.ENCODER_HOP

        def forward(self, wave, grad: bool = False):
            """Features of ``wave``; ``grad=True`` keeps the graph (a loss on the features of generated
            audio back-propagates to the audio; the encoder's weights stay frozen)."""
            from .whisper_encoder import log_mel

            if self.encoder.positions.device != wave.device:
                self.encoder.to(wave.device)
            pieces = [wave[:, i:i + self.max_samples] for i in range(0, max(1, wave.shape[-1]), self.max_samples)]
            with torch.set_grad_enabled(grad and torch.is_grad_enabled()):
                out = [self.encoder(log_mel(p.float()), self.layer) for p in pieces]
            return (out[0] if len(out) == 1 else torch.cat(out, dim=1)).to(wave.dtype)

    return WhisperFeatures


_whisper_encoders: dict[str, Any] = {}


def load_whisper(model: str = "whisper-base"):
    """The frozen Whisper encoder (one per process and model; the extractor and the content loss share it)."""
    enc = _whisper_encoders.get(str(model))
    if enc is None:
        from .whisper_encoder import load_encoder

        enc = _whisper_encoders[str(model)] = load_encoder(model)
    return enc


def whisper_features(sample_rate: int, layer: int = WHISPER_LAYER, model: str = "whisper-base"):
    """Whisper encoder hidden state ``layer`` (0 = stem, 6 = final output of base).

    The default, h_4, was chosen by measurement (``bench/bench_whisper_layers.py``, BENCHMARKS.md section
    "Whisper-base encoder layers"; every state from the clip itself, unpadded, as synthkit runs it):

    * **Words.** A linear CTC probe reads characters from h_4 at 40 % CER on held-out LJSpeech (54 %
      after the ``eval`` damage); from h_0-h_3 it stays at 79-82 %, i.e. reads nothing. h_4 is the first
      state that carries the words linearly — what the cleaner must restore and the content loss
      compares.
    * **Sound and voice.** h_5 reads the words better (27 %) but keeps less of the spectrum (ridge R^2
      to the log-mel 0.88 at h_4, 0.84 at h_5, 0.80 at h_6) and of the speaker (clip-mean speaker ID
      over 7 languages 76 % at h_4, 69 % at h_5, 52 % at h_6, whose probe CER is back up at 44 %); the
      vocoder has to make audio from the features, so the shallowest state that carries the words wins
      (Miipher's middle-layer choice, w2v-BERT 8 of 24, for the same trade-off).
    * **The price.** h_4 is the state the damage moves most (standardised MSE 1.05, h_5 0.90, h_6
      0.50, h_0-h_3 0.37-0.76): the cleaner has the most to undo there.
    * **Unpadded input.** Whisper was trained on 30-s windows; h_0-h_3 of a 3-s clip run alone stay
      within 1-21 % (relative L2) of the padded-then-cropped states, h_4 differs by 2.2 (0.82 without
      its one "massive activation" dimension; 0.53 with 2 s of silence appended). The restoration
      model therefore always uses unpadded features, in training and in restoring alike — the probe
      above reads the words from exactly those — and never pads to 30 s (10x the encoder cost on a
      3-s clip).
    * **Cost.** Reaching h_4 takes 0.024 CPU s per audio second (1 thread): about half of what the
      Whisper-feature restoration model takes in all (0.05-0.06, BENCHMARKS.md)."""
    return _whisper_module()(sample_rate, layer, model)


#: name -> factory(sample_rate=..., **spec keys)
EXTRACTORS: dict[str, Callable[..., Any]] = {
    "logmel": log_mel,
    "whisper": whisper_features,
    "hf": hf_features,
}
