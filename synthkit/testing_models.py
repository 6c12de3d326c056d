"""Random-weight models saved to folders, for tests and benchmarks (no downloads, CPU only).

Each builder writes what a real model's folder holds, in the layout its loader expects, so the code
that loads a downloaded model loads these too:

* :func:`vits` — a coqui VITS (``config.json`` + ``model.pth``; ``speaker_ids.json`` when it has
  speakers), tiny by default or full size (coqui's default ``VitsArgs``) with ``size="full"``; reading
  IPA (``use_phonemes``, coqui's VITS symbol set) or characters.
* :func:`xtts` — a tiny XTTS (v2 layout) with its own small BPE vocabulary; clones voices from
  reference clips like the real one.
* :func:`mms` — an MMS (fairseq) VITS as ``tts_models/<code>/fairseq/vits`` in coqui's download folder
  (``G_100000.pth`` in fairseq's parameter names, fairseq ``config.json``, ``vocab.txt``). MMS models
  have one architecture (coqui builds them from the default ``VitsConfig``), so this one is full size.
* :func:`ecapa` and :func:`asr` — speechbrain ECAPA speaker encoder and ASR (CTC or attention) folders
  (``hyperparams.yaml`` + checkpoints) that ``from_hparams(source=FOLDER)`` loads.

torch, coqui-tts and speechbrain are imported inside the builders.
"""

from __future__ import annotations

import json
from pathlib import Path

#: Tiny VITS: one layer each, 16 channels, a 3-stage decoder (hop 256); ~0.3 M parameters.
TINY_VITS_ARGS = dict(
    hidden_channels=16, hidden_channels_ffn_text_encoder=32, num_layers_text_encoder=1,
    num_layers_posterior_encoder=1, num_layers_flow=1, resblock_kernel_sizes_decoder=[3],
    resblock_dilation_sizes_decoder=[[1, 3, 5]], upsample_rates_decoder=[8, 8, 4],
    upsample_kernel_sizes_decoder=[16, 16, 8], upsample_initial_channel_decoder=32, use_sdp=False,
    out_channels=257, speaker_embedding_channels=8,
)
TINY_AUDIO = dict(sample_rate=16000, fft_size=512, win_length=512, hop_length=256, num_mels=40)
TEST_LICENSE = "MIT (random weights, synthkit test model)"


def _seeded(seed: int) -> None:
    import torch

    torch.manual_seed(seed)


def vits(folder: str | Path, *, phonemes: bool = True, speakers: tuple[str, ...] = (), size: str = "tiny",
         seed: int = 0, license: str | None = TEST_LICENSE, phoneme_language: str = "sw",
         symbols: str | None = None) -> Path:
    """Write a random-weight coqui VITS to ``folder`` (created); returns the folder. ``symbols``
    replaces coqui's VITS symbol set (letters and IPA) with these characters."""
    import torch
    from TTS.config.shared_configs import BaseAudioConfig
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig
    from TTS.tts.models.vits import Vits, VitsCharacters

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    args = VitsArgs(**(TINY_VITS_ARGS if size == "tiny" else {}), init_discriminator=False)
    audio = BaseAudioConfig(**TINY_AUDIO) if size == "tiny" else BaseAudioConfig(sample_rate=22050)
    if speakers:
        (folder / "speaker_ids.json").write_text(json.dumps({s: i for i, s in enumerate(speakers)}), encoding="utf-8")
        args.use_speaker_embedding = True
        args.speakers_file = str(folder / "speaker_ids.json")
    chars = VitsCharacters() if symbols is None else VitsCharacters(graphemes=symbols, ipa_characters="")
    config = VitsConfig(model_args=args, audio=audio, use_phonemes=False, characters=chars.to_config(),
                        text_cleaner="phoneme_cleaners" if phonemes else "multilingual_cleaners",
                        use_speaker_embedding=bool(speakers),
                        speakers_file=str(folder / "speaker_ids.json") if speakers else None)
    _seeded(seed)
    model = Vits(config)
    # as a trained model's config reads: phonemes from espeak-ng, and speaker files at the trainer's paths
    config.use_phonemes = phonemes
    if phonemes:
        config.phonemizer = "espeak"
        config.phoneme_language = phoneme_language
    if speakers:
        config.speakers_file = config.model_args.speakers_file = "/trainer/run/speaker_ids.json"
    torch.save({"model": model.state_dict()}, folder / "model.pth")
    config.save_json(str(folder / "config.json"))
    if license:
        raw = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        raw["license"] = license
        (folder / "config.json").write_text(json.dumps(raw, indent=2, ensure_ascii=False), encoding="utf-8")
    return folder


