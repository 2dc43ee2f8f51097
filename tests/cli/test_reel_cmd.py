"""The reel at the command line against the emulator (real SDKs, real files, PyAV to check):
`make` ends with reel.mp4, `reshoot` films a blocked segment again, `assemble` redoes the reel
offline, and bad input is refused before anything is paid."""

from __future__ import annotations

import json
import math
import struct
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx2
import pysubs2
import pytest
from typer.testing import CliRunner

from storyreel.cli import app as cli_app
from storyreel.cli.state import CliState
from storyreel.jobs.sqlite import SqliteJobStore
from storyreel.settings import Settings, load_settings

IDEA = "a lighthouse keeper befriends a storm"
# A word only segment 2's visual prompt holds: fault rules match it.
MARKER = "ZEPPELIN"


def control(server: Any, path: str, body: Any = None) -> Any:
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        response = http.post(path, json=body) if body is not None else http.get(path)
    response.raise_for_status()
    return response.json()


def stats(server: Any) -> dict[str, Any]:
    found: dict[str, Any] = control(server, "/_emulator/stats")
    return found


@pytest.fixture(autouse=True)
def fresh_emulator(emulator: Any) -> Iterator[None]:
    control(emulator, "/_emulator/reset", {})
    yield
    control(emulator, "/_emulator/reset", {})


@pytest.fixture
def settings(tmp_output: Path, emulator: Any) -> Settings:
    return load_settings(
        {
            "backend": "offline",
            "output_dir": str(tmp_output),
            "emulator": {"url": emulator.url},
            "video": {"poll_initial_s": 0.05, "poll_max_s": 0.2, "duration_seconds": 4},
        },
        config_file=None,
        env={},
        dotenv=None,
    )


def invoke(settings: Settings, *args: str) -> Any:
    cli_app._register()
    return CliRunner().invoke(cli_app.app, list(args), obj=CliState(_settings=settings))


def story_file(folder: Path, segments: int = 2) -> Path:
    """A ready story of 4 s segments; segment 2's prompt carries :data:`MARKER`."""
    path = folder / "story.json"
    story = {
        "title": "The Keeper and the Storm",
        "logline": "A lonely keeper learns to talk to a storm.",
        "segments": [
            {
                "index": i,
                "narration": f"The storm answers the keeper, night {i}.",
                "visual_prompt": f"A lighthouse at night, shot {i}"
                + (f", a {MARKER} drifts past" if i == 2 else ""),
                "duration_seconds": 4,
            }
            for i in range(1, segments + 1)
        ],
    }
    path.write_text(json.dumps(story), encoding="utf-8")
    return path


def tone_wav(path: Path, seconds: float = 1.0) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(22050)
        frames = int(seconds * 22050)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 330 * n / 22050)))
                for n in range(frames)
            )
        )
    return path


def media_seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.duration is not None
        return float(stream.duration * stream.time_base)


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def decode_reel(path: Path) -> tuple[int, int, float, float, int, int]:
    """Streams counted, then every packet decoded: (video streams, audio streams, video
    seconds, audio seconds, frames, width)."""
    with av.open(str(path)) as container:
        videos, audios = len(container.streams.video), len(container.streams.audio)
        video = container.streams.video[0]
        fps = float(video.average_rate or 24)
        frames = sum(1 for _ in container.decode(video=0))
        width = video.codec_context.width
    with av.open(str(path)) as container:
        samples = sum(frame.samples for frame in container.decode(audio=0))
        rate = container.streams.audio[0].rate
    return videos, audios, frames / fps, samples / rate, frames, width


