"""The domain: stories, segments, characters and the limits every layer checks against."""