#: coqui's fairseq -> coqui renames (``TTS/tts/utils/fairseq.py``), inverted to write fairseq names.
_TO_FAIRSEQ = (
    ("text_encoder.", "enc_p."), ("waveform_decoder.", "dec."), ("posterior_encoder.", "enc_q."),
    ("flow.flows.1.", "flow.flows.2."), ("flow.flows.2.", "flow.flows.4."), ("flow.flows.3.", "flow.flows.6."),
    ("duration_predictor.flows.0.translation", "dp.flows.0.m"), ("duration_predictor.flows.0.log_scale", "dp.flows.0.logs"),
    ("duration_predictor.flows.1", "dp.flows.1"), ("duration_predictor.flows.2", "dp.flows.3"),
    ("duration_predictor.flows.3", "dp.flows.5"), ("duration_predictor.flows.4", "dp.flows.7"),
    ("duration_predictor.post_flows.0.translation", "dp.post_flows.0.m"),
    ("duration_predictor.post_flows.0.log_scale", "dp.post_flows.0.logs"),
    ("duration_predictor.post_flows.1", "dp.post_flows.1"), ("duration_predictor.post_flows.2", "dp.post_flows.3"),
    ("duration_predictor.post_flows.3", "dp.post_flows.5"), ("duration_predictor.post_flows.4", "dp.post_flows.7"),
    ("duration_predictor.", "dp."),
)
#: MMS's vocabulary layout: blank first, then the letters of the language.
MMS_VOCAB = ["_", " ", "'", "-", *"abcdefghijklmnopqrstuvwxyz"]


def _fairseq_key(key: str) -> str:
    for ours, theirs in _TO_FAIRSEQ:
        if key.startswith(ours) or (ours.startswith("flow.") and key.startswith(ours)):
            return theirs + key[len(ours):]
    return key


