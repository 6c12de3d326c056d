"""The languages multilingual Whisper knows, as an explicit table, and code conversions.

Whisper names a language by its own code (its language tokens ``<|de|>``, ``<|sw|>``, ...): ISO 639-1
for 96 of the 99 languages of Whisper tiny … large-v2 (base included), plus ``haw`` (Hawaiian, ISO 639-3;
no 639-1 code exists), ``jw`` (Javanese: Whisper keeps the withdrawn code; ISO 639-1 is ``jv``) and, in
large-v3 only, ``yue`` (Cantonese). synthkit manifests name a row's ``language`` in ISO 639-3
(``deu``, ``swa``); :data:`WHISPER_LANGUAGES` maps each Whisper code to ISO 639-3 and an English name.

A row's code is matched to Whisper's in this order (:func:`whisper_code`):

1. a Whisper code as it is (``de``, ``haw``, ``jw``), or an ISO 639-1 code (``jv`` → ``jw``);
2. the ISO 639-3 code of a Whisper language (``deu`` → ``de``; ``jav`` → ``jw``);
3. an individual language Whisper covers under its macrolanguage (:data:`MACRO_MEMBERS`: ``swh`` →
   ``sw``, ``cmn`` → ``zh``, ``arb`` → ``ar``, ``pes`` → ``fa``, ...); only languages that make up the
   bulk of what Whisper heard under that code are listed (Cantonese ``yue`` is not: base has no token
   for it, and Mandarin-trained ``zh`` does not stand in for it);
4. a regional tag is cut to its language (``en-US`` → ``en``, ``pt_BR`` → ``pt``).

Anything else (Zulu ``zul``, Igbo ``ibo``, Wolof ``wol`` …) is a language Whisper does not know:
:func:`whisper_code` returns None and the scorer skips ``cer``/``lid`` for such rows with the reason.
"""

from __future__ import annotations

from functools import lru_cache

#: Whisper code -> (ISO 639-3, English name), in Whisper's own order (its language-token order).
#: The 99 languages of Whisper tiny … large-v2 (base, the model synthkit ships, included).
WHISPER_LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("eng", "English"), "zh": ("zho", "Chinese"), "de": ("deu", "German"), "es": ("spa", "Spanish"),
    "ru": ("rus", "Russian"), "ko": ("kor", "Korean"), "fr": ("fra", "French"), "ja": ("jpn", "Japanese"),
    "pt": ("por", "Portuguese"), "tr": ("tur", "Turkish"), "pl": ("pol", "Polish"), "ca": ("cat", "Catalan"),
    "nl": ("nld", "Dutch"), "ar": ("ara", "Arabic"), "sv": ("swe", "Swedish"), "it": ("ita", "Italian"),
    "id": ("ind", "Indonesian"), "hi": ("hin", "Hindi"), "fi": ("fin", "Finnish"), "vi": ("vie", "Vietnamese"),
    "he": ("heb", "Hebrew"), "uk": ("ukr", "Ukrainian"), "el": ("ell", "Greek"), "ms": ("msa", "Malay"),
    "cs": ("ces", "Czech"), "ro": ("ron", "Romanian"), "da": ("dan", "Danish"), "hu": ("hun", "Hungarian"),
    "ta": ("tam", "Tamil"), "no": ("nor", "Norwegian"), "th": ("tha", "Thai"), "ur": ("urd", "Urdu"),
    "hr": ("hrv", "Croatian"), "bg": ("bul", "Bulgarian"), "lt": ("lit", "Lithuanian"), "la": ("lat", "Latin"),
    "mi": ("mri", "Maori"), "ml": ("mal", "Malayalam"), "cy": ("cym", "Welsh"), "sk": ("slk", "Slovak"),
    "te": ("tel", "Telugu"), "fa": ("fas", "Persian"), "lv": ("lav", "Latvian"), "bn": ("ben", "Bengali"),
    "sr": ("srp", "Serbian"), "az": ("aze", "Azerbaijani"), "sl": ("slv", "Slovenian"), "kn": ("kan", "Kannada"),
    "et": ("est", "Estonian"), "mk": ("mkd", "Macedonian"), "br": ("bre", "Breton"), "eu": ("eus", "Basque"),
    "is": ("isl", "Icelandic"), "hy": ("hye", "Armenian"), "ne": ("nep", "Nepali"), "mn": ("mon", "Mongolian"),
    "bs": ("bos", "Bosnian"), "kk": ("kaz", "Kazakh"), "sq": ("sqi", "Albanian"), "sw": ("swa", "Swahili"),
    "gl": ("glg", "Galician"), "mr": ("mar", "Marathi"), "pa": ("pan", "Punjabi"), "si": ("sin", "Sinhala"),
    "km": ("khm", "Khmer"), "sn": ("sna", "Shona"), "yo": ("yor", "Yoruba"), "so": ("som", "Somali"),
    "af": ("afr", "Afrikaans"), "oc": ("oci", "Occitan"), "ka": ("kat", "Georgian"), "be": ("bel", "Belarusian"),
    "tg": ("tgk", "Tajik"), "sd": ("snd", "Sindhi"), "gu": ("guj", "Gujarati"), "am": ("amh", "Amharic"),
    "yi": ("yid", "Yiddish"), "lo": ("lao", "Lao"), "uz": ("uzb", "Uzbek"), "fo": ("fao", "Faroese"),
    "ht": ("hat", "Haitian Creole"), "ps": ("pus", "Pashto"), "tk": ("tuk", "Turkmen"), "nn": ("nno", "Nynorsk"),
    "mt": ("mlt", "Maltese"), "sa": ("san", "Sanskrit"), "lb": ("ltz", "Luxembourgish"), "my": ("mya", "Myanmar"),
    "bo": ("bod", "Tibetan"), "tl": ("tgl", "Tagalog"), "mg": ("mlg", "Malagasy"), "as": ("asm", "Assamese"),
    "tt": ("tat", "Tatar"), "haw": ("haw", "Hawaiian"), "ln": ("lin", "Lingala"), "ha": ("hau", "Hausa"),
    "ba": ("bak", "Bashkir"), "jw": ("jav", "Javanese"), "su": ("sun", "Sundanese"),
}
#: Whisper large-v3 adds Cantonese; a model is asked which of these codes it has a token for.
EXTRA_LANGUAGES: dict[str, tuple[str, str]] = {"yue": ("yue", "Cantonese")}