def test_make_four_segments_ends_with_a_narrated_captioned_reel(
    settings: Settings, emulator: Any
) -> None:
    result = invoke(settings, "make", IDEA, "--segments", "4", "--yes", "--json")

    assert result.exit_code == 0, result.output
    manifest = json.loads(result.stdout)
    folder = settings.output_dir / manifest["job_id"]
    reel = manifest["reel"]
    assert reel["path"] == "reel.mp4"
    assert reel["captions"] == ["reel.srt", "reel.vtt"]
    assert reel["narrated_segments"] == [1, 2, 3, 4]
    assert reel["cards"] == []
    assert [a["path"] for a in manifest["audio"]] == [
        f"audio/segment-0{i}.wav" for i in range(1, 5)
    ]
    clips = [media_seconds(folder / c["path"]) for c in manifest["clips"]]
    voices = [wav_seconds(folder / a["path"]) for a in manifest["audio"]]
    for entry, seconds in zip(manifest["audio"], voices, strict=True):
        assert entry["duration_seconds"] == pytest.approx(seconds, abs=0.01)
    videos, audios, video_s, audio_s, _frames, width = decode_reel(folder / "reel.mp4")
    assert (videos, audios) == (1, 1)
    assert width == 720
    # Each clip's length, plus the time a narration longer than its clip holds the last frame.
    held = sum(max(0.0, voice / 1.1 - clip) for clip, voice in zip(clips, voices, strict=True))
    frame = 1 / 24
    assert sum(clips) - frame <= video_s <= sum(clips) + held + frame
    assert reel["duration_seconds"] == pytest.approx(video_s, abs=frame)
    assert audio_s == pytest.approx(video_s, abs=0.1)
    cues = pysubs2.load(str(folder / "reel.srt"))
    assert len(cues) >= 4
    assert pysubs2.load(str(folder / "reel.vtt")).events[0].text == cues.events[0].text
    counters = stats(emulator)
    assert counters["video_submissions"] == 4
    assert counters["speech_calls"] == 4


def test_make_prints_the_reel_path_last(settings: Settings, tmp_path: Path) -> None:
    result = invoke(settings, "make", "--story", str(story_file(tmp_path, 1)), "--yes")

    assert result.exit_code == 0, result.output
    job = SqliteJobStore.in_output_dir(settings.output_dir).list_jobs()[0]
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith(f"Reel: {job.out_dir}/reel.mp4 (")
    assert "s of speech" in result.stderr
    assert "2 images" in result.stderr  # the thumbnail and the one segment's keyframe


def test_make_without_reel_or_narration_makes_neither(
    settings: Settings, emulator: Any, tmp_path: Path
) -> None:
    story = str(story_file(tmp_path, 1))
    result = invoke(settings, "make", "--story", story, "--no-reel", "--no-narration", "--yes")

    assert result.exit_code == 0, result.output
    job = SqliteJobStore.in_output_dir(settings.output_dir).list_jobs()[0]
    folder = Path(job.out_dir)
    assert not (folder / "reel.mp4").exists()
    assert not (folder / "audio").exists()
    assert stats(emulator)["speech_calls"] == 0
    assert (folder / "clips" / "segment-01.mp4").exists()


def test_reshoot_of_a_blocked_segment_turns_a_partial_job_into_a_whole_one(
    settings: Settings, emulator: Any, tmp_path: Path
) -> None:
    rule = {"route": "predictLongRunning", "kind": "safety_block", "match": MARKER, "times": 1}
    control(emulator, "/_emulator/faults", [rule])
    story = str(story_file(tmp_path))

    made = invoke(settings, "make", "--story", story, "--allow-gaps", "--yes", "--json")

    assert made.exit_code == 3, made.output
    partial = json.loads(made.stdout)
    assert partial["status"] == "partial"
    assert partial["reel"]["cards"] == [2]
    assert [c["status"] for c in partial["clips"]] == ["succeeded", "failed"]
    folder = settings.output_dir / partial["job_id"]
    assert decode_reel(folder / "reel.mp4")[:2] == (1, 1)
    speech_before = stats(emulator)["speech_calls"]
    assert stats(emulator)["video_submissions"] == 2

    again = invoke(settings, "reshoot", partial["job_id"], "--segment", "2", "--json")

    assert again.exit_code == 0, again.output
    whole = json.loads(again.stdout)
    assert whole["status"] == "succeeded"
    assert whole["video_submissions"] == partial["video_submissions"] + 1
    assert stats(emulator)["video_submissions"] == 3
    assert stats(emulator)["speech_calls"] == speech_before  # narration unchanged
    assert whole["reel"]["cards"] == []
    assert whole["reel"]["narrated_segments"] == [1, 2]
    assert decode_reel(folder / "reel.mp4")[2] == pytest.approx(8.0, abs=0.2)


