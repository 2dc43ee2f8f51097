"""Offline emulator of the OpenAI-compatible (OpenRouter) and Google Vertex AI / Gemini APIs."""

from storyreel.emulator.app import create_app
from storyreel.emulator.input_log import stored_inputs
from storyreel.emulator.options import EmulatorOptions
from storyreel.emulator.server import EmulatorServer, serve
from storyreel.emulator.state import STATE_FOLDER_NAME, stored_operations

__all__ = [
    "STATE_FOLDER_NAME",
    "EmulatorOptions",
    "EmulatorServer",
    "create_app",
    "serve",
    "stored_inputs",
    "stored_operations",
]