#: ISO 639-1 codes Whisper spells differently.
ISO1_TO_WHISPER = {"jv": "jw"}

#: Individual languages (ISO 639-3) Whisper hears under a macrolanguage code.
MACRO_MEMBERS: dict[str, str] = {
    "swh": "sw", "swc": "sw",  # Swahili: Kiswahili, Congo Swahili
    "cmn": "zh",  # Mandarin
    "arb": "ar",  # Standard Arabic
    "pes": "fa", "prs": "fa",  # Iranian Persian, Dari
    "zsm": "ms",  # Standard Malay
    "uzn": "uz",  # Northern Uzbek
    "ekk": "et",  # Standard Estonian
    "lvs": "lv",  # Standard Latvian
    "nob": "no",  # Bokmål
    "khk": "mn",  # Halh Mongolian
    "als": "sq",  # Tosk Albanian
    "azj": "az",  # North Azerbaijani
    "npi": "ne",  # Nepali (individual)
    "pbt": "ps", "pbu": "ps",  # Southern and Northern Pashto
    "plt": "mg",  # Plateau Malagasy
    "ydd": "yi",  # Eastern Yiddish
    "tgl": "tl", "fil": "tl",  # Tagalog, Filipino
}

_ISO3_TO_WHISPER = {iso3: code for code, (iso3, _) in {**WHISPER_LANGUAGES, **EXTRA_LANGUAGES}.items()}


@lru_cache(maxsize=1024)
def whisper_code(language: str | None, known: frozenset[str] | None = None) -> str | None:
    """Whisper's code for ``language`` (ISO 639-1/639-3, a Whisper code, or a tag like ``en-US``), or None
    when Whisper does not know it. ``known``: the codes a given model has tokens for (default: the 99)."""
    if not language or not isinstance(language, str):
        return None
    langs = known if known is not None else frozenset(WHISPER_LANGUAGES)
    code = language.strip().lower().replace("_", "-")
    for cand in (code, code.split("-")[0]):
        cand = ISO1_TO_WHISPER.get(cand, cand)
        for c in (cand, _ISO3_TO_WHISPER.get(cand), MACRO_MEMBERS.get(cand)):
            if c and c in langs:
                return c
    return None


def iso3(code: str) -> str:
    """ISO 639-3 of a Whisper code (``de`` → ``deu``); unknown codes come back unchanged."""
    entry = WHISPER_LANGUAGES.get(code) or EXTRA_LANGUAGES.get(code)
    return entry[0] if entry else code


def name(code: str) -> str:
    entry = WHISPER_LANGUAGES.get(code) or EXTRA_LANGUAGES.get(code)
    return entry[1] if entry else code


__all__ = ["WHISPER_LANGUAGES", "EXTRA_LANGUAGES", "MACRO_MEMBERS", "whisper_code", "iso3", "name"]