def mms(tts_home: str | Path, code: str = "swh", seed: int = 0) -> Path:
    """Write a random-weight MMS VITS where coqui keeps a downloaded ``tts_models/<code>/fairseq/vits``
    (``<tts_home>/tts/tts_models--<code>--fairseq--vits``); returns that folder."""
    import torch
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits
    from TTS.tts.utils.fairseq import rehash_fairseq_vits_checkpoint

    folder = Path(tts_home) / "tts" / f"tts_models--{code}--fairseq--vits"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(MMS_VOCAB) + "\n", encoding="utf-8")
    config = {"data": {"sampling_rate": 16000, "add_blank": True, "training_files": f"data/{code}/train.ltr"},
              "model": {"inter_channels": 192, "hidden_channels": 192}}
    (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    _seeded(seed)
    cfg = VitsConfig()
    cfg.model_args.init_discriminator = False
    cfg.model_args.num_chars = len(MMS_VOCAB)
    model = Vits(cfg)
    import torch.nn as nn

    model.text_encoder.emb = nn.Embedding(len(MMS_VOCAB), cfg.model_args.hidden_channels)
    state = {_fairseq_key(k): v for k, v in model.state_dict().items()}
    ckpt = folder / "G_100000.pth"
    torch.save({"model": state}, ckpt)
    back = rehash_fairseq_vits_checkpoint(ckpt)
    if set(back) != set(model.state_dict()):  # the renames must round-trip exactly
        raise AssertionError(f"fairseq renames do not round-trip: {sorted(set(back) ^ set(model.state_dict()))[:5]}")
    return folder


#: Tiny XTTS: a 1-layer, 32-channel GPT over 32 audio codes (at most 24 per clip) and a 32-channel
#: decoder input. XTTS's HiFi-GAN decoder and speaker encoder have fixed sizes, so it is ~22 M parameters.
TINY_XTTS_ARGS = dict(gpt_layers=1, gpt_n_model_channels=32, gpt_n_heads=2, gpt_num_audio_tokens=34,
                      gpt_start_audio_token=32, gpt_stop_audio_token=33, gpt_max_audio_tokens=24,
                      gpt_use_perceiver_resampler=True, decoder_input_dim=32)
XTTS_SPECIAL_TOKENS = ["[STOP]", "[UNK]", "[SPACE]", "[START]"]
XTTS_LETTERS = "abcdefghijklmnopqrstuvwxyz'.,?!-"


def xtts(folder: str | Path, languages: tuple[str, ...] = ("en",), seed: int = 0,
         license: str | None = TEST_LICENSE) -> Path:
    """Write a random-weight XTTS (v2 layout: ``config.json``, ``model.pth``, ``vocab.json`` — a BPE
    tokenizer over letters with XTTS's special and language tokens) to ``folder``; returns it."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from TTS.tts.configs.xtts_config import XttsConfig
    from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer
    from TTS.tts.models.xtts import Xtts, XttsArgs

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    specials = XTTS_SPECIAL_TOKENS + [f"[{lang}]" for lang in languages]
    vocab = {t: i for i, t in enumerate(specials + list(XTTS_LETTERS))}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="[UNK]"))
    tok.add_special_tokens(specials)
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(folder / "vocab.json"))
    from .tts.coqui import _quiet_transformers

    config = XttsConfig(model_args=XttsArgs(**TINY_XTTS_ARGS), languages=list(languages))
    _seeded(seed)
    with _quiet_transformers():
        model = Xtts(config)
        model.tokenizer = VoiceBpeTokenizer(folder / "vocab.json")
        model.init_models()
    torch.save({"model": model.state_dict()}, folder / "model.pth")
    config.save_json(str(folder / "config.json"))
    if license:
        (folder / "LICENSE.txt").write_text(license + "\n", encoding="utf-8")
    return folder


# --- speechbrain ----------------------------------------------------------------------------------

#: A speechbrain ECAPA speaker-embedding folder laid out like ``speechbrain/spkrec-ecapa-voxceleb``
#: (the same module names and pretrainer keys), with tiny channel counts.
ECAPA_HPARAMS = """\
# Tiny random-weight ECAPA-TDNN (synthkit test model), laid out like speechbrain/spkrec-ecapa-voxceleb.
pretrained_path: speechbrain/spkrec-ecapa-voxceleb
n_mels: 40
emb_dim: {emb_dim}
compute_features: !new:speechbrain.lobes.features.Fbank
    n_mels: !ref <n_mels>
mean_var_norm: !new:speechbrain.processing.features.InputNormalization
    norm_type: sentence
    std_norm: False
embedding_model: !new:speechbrain.lobes.models.ECAPA_TDNN.ECAPA_TDNN
    input_size: !ref <n_mels>
    channels: [32, 32, 32, 32, 96]
    kernel_sizes: [5, 3, 3, 3, 1]
    dilations: [1, 2, 3, 4, 1]
    attention_channels: 16
    lin_neurons: !ref <emb_dim>
mean_var_norm_emb: !new:speechbrain.processing.features.InputNormalization
    norm_type: global
    std_norm: False
modules:
    compute_features: !ref <compute_features>
    mean_var_norm: !ref <mean_var_norm>
    embedding_model: !ref <embedding_model>
    mean_var_norm_emb: !ref <mean_var_norm_emb>
pretrainer: !new:speechbrain.utils.parameter_transfer.Pretrainer
    loadables:
        embedding_model: !ref <embedding_model>
        mean_var_norm_emb: !ref <mean_var_norm_emb>
    paths:
        embedding_model: !ref <pretrained_path>/embedding_model.ckpt
        mean_var_norm_emb: !ref <pretrained_path>/mean_var_norm_emb.ckpt
"""


def _hparams(folder: Path, text: str):
    from hyperpyyaml import load_hyperpyyaml

    (folder / "hyperparams.yaml").write_text(text, encoding="utf-8")
    with open(folder / "hyperparams.yaml", encoding="utf-8") as f:
        return load_hyperpyyaml(f)


def ecapa(folder: str | Path, emb_dim: int = 32, seed: int = 0) -> Path:
    """Write a random-weight speechbrain ECAPA folder (``hyperparams.yaml``, ``embedding_model.ckpt``,
    ``mean_var_norm_emb.ckpt``); returns it."""
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _seeded(seed)
    hp = _hparams(folder, ECAPA_HPARAMS.format(emb_dim=emb_dim))
    torch.save(hp["embedding_model"].state_dict(), folder / "embedding_model.ckpt")
    norm = hp["mean_var_norm_emb"]
    norm.glob_mean = torch.zeros(emb_dim)  # a "global" normalizer that has seen one batch
    norm.glob_std = torch.ones(emb_dim)
    norm.count = 1
    norm._save(folder / "mean_var_norm_emb.ckpt")
    return folder


#: A speechbrain CTC ASR folder laid out like ``speechbrain/asr-wav2vec2-commonvoice-14-en``
#: (``EncoderASR``: an ``encoder`` pipeline, greedy CTC decoding, a SentencePiece tokenizer), with a
#: filterbank front end and one small linear layer in place of wav2vec 2.0.
CTC_HPARAMS = """\
# Tiny random-weight CTC ASR (synthkit test model), laid out like speechbrain's EncoderASR models.
pretrained_path: speechbrain/asr-tiny-ctc
sample_rate: 16000
n_mels: 40
hidden: 32
vocab_size: {vocab}
blank_index: 0
compute_features: !new:speechbrain.lobes.features.Fbank
    sample_rate: !ref <sample_rate>
    n_mels: !ref <n_mels>
normalize: !new:speechbrain.processing.features.InputNormalization
    norm_type: sentence
enc: !new:speechbrain.nnet.linear.Linear
    input_size: !ref <n_mels>
    n_neurons: !ref <hidden>
ctc_lin: !new:speechbrain.nnet.linear.Linear
    input_size: !ref <hidden>
    n_neurons: !ref <vocab_size>
log_softmax: !new:speechbrain.nnet.activations.Softmax
    apply_log: True
asr_model: !new:torch.nn.ModuleList
    - [!ref <enc>, !ref <ctc_lin>]
encoder: !new:speechbrain.nnet.containers.LengthsCapableSequential
    compute_features: !ref <compute_features>
    normalize: !ref <normalize>
    enc: !ref <enc>
    ctc_lin: !ref <ctc_lin>
    log_softmax: !ref <log_softmax>
decoding_function: !name:speechbrain.decoders.ctc_greedy_decode
    blank_id: !ref <blank_index>
tokenizer: !new:sentencepiece.SentencePieceProcessor
modules:
    encoder: !ref <encoder>
pretrainer: !new:speechbrain.utils.parameter_transfer.Pretrainer
    loadables:
        asr: !ref <asr_model>
        tokenizer: !ref <tokenizer>
    paths:
        asr: !ref <pretrained_path>/asr.ckpt
        tokenizer: !ref <pretrained_path>/tokenizer.ckpt
"""


#: A speechbrain attention (encoder-decoder) ASR folder laid out like
#: ``speechbrain/asr-crdnn-rnnlm-librispeech`` (``EncoderDecoderASR``: ``encoder`` and ``decoder``
#: modules, a SentencePiece tokenizer), with a linear encoder, a 1-layer GRU attentional decoder and
#: greedy search in place of the CRDNN, the language model and beam search.
SEQ2SEQ_HPARAMS = """\
# Tiny random-weight attention ASR (synthkit test model), laid out like speechbrain's EncoderDecoderASR models.
pretrained_path: speechbrain/asr-tiny-seq2seq
sample_rate: 16000
n_mels: 40
hidden: 32
vocab_size: {vocab}
bos_index: 1
eos_index: 2
compute_features: !new:speechbrain.lobes.features.Fbank
    sample_rate: !ref <sample_rate>
    n_mels: !ref <n_mels>
normalize: !new:speechbrain.processing.features.InputNormalization
    norm_type: sentence
enc: !new:speechbrain.nnet.linear.Linear
    input_size: !ref <n_mels>
    n_neurons: !ref <hidden>
emb: !new:speechbrain.nnet.embedding.Embedding
    num_embeddings: !ref <vocab_size>
    embedding_dim: !ref <hidden>
dec: !new:speechbrain.nnet.RNN.AttentionalRNNDecoder
    rnn_type: gru
    attn_type: content
    hidden_size: !ref <hidden>
    attn_dim: !ref <hidden>
    num_layers: 1
    enc_dim: !ref <hidden>
    input_size: !ref <hidden>
seq_lin: !new:speechbrain.nnet.linear.Linear
    input_size: !ref <hidden>
    n_neurons: !ref <vocab_size>
asr_model: !new:torch.nn.ModuleList
    - [!ref <enc>, !ref <emb>, !ref <dec>, !ref <seq_lin>]
encoder: !new:speechbrain.nnet.containers.LengthsCapableSequential
    compute_features: !ref <compute_features>
    normalize: !ref <normalize>
    enc: !ref <enc>
decoder: !new:speechbrain.decoders.S2SRNNGreedySearcher
    embedding: !ref <emb>
    decoder: !ref <dec>
    linear: !ref <seq_lin>
    bos_index: !ref <bos_index>
    eos_index: !ref <eos_index>
    min_decode_ratio: 0.0
    max_decode_ratio: 0.2
tokenizer: !new:sentencepiece.SentencePieceProcessor
modules:
    encoder: !ref <encoder>
    decoder: !ref <decoder>
pretrainer: !new:speechbrain.utils.parameter_transfer.Pretrainer
    loadables:
        asr: !ref <asr_model>
        tokenizer: !ref <tokenizer>
    paths:
        asr: !ref <pretrained_path>/asr.ckpt
        tokenizer: !ref <pretrained_path>/tokenizer.ckpt
"""


def asr(folder: str | Path, text: list[str], kind: str = "ctc", seed: int = 0) -> Path:
    """Write a random-weight speechbrain ASR folder — ``kind`` ``"ctc"`` (EncoderASR) or ``"seq2seq"``
    (EncoderDecoderASR) — with ``hyperparams.yaml``, ``asr.ckpt`` and a character SentencePiece
    ``tokenizer.ckpt`` trained on ``text``; returns it."""
    import io

    import sentencepiece as spm
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    proto = io.BytesIO()
    letters = sorted({c for line in text for c in line.lower() if not c.isspace()})
    specials = dict(unk_id=0, bos_id=-1, eos_id=-1) if kind == "ctc" else dict(unk_id=0, bos_id=1, eos_id=2)
    spm.SentencePieceTrainer.train(sentence_iterator=iter(t.lower() for t in text), model_writer=proto,
                                   model_type="char", vocab_size=len(letters) + 2 + len(specials), pad_id=-1,
                                   character_coverage=1.0, minloglevel=2, num_threads=1, **specials)
    (folder / "tokenizer.ckpt").write_bytes(proto.getvalue())
    sp = spm.SentencePieceProcessor(model_proto=proto.getvalue())
    _seeded(seed)
    template = CTC_HPARAMS if kind == "ctc" else SEQ2SEQ_HPARAMS
    hp = _hparams(folder, template.format(vocab=sp.get_piece_size()))
    torch.save(hp["asr_model"].state_dict(), folder / "asr.ckpt")
    return folder
