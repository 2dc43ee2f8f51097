"""The redaction filter masks configured secrets in messages, arguments and tracebacks."""

from __future__ import annotations

import io
import logging

from storyreel.logs import MASK, configure_logging, redact, register_secrets

SECRET = "sk-or-v1-TESTKEY-logs-0123456789abcdef"


def test_redaction_masks_message_args_and_traceback() -> None:
    register_secrets([SECRET])
    stream = io.StringIO()
    handler = configure_logging("DEBUG", stream)
    log = logging.getLogger("storyreel.tests.logs")
    try:
        log.info("key is %s", SECRET)
        try:
            raise RuntimeError(f"failed with {SECRET}")
        except RuntimeError:
            log.exception("request failed")
    finally:
        logging.getLogger("storyreel").removeHandler(handler)
    output = stream.getvalue()
    assert SECRET not in output
    assert output.count(MASK) == 2
    assert "request failed" in output


def test_redact_leaves_ordinary_text_alone() -> None:
    register_secrets([SECRET, "abc"])  # too short to be a key: ignored
    assert redact(f"x {SECRET} abc") == f"x {MASK} abc"
