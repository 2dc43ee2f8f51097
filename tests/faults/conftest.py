"""Fixtures of the fault matrix: the shared emulator's control endpoints, reset around each row."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator_control import EmulatorControl
from storyreel.emulator import EmulatorServer


class Control(EmulatorControl):
    """The emulator the fault matrix drives."""


@pytest.fixture(scope="module")
def control(emulator: EmulatorServer) -> Iterator[Control]:
    driver = Control(emulator)
    yield driver
    driver.close()


@pytest.fixture(autouse=True)
def _fresh_emulator(control: Control) -> Iterator[None]:
    control.reset()
    yield
    control.reset()