def test_assemble_again_offline_with_other_choices(
    settings: Settings, emulator: Any, tmp_path: Path
) -> None:
    made = invoke(settings, "make", "--story", str(story_file(tmp_path)), "--yes", "--json")
    assert made.exit_code == 0, made.output
    job_id = json.loads(made.stdout)["job_id"]
    folder = settings.output_dir / job_id
    before = stats(emulator)
    music = tone_wav(tmp_path / "bed.wav")

    result = invoke(
        settings,
        "assemble",
        job_id,
        "--music",
        str(music),
        "--no-captions",
        "--transition",
        "0.5",
        "--json",
    )

    assert result.exit_code == 0, result.output
    manifest = json.loads(result.stdout)
    assert manifest["status"] == "succeeded"
    assert manifest["reel"]["captions"] == []
    assert not (folder / "reel.srt").exists()
    assert not (folder / "reel.vtt").exists()
    after = stats(emulator)
    for counter in ("video_submissions", "speech_calls", "requests"):
        assert after[counter] == before[counter], counter
    # A half-second crossfade overlaps the two clips.
    assert decode_reel(folder / "reel.mp4")[2] == pytest.approx(7.5, abs=0.2)


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Settings, emulator: Any
) -> None:
    """The same settings in the environment, for `storyreel` run as users run it."""
    monkeypatch.chdir(tmp_path)
    for name in ("STORYREEL_CONFIG", "OPENAI_API_KEY", "GOOGLE_STUDIO_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STORYREEL_BACKEND", "offline")
    monkeypatch.setenv("STORYREEL_OUTPUT_DIR", str(settings.output_dir))
    monkeypatch.setenv("STORYREEL_EMULATOR__URL", emulator.url)


def run_error(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Exit status and stderr of `storyreel ARGS` that fails."""
    with pytest.raises(SystemExit) as exited:
        cli_app.run(list(args))
    code = exited.value.code
    return int(code if isinstance(code, int) else 1), capsys.readouterr().err


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize("case", ["not audio", "missing"])
def test_bad_music_is_one_line_before_anything_is_paid(
    settings: Settings,
    emulator: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    music = tmp_path / "song.mp3"
    if case == "not audio":
        music.write_text("this is not music", encoding="utf-8")

    code, err = run_error(capsys, "make", IDEA, "--segments", "2", "--music", str(music), "--yes")

    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: music file "), err
    assert str(music) in lines[0]
    assert "Estimated cost" not in err
    assert stats(emulator)["video_submissions"] == 0
    assert stats(emulator)["speech_calls"] == 0
    assert SqliteJobStore.in_output_dir(settings.output_dir).list_jobs() == []


@pytest.mark.usefixtures("cli_env")
def test_bad_input_to_make_assemble_and_reshoot_pays_nothing(
    settings: Settings, emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = invoke(settings, "make", "--story", str(story_file(tmp_path, 1)), "--yes", "--json")
    assert made.exit_code == 0, made.output
    job_id = json.loads(made.stdout)["job_id"]
    reel = (settings.output_dir / job_id / "reel.mp4").read_bytes()
    before = stats(emulator)
    noise = tmp_path / "noise.wav"
    noise.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder", encoding="utf-8")

    cases = [
        (("assemble", job_id, "--music", str(noise)), "music file"),
        (("assemble", job_id, "--music", str(tmp_path / "nowhere.ogg")), "music file"),
        (("reshoot", job_id, "--segment", "2", "--yes"), "has no segment 2"),
        (("reshoot", job_id, "--segment", "1", "--prompt", "x" * 20_001, "--yes"), "prompt"),
        (("reshoot", "no-such-job", "--segment", "1", "--yes"), "no-such-job"),
        (("make", IDEA, "--out", str(in_the_way / "sub"), "--yes"), "is a file"),
    ]
    for args, words in cases:
        code, err = run_error(capsys, *args)
        assert code != 0, args
        lines = err.strip().splitlines()
        assert len(lines) == 1, (args, err)
        assert lines[0].startswith("error: "), (args, err)
        assert words in lines[0], (args, err)
        assert "Traceback" not in err
    assert stats(emulator)["video_submissions"] == before["video_submissions"]
    assert stats(emulator)["speech_calls"] == before["speech_calls"]
    assert (settings.output_dir / job_id / "reel.mp4").read_bytes() == reel
