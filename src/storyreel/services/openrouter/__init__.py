"""The OpenRouter writing stack: prompts, structured replies, and the writing service."""
