"""Text side: normalization, number expansion, G2P, IPA segmentation (and, later, phoneme mapping)."""
