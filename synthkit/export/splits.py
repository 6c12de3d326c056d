"""Deterministic train/dev/test splits that do not leak: by utterance, speaker, sentence, or both.

A split spec is ``name=fraction,...`` (``train=0.9,dev=0.05,test=0.05``); fractions sum to 1.
Assignment depends only on the set of ids (and their speakers and texts), the spec and the seed — never
on the order of the manifest's rows or on the number of workers — so the same command always gives the
same split.

* ``by="utterance"``: ids are sorted, shuffled with the seed, and cut into blocks whose sizes are the
  fractions rounded by largest remainder (every non-empty split gets at least one utterance).
* ``by="speaker"``: every speaker, with all their utterances, is one group. No speaker is in two splits.
  A blended voice (``BACKEND:A*0.6+B*0.4``, as ``kokoro:blend`` writes) is made of its sources' voices:
  speakers that share a source are one group (:func:`speaker_sources`), so no source voice is heard in
  two splits.
* ``by="text"``: every sentence (rows whose :func:`sentence_key` is equal: the same text up to case,
  Unicode form, punctuation and spacing), with all its renditions, is one group. No sentence is in two
  splits. A row without text is a group of its own.
* ``by="speaker+text"``: groups are the connected components of "same speaker" and "same sentence", so
  neither a speaker nor a sentence is in two splits. (A synthetic corpus whose voices each read many of
  the same sentences can be one component: then no such split exists, and the error says so.)
* ``by="auto"``: ``text`` when some sentence occurs in more than one row (several renditions per
  sentence, as ``synthkit synth --voices N`` makes: an utterance split would put the same sentence in
  train and test), else ``utterance``. :func:`resolve_split_by` says which and why.

Groups are sorted by their first id, shuffled with the seed, and each goes, whole, to the split furthest
below its target utterance count. :func:`overlaps` measures what a split shares with another (sentences,
speakers), for the export's warnings.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import SynthkitError
from ..rng import derive_seed

#: The split used when no ``--split`` is given: everything in one split called ``train`` (as
#: Hugging Face names an unsplit dataset; ``all`` is reserved there).
NO_SPLIT = (("train", 1.0),)
#: Groupings ``--split-by`` takes (``auto`` resolves to ``text`` or ``utterance``).
SPLIT_BY = ("auto", "utterance", "speaker", "text", "speaker+text")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_SUM_TOLERANCE = 1e-6
#: Sentences/speakers named in an overlap warning (the count is always complete).
_EXAMPLES = 3


@dataclass(frozen=True)
class SplitSpec:
    """Named fractions, in the order given (``(("train", 0.9), ("dev", 0.05), ...)``)."""

    parts: tuple[tuple[str, float], ...] = NO_SPLIT

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.parts)

    def to_str(self) -> str:
        return ",".join(f"{n}={f:g}" for n, f in self.parts)


def parse_split(spec: str | None) -> SplitSpec:
    """``"train=0.9,dev=0.05,test=0.05"`` -> :class:`SplitSpec`. ``None`` or ``""``: one split ``train``."""
    if not spec:
        return SplitSpec()
    parts: list[tuple[str, float]] = []
    for item in spec.split(","):
        name, sep, value = item.strip().partition("=")
        name = name.strip()
        if not sep or not _NAME.match(name):
            raise SynthkitError(f"--split {spec!r}: expected name=fraction items such as train=0.9,dev=0.05,test=0.05")
        try:
            frac = float(value)
        except ValueError:
            raise SynthkitError(f"--split {spec!r}: {value.strip()!r} is not a number") from None
        if not (0.0 < frac <= 1.0) or math.isnan(frac):
            raise SynthkitError(f"--split {spec!r}: fraction of {name!r} must be in (0, 1], got {value.strip()}")
        if name in (n for n, _ in parts):
            raise SynthkitError(f"--split {spec!r}: split {name!r} is named twice")
        parts.append((name, frac))
    total = sum(f for _, f in parts)
    if abs(total - 1.0) > _SUM_TOLERANCE:
        raise SynthkitError(f"--split {spec!r}: fractions sum to {total:g}, not 1")
    return SplitSpec(tuple(parts))


def sentence_key(text: object) -> str | None:
    """What makes two rows the same sentence: the text with Unicode NFKC, case folded, punctuation and
    symbols dropped, whitespace collapsed (``"Habari, yako?"`` and ``"habari yako"`` are one sentence).
    ``None`` for a row without text."""
    if not isinstance(text, str):
        return None
    t = unicodedata.normalize("NFKC", text).casefold()
    t = "".join(" " if unicodedata.category(c)[0] in "PSZC" else c for c in t)
    t = " ".join(t.split())
    return t or None


def uses_speakers(by: str) -> bool:
    return by in ("speaker", "speaker+text")


def resolve_split_by(by: str, texts: Mapping[str, str | None]) -> tuple[str, str]:
    """(grouping, why) for ``by``; ``auto`` becomes ``text`` when a sentence has several renditions
    (``texts``: id -> :func:`sentence_key`), else ``utterance``."""
    if by not in SPLIT_BY:
        raise SynthkitError(f"--split-by must be one of {', '.join(SPLIT_BY)}, got {by!r}")
    if by != "auto":
        return by, f"--split-by {by}"
    per = Counter(k for k in texts.values() if k is not None)
    repeated = {k: c for k, c in per.items() if c > 1}
    if repeated:
        return "text", (f"auto: {len(repeated)} sentence(s) occur in several rows "
                        f"({sum(repeated.values())} rows), so each sentence stays in one split")
    return "utterance", "auto: every sentence occurs once"


def _counts(n: int, fractions: Sequence[float]) -> list[int]:
    """Largest-remainder rounding of ``n * fraction``, at least 1 per split when ``n`` allows."""
    exact = [n * f for f in fractions]
    counts = [math.floor(e) for e in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    for i in range(len(counts)):  # a requested split must not come out empty
        if counts[i] == 0 and n >= len(counts):
            donor = max(range(len(counts)), key=lambda j: counts[j])
            counts[donor] -= 1
            counts[i] = 1
    return counts


def speaker_sources(speaker: str) -> tuple[str, ...]:
    """The voices a speaker is made of: a blend ``BACKEND:A*W+B*W`` -> ``(BACKEND:A, BACKEND:B)``;
    any other speaker (``espeak-ng:sw+f2`` too: ``+`` without weights is a variant) -> itself."""
    backend, colon, name = speaker.rpartition(":")
    parts = name.split("+")
    if "*" not in name or not all("*" in p and p.split("*", 1)[0] for p in parts):
        return (speaker,)
    return tuple(sorted({f"{backend}{colon}{p.split('*', 1)[0]}" for p in parts}))


def _components(nodes: Sequence[str], keys) -> dict[str, str]:
    """node -> the smallest node of its connected component, nodes joined when ``keys(node)`` share a key."""
    parent = {n: n for n in nodes}

    def find(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    first: dict = {}
    for n in sorted(nodes):
        for k in keys(n):
            if k in first:
                a, b = find(first[k]), find(n)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                first[k] = n
    return {n: find(n) for n in nodes}


def _groups(ids: Sequence[str], by: str, speakers: Mapping[str, str], texts: Mapping[str, str | None]
            ) -> list[tuple[str, list[str]]]:
    """(label, ids) of the groups that must stay whole, sorted by label."""
    out: dict[str, list[str]] = {}
    if by == "speaker":  # a speaker's rows, joined with other speakers' through a shared source (blends)
        members: dict[str, list[str]] = {}
        for i in ids:
            members.setdefault(speakers[i], []).append(i)
        root = _components(list(members), speaker_sources)
        for sp in sorted(members):
            out.setdefault(root[sp], []).extend(members[sp])
        return sorted(out.items())

    def keys(i: str) -> list[tuple[str, str]]:  # a shared sentence (and, for speaker+text, a shared source)
        k = [("t", texts[i])] if texts.get(i) is not None else []
        return k + ([("s", src) for src in speaker_sources(speakers[i])] if by == "speaker+text" else [])

    root = _components(ids, keys)
    for i in sorted(ids):
        out.setdefault(root[i], []).append(i)
    return sorted(out.items())


_UNIT = {"speaker": "speaker(s)", "text": "sentence(s)", "speaker+text": "connected group(s) of speakers and sentences"}


def assign_splits(ids: Sequence[str], spec: SplitSpec, seed: int = 0, by: str = "utterance",
                  speakers: Mapping[str, str] | None = None,
                  texts: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """Map each id to a split name. ``speakers`` (id -> speaker) is needed for ``speaker`` groupings,
    ``texts`` (id -> :func:`sentence_key`) for ``text`` ones; ``by`` is resolved (not ``auto``).

    Raises :class:`SynthkitError` when a requested split would be empty (too few utterances,
    speakers or sentences for the spec)."""
    if by not in SPLIT_BY or by == "auto":
        raise SynthkitError(f"--split-by must be one of {', '.join(SPLIT_BY[1:])} here, got {by!r}")
    names = spec.names
    if len(names) == 1:
        return {i: names[0] for i in ids}
    rng = random.Random(derive_seed(seed, "split", spec.to_str(), by))
    fractions = [f for _, f in spec.parts]
    if by == "utterance":
        order = sorted(ids)
        rng.shuffle(order)
        counts = _counts(len(order), fractions)
        if len(order) < len(names):
            raise SynthkitError(f"--split {spec.to_str()}: {len(order)} utterances are too few for {len(names)} splits")
        out: dict[str, str] = {}
        start = 0
        for name, c in zip(names, counts):
            for i in order[start:start + c]:
                out[i] = name
            start += c
        return out
    if uses_speakers(by) and speakers is None:
        raise ValueError(f"by={by!r} needs the speaker of every id")
    if by in ("text", "speaker+text") and texts is None:
        raise ValueError(f"by={by!r} needs the text of every id")
    groups = _groups(ids, by, speakers or {}, texts or {})
    rng.shuffle(groups)
    targets = [len(ids) * f for f in fractions]
    filled = [0] * len(names)
    out = {}
    for _, members in groups:
        k = max(range(len(names)), key=lambda j: (targets[j] - filled[j], -j))
        for i in members:
            out[i] = names[k]
        filled[k] += len(members)
    empty = [n for n, c in zip(names, filled) if c == 0]
    if empty:
        biggest = max(len(m) for _, m in groups)
        blends = uses_speakers(by) and any(len(speaker_sources(speakers[i])) > 1 for i in ids)  # type: ignore[index]
        unit = _UNIT[by] + (" (blended voices joined with the voices they blend)" if blends else "")
        raise SynthkitError(
            f"--split {spec.to_str()} --split-by {by}: {len(groups)} {unit} are too few "
            f"(the largest holds {biggest} of {len(ids)} rows); split(s) {', '.join(empty)} would be empty "
            f"(use fewer splits" + (", or --split-by text" if by == "speaker+text" else
                                    ", or --split-by utterance" if by == "speaker" else "") + ")")
    return out


def overlaps(assigned: Mapping[str, str], names: Sequence[str], speakers: Mapping[str, str],
             texts: Mapping[str, str | None]) -> list[str]:
    """One sentence per kind of leak (sentences, speakers) that some split shares with another, naming
    the pairs of splits, the counts and a few examples; ``[]`` when nothing is shared."""
    per_split: dict[str, dict[str, set[str]]] = {n: {"sentence": set(), "speaker": set()} for n in names}
    for i, s in assigned.items():
        if texts.get(i) is not None:
            per_split[s]["sentence"].add(texts[i])  # type: ignore[arg-type]
        if speakers.get(i) not in (None, ""):
            per_split[s]["speaker"].update(speaker_sources(speakers[i]))
    out = []
    for kind, fix in (("sentence", "--split-by text or speaker+text"),
                      ("speaker", "--split-by speaker or speaker+text")):
        pairs, shared_all = [], set()
        for a_i, a in enumerate(names):
            for b in names[a_i + 1:]:
                shared = per_split[a][kind] & per_split[b][kind]
                if shared:
                    pairs.append(f"{a}/{b} {len(shared)}")
                    shared_all |= shared
        if pairs:
            examples = ", ".join(repr(x if len(x) <= 40 else x[:39] + "…") for x in sorted(shared_all)[:_EXAMPLES])
            out.append(f"splits share {len(shared_all)} {kind}(s) ({'; '.join(pairs)}; e.g. {examples}); "
                       f"{fix} keeps each {kind} in one split")
    return out
