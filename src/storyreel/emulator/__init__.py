"""Offline emulator of the OpenAI-compatible (OpenRouter) and Google Vertex AI / Gemini APIs."""

from storyreel.emulator.app import create_app
from storyreel.emulator.options import EmulatorOptions
from storyreel.emulator.server import EmulatorServer, serve

__all__ = ["EmulatorOptions", "EmulatorServer", "create_app", "serve"]
