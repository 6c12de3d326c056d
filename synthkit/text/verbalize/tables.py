"""Tables shared by every language: which characters are emoji, which punctuation is read (and so must
not be left in a spoken sentence), and the currency signs that name one currency everywhere.
"""

from __future__ import annotations

import re

#: Currency signs and written prefixes -> ISO 4217 code. A language module may drop an entry (``$`` is
#: a peso in much of Latin America: the Spanish and Portuguese modules do not read it) or add its own.
CURRENCY_SIGNS: dict[str, str] = {
    "US$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₦": "NGN", "R$": "BRL",
    "KSh": "KES", "Ksh": "KES", "KShs": "KES", "TSh": "TZS", "Tsh": "TZS", "USh": "UGX", "₺": "TRY",
    "CHF": "CHF",
}

#: Code points that are emoji (pictographs, emoticons, dingbats, flags' regional indicators) or parts of
#: emoji sequences (variation selectors, skin tones, keycap mark, tags).
_EMOJI_RANGES = (
    (0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x2300, 0x23FF), (0x1F1E6, 0x1F1FF),
    (0xE0020, 0xE007F),
)
_EMOJI_PARTS = "\ufe0f\ufe0e\u20e3\u200d"
_KEYCAP = "[0-9#*]\ufe0f?\u20e3"


def is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return ch in _EMOJI_PARTS or any(lo <= cp <= hi for lo, hi in _EMOJI_RANGES)


_EMOJI_CLASS = "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in _EMOJI_RANGES) + _EMOJI_PARTS
#: One emoji cluster: a keycap (1️⃣) or a run of emoji code points.
EMOJI_RE = re.compile(f"(?:{_KEYCAP}|[{_EMOJI_CLASS}])+")

#: Punctuation that is read aloud where it means something (and so may not be left in a spoken
#: sentence): anything else of Unicode category P* (. , ; : ! ? quotes, brackets, dashes) is kept — it
#: marks prosody and the G2P ignores it.
READ_PUNCTUATION = set("#%&@*/\\§¶†‡‰‱′″•_")

#: Marks that are never spoken ("Coca-Cola®"): dropped, ``text_original`` keeps them.
SILENT_MARKS = set("®™℠")

#: Web addresses have no reading: the sentence is rejected (spelling them out is rarely what a speaker says).
URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
#: An e-mail address; read with the language's words for ``@`` and ``.`` where it has them.
EMAIL_RE = re.compile(r"(?<![\w.+-])([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?![\w-])")
