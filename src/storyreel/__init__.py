"""storyreel: turn an idea into a short video with an LLM, Veo and Gemini."""

__version__ = "0.1.0"

__all__ = ["__version__"]
