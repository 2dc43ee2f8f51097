"""The Google media stack: Veo clips and Gemini images through google-genai."""
