"""The words the window uses for things the core names technically: counts with their plural,
models by a human name, execution providers as the processor they run on, passage sizes in
words instead of tokens. One home, so every panel says the same thing.
"""

from __future__ import annotations

from desktop_app.embedding.profile import MINILM, PPLX_06B, PPLX_4B

#: English words per model token, on average (the usual rule of thumb for English text).
WORDS_PER_TOKEN = 0.75

_MODEL_NAMES = {
    MINILM.model_id: "MiniLM — small and fast, for English (included)",
    PPLX_06B.model_id: "Perplexity Embed 0.6B — many languages, long documents",
    PPLX_4B.model_id: "Perplexity Embed 4B — the most accurate, needs a fast computer",
}

_PROCESSORS = {"cpu": "CPU", "cuda": "NVIDIA GPU", "directml": "DirectX GPU",
               "coreml": "Apple Neural Engine", "auto": "Automatic"}


def count(n: int, noun: str, plural: str | None = None) -> str:
    """ "1 file", "2 files", "1,204 passages"."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def model_name(model_id: str) -> str:
    """What a person calls the model (its id stays in tooltips and the About box)."""
    known = _MODEL_NAMES.get(model_id)
    if known:
        return known
    return model_id.rsplit("/", 1)[-1]


def short_model_name(model_id: str) -> str:
    """The model's name without its description ("MiniLM"), for the status bar."""
    return model_name(model_id).split(" — ")[0]


def processor_name(provider: str) -> str:
    """"CPU", "NVIDIA GPU", "DirectX GPU" for onnxruntime's provider names."""
    return _PROCESSORS.get(provider.lower(), provider)


def tokens_to_words(tokens: int) -> int:
    """About how many words of English text fill ``tokens`` tokens, rounded to 10."""
    return max(10, round(tokens * WORDS_PER_TOKEN / 10) * 10)


def words_to_tokens(words: int) -> int:
    return round(words / WORDS_PER_TOKEN)
