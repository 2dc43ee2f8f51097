"""Operations kept in a state folder: accepted by one emulator, polled and collected by a later
one (as by a later process), crash-safe and shared safely by several processes."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from google import genai
from google.genai import errors, types

from storyreel.emulator import EmulatorOptions, EmulatorServer, stored_operations
from storyreel.emulator.faults import parse_rule
from storyreel.emulator.operations import Operation, OperationStore
from storyreel.emulator.records import RecordFolder
from storyreel.emulator.state import OPERATIONS_FOLDER
from storyreel.emulator.video import ClipSpec

from .support import project_client

MODEL = "veo-3.1-fast-generate-001"


def _client(server: EmulatorServer) -> genai.Client:
    # Kept by the caller: a client closes its connections when it is garbage-collected.
    client: genai.Client = project_client(server.url)
    return client


def _submit(client: genai.Client, prompt: str) -> types.GenerateVideosOperation:
    return client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(prompt=prompt),
        config=types.GenerateVideosConfig(duration_seconds=4, aspect_ratio="16:9"),
    )


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def first(state_dir: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(video_latency_s=0, state_dir=state_dir)) as server:
        yield server


def test_an_operation_outlives_the_emulator_that_accepted_it(
    first: EmulatorServer, state_dir: Path
) -> None:
    client = _client(first)
    accepted = _submit(client, "a paper boat in the rain")
    first.stop()
    assert stored_operations(state_dir) == [accepted.name]

    with EmulatorServer(EmulatorOptions(state_dir=state_dir)) as later:
        client = _client(later)
        polled = client.operations.get(accepted)
        assert later.state.stats()["video_submissions"] == 0  # collected, not submitted

    assert polled.done
    assert polled.response is not None
    assert polled.response.generated_videos
    video = polled.response.generated_videos[0].video
    assert video is not None
    assert video.video_bytes is not None
    assert video.video_bytes[4:8] == b"ftyp"


def test_without_a_state_folder_a_later_emulator_answers_404(first: EmulatorServer) -> None:
    client = _client(first)
    accepted = _submit(client, "kept by the first one only")
    with EmulatorServer(EmulatorOptions()) as other:
        client = _client(other)
        with pytest.raises(errors.ClientError) as caught:
            client.operations.get(accepted)
    assert caught.value.code == 404


def test_the_completion_time_survives(state_dir: Path) -> None:
    folder = RecordFolder(state_dir / OPERATIONS_FOLDER)
    clips = [ClipSpec("a kite", (9, 16), 4)]
    due = Operation(name="p/operations/due", clips=clips, latency_s=2.0, done_at=time.time() - 1)
    later = Operation(name="p/operations/later", clips=clips, latency_s=3600.0)
    writer = OperationStore(folder)
    writer.add(due)
    writer.add(later)

    reader = OperationStore(folder)  # what a process started afterwards sees
    read_due, read_later = reader.get(due.name), reader.get(later.name)

    assert read_due is not None
    assert read_later is not None
    assert read_due.is_done()
    assert not read_later.is_done()
    assert read_later.done_at == later.done_at
    assert read_due.clips == clips


def test_a_crash_mid_write_leaves_no_torn_record(state_dir: Path) -> None:
    folder = RecordFolder(state_dir / OPERATIONS_FOLDER)
    store = OperationStore(folder)
    store.add(Operation(name="p/operations/whole", clips=[ClipSpec("x")], latency_s=0))
    # What a writer killed before its rename leaves: a temporary file, half written.
    (folder.path / ".tmp-999-abc").write_bytes(b'{"key": "p/operations/torn", "rec')

    assert folder.keys() == ["p/operations/whole"]
    assert OperationStore(folder).get("p/operations/torn") is None
    assert OperationStore(folder).get("p/operations/whole") is not None


_WRITER = """
import sys
from pathlib import Path
from storyreel.emulator.operations import Operation, OperationStore
from storyreel.emulator.records import RecordFolder
from storyreel.emulator.video import ClipSpec
store = OperationStore(RecordFolder(Path(sys.argv[1])))
for _ in range(25):
    name = store.new_name("projects/1/locations/l/publishers/google/models/m", b"same body")
    store.add(Operation(name=name, clips=[ClipSpec("same prompt")], latency_s=0))
"""


def test_processes_sharing_the_folder_never_collide(state_dir: Path) -> None:
    folder = state_dir / OPERATIONS_FOLDER
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(folder)]) for _ in range(3)]
    assert [writer.wait(timeout=60) for writer in writers] == [0, 0, 0]

    names = RecordFolder(folder).keys()
    assert len(names) == len(set(names)) == 75
    reader = OperationStore(RecordFolder(folder))
    assert all(reader.get(name) is not None for name in names)


def test_a_fault_set_outcome_is_stored_with_the_operation(
    first: EmulatorServer, state_dir: Path
) -> None:
    client = _client(first)
    accepted = _submit(client, "blocked later")
    first.state.faults.install(
        [parse_rule({"route": "fetchPredictOperation", "kind": "safety_block"})]
    )
    client.operations.get(accepted)
    first.stop()

    with EmulatorServer(EmulatorOptions(state_dir=state_dir)) as later:
        client = _client(later)
        polled = client.operations.get(accepted)
    assert polled.response is not None
    assert polled.response.rai_media_filtered_count == 1


def test_reset_forgets_stored_operations(first: EmulatorServer, state_dir: Path) -> None:
    client = _client(first)
    _submit(client, "to be forgotten")
    assert len(stored_operations(state_dir)) == 1
    first.state.reset()
    assert stored_operations(state_dir) == []
    assert first.state.stats()["operations"] == 0


def test_an_unwritable_state_folder_refuses_the_submission(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    options = EmulatorOptions(video_latency_s=0, state_dir=blocker)
    with EmulatorServer(options) as server:
        client = _client(server)
        with pytest.raises(errors.ServerError) as caught:
            _submit(client, "nowhere to keep it")
    # 503: certainly not accepted, so a client may send it again without paying twice.
    assert caught.value.code == 503
    assert server.state.stats()["video_submissions"] == 0
    assert server.state.stats()["operations"] == 0
