"""The journal of one clip's paid submit: written ahead of every request that may be billed."""

from __future__ import annotations

from storyreel.errors import ProviderError
from storyreel.jobs.journal import StepJournal
from storyreel.jobs.models import StepRecord, StepStatus


class SubmitLedger:
    """The journal of one clip's submit, one entry per request that may reach Google."""

    def __init__(self, journal: StepJournal, step: StepRecord) -> None:
        self._journal = journal
        self.step = step
        # Whether the latest request may be on its way to Google (and billed).
        self.sent = False

    def sending(self) -> None:
        # Write ahead: from here the request may reach Google and be billed.
        self.step = self.step.but(
            status=StepStatus.UNKNOWN,
            attempts=self.step.attempts + 1,
            submissions=self.step.submissions + 1,
            error=None,
        )
        self._journal.save_ahead(self.step)
        self.sent = True

    def refused(self, error: ProviderError) -> None:
        # Google said no (429/503): nothing was billed, whatever happens during the wait.
        self.step = self.step.but(
            status=StepStatus.PENDING, submissions=self.step.submissions - 1, error=str(error)
        )
        self.sent = False
        self._journal.save(self.step)
