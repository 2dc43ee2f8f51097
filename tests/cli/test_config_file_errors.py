"""What a config.yml can get silently wrong, refused in one line naming the file, key and
line; and `config show` naming the real source of a value that is itself a mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cli_support import run_storyreel

from storyreel.errors import ConfigError
from storyreel.settings import load_settings


def test_config_unquoted_aspect_ratio_gets_a_hint_to_quote_it(tmp_path: Path) -> None:
    (tmp_path / "config.yml").write_text("backend: offline\nvideo:\n  aspect_ratio: 9:16\n")

    done = run_storyreel(tmp_path, "config", "check")

    assert done.returncode == 78
    assert done.stderr.splitlines() == [
        "error: config.yml:3: 'video.aspect_ratio: 9:16' reads as the number 556 in YAML "
        '(base 60); put it in quotes: aspect_ratio: "9:16"'
    ]


def test_config_quoted_aspect_ratio_is_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "config.yml"
    path.write_text("video:\n  aspect_ratio: '16:9'\n")

    settings = load_settings({}, config_file=path, env={}, dotenv=None)

    assert settings.video.aspect_ratio == "16:9"


def test_config_duplicate_section_is_refused_naming_both_lines(tmp_path: Path) -> None:
    (tmp_path / "config.yml").write_text(
        "video:\n  concurrency: 2\nbackend: offline\nvideo:\n  duration_seconds: 4\n"
    )

    done = run_storyreel(tmp_path, "config", "show")

    assert done.returncode == 78
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: config.yml:4: 'video' is given twice (first on line 1); YAML would silently "
        "keep only the last one: merge them into one"
    ]


@pytest.mark.parametrize(
    ("text", "where", "key"),
    [
        (
            "video:\n  concurrency: 2\n  resolution: 720p\n  concurrency: 3\n",
            ":4:",
            "video.concurrency",
        ),
        ("backend: offline\nbackend: live\n", ":2:", "backend"),
        (
            "video:\n  price_per_second_usd:\n    veo-a: 0.1\n    veo-a: 0.2\n",
            ":4:",
            "video.price_per_second_usd.veo-a",
        ),
    ],
)
def test_config_duplicate_key_at_any_level_is_refused(
    tmp_path: Path, text: str, where: str, key: str
) -> None:
    path = tmp_path / "config.yml"
    path.write_text(text)

    with pytest.raises(ConfigError) as caught:
        load_settings({}, config_file=path, env={}, dotenv=None)

    assert str(caught.value).startswith(f"{path}{where} '{key}' is given twice")


def test_config_show_labels_a_mapping_by_where_it_came_from(tmp_path: Path) -> None:
    (tmp_path / "config.yml").write_text(
        "backend: offline\nvideo:\n  concurrency: 2\n  price_per_second_usd:\n"
        "    veo-3.1-fast-generate-001: 0.2\n"
    )

    done = run_storyreel(tmp_path, "config", "show")

    assert done.returncode == 0, done.stderr
    price = next(line for line in done.stdout.splitlines() if "price_per_second_usd" in line)
    assert price.endswith("# config.yml:4")
    assert yaml.safe_load(done.stdout)["video"]["price_per_second_usd"] == {
        "veo-3.1-fast-generate-001": 0.2
    }
    # A value nobody set still reads as a default, and one key of the file does not label
    # its siblings.
    poll = next(line for line in done.stdout.splitlines() if "poll_max_s" in line)
    assert poll.endswith("# default")
