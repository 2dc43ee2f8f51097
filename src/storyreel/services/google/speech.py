"""The narration voice: Gemini text-to-speech, one billed call per text, answered as PCM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final, Protocol

from storyreel.domain.reel import Speech
from storyreel.errors import InputError, ProviderError
from storyreel.quota import SPEECH, Limiter
from storyreel.services.google import errors as gerr
from storyreel.services.google.audio import speech_payload
from storyreel.services.google.paid_calls import MaybeBilled, PaidRetry, no_sdk_retries, send_paid
from storyreel.services.google.throttling import google_throttle
from storyreel.settings import Settings

if TYPE_CHECKING:
    from google.genai import types

logger = logging.getLogger(__name__)

_VERSION: Final = re.compile(r"gemini-(\d+)(?:\.(\d+))?")
# From Gemini 3.8 on, TTS models read the text word for word and take their style from
# speech_metadata; earlier ones take it written before the text ("Say ... : text").
_METADATA_STYLE_FROM: Final = (3, 8)
_STYLE_NOUNS: Final = frozenset({"voice", "tone", "way", "manner", "style", "delivery"})


class SpeechModels(Protocol):
    """The call of ``client.aio.models`` the voice makes."""

    async def generate_content(
        self,
        *,
        model: str,
        contents: types.ContentListUnion,
        config: types.GenerateContentConfig,
    ) -> types.GenerateContentResponse: ...


class AsyncSpeech(Protocol):
    @property
    def models(self) -> SpeechModels: ...


class SpeechClient(Protocol):
    """What the voice needs of ``google.genai.Client``: its async ``generate_content``."""

    @property
    def aio(self) -> AsyncSpeech: ...


def style_in_metadata(model: str) -> bool:
    """Whether ``model`` takes its style as ``speech_metadata.style`` (Gemini 3.8 TTS on)."""
    match = _VERSION.search(model)
    version = (int(match[1]), int(match[2] or 0)) if match else (0, 0)
    return version >= _METADATA_STYLE_FROM


def direction(style: str) -> str:
    """A style as the earlier TTS models expect it: a spoken-word direction ending in a colon."""
    words = style.strip().rstrip(".:").split()
    if words and words[0].lower() in ("a", "an"):
        words = words[1:]
    phrase = " ".join(words)
    if words and words[-1].lower() in _STYLE_NOUNS:
        return f"Read the following aloud in a {phrase}:"
    return f"Read the following aloud in a {phrase} voice:"


def speech_contents(text: str, *, style: str | None, model: str) -> types.ContentListUnion:
    """What to send for ``text`` read in ``style``, in the form ``model`` expects."""
    from google.genai import types

    if not style or not style.strip():
        return text
    if style_in_metadata(model):
        metadata = types.SpeechMetadata(style=style.strip())
        return types.Content(role="user", parts=[types.Part(text=text, speech_metadata=metadata)])
    return f"{direction(style)}\n{text}"


class SpeechService:
    """Reads narration aloud with Gemini TTS: ``google.tts_model`` in the voice
    ``narration.voice`` and the style ``narration.style``. Implements the job layer's Voice.

    ``client`` is the google-genai client for ``google.tts_location`` (the container's
    ``genai_tts_client``); ``sleep`` is the wait before a resend (a seam for tests).
    Each call is billed, so it is sent again only when Google certainly refused it;
    ``calls_sent`` and ``calls_refused`` count this service's requests; each waits for
    the TTS budget of ``limiter`` (none by default).
    """

    def __init__(
        self,
        client: SpeechClient,
        settings: Settings,
        *,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        limiter: Limiter | None = None,
    ) -> None:
        self._client = client
        self._limiter = limiter or Limiter.unlimited()
        self._model = settings.google.tts_model
        self._voice = settings.narration.voice
        self._style = settings.narration.style
        self._retry = PaidRetry(attempts=settings.google.max_retries + 1, sleep=sleep)
        self._sent = 0
        self._refused = 0

    @property
    def model(self) -> str:
        return self._model

    @property
    def calls_sent(self) -> int:
        """Requests sent to Google so far, refused ones included."""
        return self._sent

    @property
    def calls_refused(self) -> int:
        """Requests Google certainly refused (nothing billed): 429/503/408, no connection."""
        return self._refused

    async def speak(
        self,
        text: str,
        *,
        label: str,
        on_refused: Callable[[ProviderError], None] | None = None,
        before_resend: Callable[[], None] | None = None,
    ) -> Speech:
        """``text`` read aloud, as 16-bit PCM; ``label`` names it in logs and errors.

        Refusals are retried with backoff (honouring Retry-After); ``on_refused`` hears of
        each before the wait and ``before_resend`` of each resend. Raises InputError for
        blank text, ContentBlockedError when Google blocks it, and ProviderError otherwise,
        with ``retryable`` saying whether another try may help; when the answer was lost
        after Google may have taken the request, the message says it may have been billed.
        """
        from google.genai import types

        spoken = " ".join(text.split())
        if not spoken:
            raise InputError(f"nothing to read aloud for {label}: the narration is blank")
        voice = types.VoiceConfig(
            prebuilt_voice_config=types.PrebuiltVoiceConfig(voice_name=self._voice)
        )
        config = types.GenerateContentConfig(
            response_modalities=["AUDIO"],
            speech_config=types.SpeechConfig(voice_config=voice),
            # The client's retry policy must not repeat a billed call blindly.
            http_options=no_sdk_retries(),
        )
        contents = speech_contents(spoken, style=self._style, model=self._model)

        async def call() -> types.GenerateContentResponse:
            self._sent += 1
            try:
                return await self._limiter.call(
                    SPEECH,
                    self._model,
                    lambda: self._client.aio.models.generate_content(
                        model=self._model, contents=contents, config=config
                    ),
                    throttled=google_throttle,
                )
            except Exception as exc:
                # classify() re-raises what is not about the call; that goes up unchanged.
                with contextlib.suppress(Exception):
                    if gerr.classify(exc) is gerr.Outcome.REFUSED:
                        self._refused += 1
                raise

        try:
            response = await send_paid(
                call,
                retry=self._retry,
                what=f"reading {label} aloud",
                label=label,
                on_refused=on_refused,
                before_resend=before_resend,
            )
        except MaybeBilled as maybe:
            raise ProviderError(
                f"{maybe.error}. Google may have read (and billed) {label}; it was not "
                "requested again",
                provider=gerr.PROVIDER,
                status=maybe.error.status if isinstance(maybe.error, ProviderError) else None,
                retryable=True,
            ) from maybe.__cause__
        speech = speech_payload(response, what=label)
        if not speech.pcm:
            raise ProviderError(
                f"the speech model returned empty audio for {label}",
                provider=gerr.PROVIDER,
                retryable=True,
            )
        logger.info(
            "%s: %.1f s of speech in voice %s (%d Hz)",
            label,
            speech.duration_s,
            self._voice,
            speech.sample_rate,
        )
        return speech


__all__ = ["SpeechClient", "SpeechService", "direction", "speech_contents", "style_in_metadata"]
