"""Settings: sources, precedence, and the errors a user gets for bad configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyreel.config_files import packaged_config
from storyreel.errors import ConfigError
from storyreel.settings import Settings, VideoPrice, load_settings

FAKE_OPENROUTER_KEY = "sk-or-v1-TESTKEY-settings-0123456789abcdef"
FAKE_GOOGLE_KEY = "AQ.TESTKEY-google-settings-0123456789"


def write(tmp_path: Path, text: str, name: str = "config.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_settings_shipped_config_matches_packaged_copy() -> None:
    root_copy = Path(__file__).resolve().parents[1] / "config.yml"
    assert root_copy.read_text() == packaged_config().read_text()


def test_settings_shipped_config_is_offline_and_equals_defaults(tmp_path: Path) -> None:
    from_file = load_settings(config_file=packaged_config(), env={}, dotenv=None)
    defaults = Settings.model_validate({})
    assert from_file.backend == "offline"
    assert from_file.model_dump() == defaults.model_dump()


def test_settings_precedence_yaml_then_env_then_override(tmp_path: Path) -> None:
    cfg = write(
        tmp_path, "video:\n  concurrency: 2\n  poll_max_s: 7\nopenrouter:\n  model: a/yaml\n"
    )
    from_yaml = load_settings(config_file=cfg, env={}, dotenv=None)
    assert from_yaml.video.concurrency == 2
    assert from_yaml.sources["video.concurrency"] == f"{cfg}:2"

    env = {"STORYREEL_VIDEO__CONCURRENCY": "3"}
    from_env = load_settings(config_file=cfg, env=env, dotenv=None)
    assert from_env.video.concurrency == 3
    assert from_env.video.poll_max_s == 7  # untouched keys keep the file's value
    assert from_env.sources["video.concurrency"] == "environment (STORYREEL_VIDEO__CONCURRENCY)"

    explicit = load_settings({"video": {"concurrency": 5}}, config_file=cfg, env=env, dotenv=None)
    assert explicit.video.concurrency == 5
    assert explicit.video.poll_max_s == 7
    assert explicit.sources["video.concurrency"] == "override"


def test_settings_dotenv_sits_between_environment_and_file(tmp_path: Path) -> None:
    cfg = write(tmp_path, "video:\n  concurrency: 2\n")
    dotenv = write(tmp_path, "STORYREEL_VIDEO__CONCURRENCY=6\nSCRIPT_MODEL=x/dotenv\n", ".env")
    loaded = load_settings(config_file=cfg, env={}, dotenv=dotenv)
    assert loaded.video.concurrency == 6
    assert loaded.openrouter.model == "x/dotenv"
    env_wins = load_settings(
        config_file=cfg, env={"STORYREEL_VIDEO__CONCURRENCY": "1"}, dotenv=dotenv
    )
    assert env_wins.video.concurrency == 1


def test_settings_seed_environment_names() -> None:
    env = {
        "OPENAI_API_KEY": FAKE_OPENROUTER_KEY,
        "OPENROUTER_BASE_URL": "https://router.example.test/api/v1",
        "GOOGLE_STUDIO_API_KEY": FAKE_GOOGLE_KEY,
        "SCRIPT_MODEL": "anthropic/claude-sonnet-4.5",
    }
    s = load_settings(env=env, dotenv=None)
    assert s.openrouter.api_key is not None
    assert s.openrouter.api_key.get_secret_value() == FAKE_OPENROUTER_KEY
    assert s.google.api_key is not None
    assert s.google.api_key.get_secret_value() == FAKE_GOOGLE_KEY
    assert s.openrouter.base_url == "https://router.example.test/api/v1"
    assert s.openrouter.model == "anthropic/claude-sonnet-4.5"
    assert s.sources["openrouter.model"] == "environment (SCRIPT_MODEL)"


def test_settings_nested_environment_json_mapping_merges_into_the_file() -> None:
    env = {"STORYREEL_VIDEO__PRICE_PER_SECOND_USD": '{"veo-x": 0.25, "veo-3.0-generate-001": 0.3}'}
    prices = load_settings(env=env, dotenv=None).video.price_per_second_usd
    assert prices["veo-x"] == 0.25
    assert prices["veo-3.0-generate-001"] == 0.3
    # The packaged file's entries stay, in their own form.
    assert prices["veo-3.1-fast-generate-001"] == VideoPrice(without_audio=0.10, with_audio=0.15)


def test_settings_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    cfg = write(tmp_path, "backend: offline\nvideo:\n  concurrency: [1, 2\n  poll_max_s: 3\n")
    with pytest.raises(ConfigError) as info:
        load_settings(config_file=cfg, env={}, dotenv=None)
    message = str(info.value)
    assert str(cfg) in message
    assert f"{cfg}:4:" in message  # the parser notices at line 4
    assert "YAML syntax error" in message


def test_settings_the_browser_test_switch_is_not_a_setting_but_a_misspelt_key_is() -> None:
    # CI sets STORYREEL_REQUIRE_BROWSER for the whole test run, storyreel processes included.
    settings = load_settings(env={"STORYREEL_REQUIRE_BROWSER": "1"}, dotenv=None, config_file=None)
    assert settings.backend == "offline"
    with pytest.raises(ConfigError, match="unknown key 'require_browsers'"):
        load_settings(env={"STORYREEL_REQUIRE_BROWSERS": "1"}, dotenv=None, config_file=None)


def test_settings_unknown_key_names_dotted_path_and_file(tmp_path: Path) -> None:
    cfg = write(tmp_path, "video:\n  concurency: 2\n")
    with pytest.raises(ConfigError) as info:
        load_settings(config_file=cfg, env={}, dotenv=None)
    assert "unknown key 'video.concurency'" in str(info.value)
    assert f"{cfg}:2" in str(info.value)


def test_settings_wrong_type_names_key_expectation_and_value(tmp_path: Path) -> None:
    cfg = write(tmp_path, 'video:\n  concurrency: "lots"\n  aspect_ratio: "4:3"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(config_file=cfg, env={}, dotenv=None)
    message = str(info.value)
    assert "key 'video.concurrency'" in message
    assert "valid integer" in message
    assert "'lots'" in message
    assert "key 'video.aspect_ratio'" in message
    assert "'9:16' or '16:9'" in message
    assert "'4:3'" in message


def test_settings_missing_named_config_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "storyreel.yml"
    with pytest.raises(ConfigError) as info:
        load_settings(env={"STORYREEL_CONFIG": str(missing)}, dotenv=None)
    assert str(missing) in str(info.value)
    assert "STORYREEL_CONFIG" in str(info.value)


def test_settings_secret_in_yaml_is_refused_without_echoing_it(tmp_path: Path) -> None:
    cfg = write(tmp_path, f"openrouter:\n  api_key: {FAKE_OPENROUTER_KEY}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(config_file=cfg, env={}, dotenv=None)
    assert "OPENAI_API_KEY" in str(info.value)
    assert FAKE_OPENROUTER_KEY not in str(info.value)


def test_settings_live_without_keys_names_the_variables() -> None:
    s = load_settings({"backend": "live"}, env={}, dotenv=None)
    with pytest.raises(ConfigError) as info:
        s.require_credentials()
    assert "OPENAI_API_KEY" in str(info.value)
    assert "GOOGLE_STUDIO_API_KEY" in str(info.value)
    only_google_missing = load_settings(
        {"backend": "live"}, env={"OPENAI_API_KEY": FAKE_OPENROUTER_KEY}, dotenv=None
    )
    assert only_google_missing.missing_credentials() == [
        "set GOOGLE_STUDIO_API_KEY to your Google API key "
        "(or google.project for Application Default Credentials)"
    ]


def test_settings_live_with_project_needs_no_google_key() -> None:
    s = load_settings(
        {"backend": "live", "google": {"project": "my-project"}},
        env={"OPENAI_API_KEY": FAKE_OPENROUTER_KEY},
        dotenv=None,
    )
    s.require_credentials()
    assert s.missing_credentials() == []


def test_settings_repr_and_errors_never_show_secrets() -> None:
    env = {"OPENAI_API_KEY": FAKE_OPENROUTER_KEY, "GOOGLE_STUDIO_API_KEY": FAKE_GOOGLE_KEY}
    s = load_settings(env=env, dotenv=None)
    for text in (repr(s), str(s), repr(s.openrouter), str(s.model_dump())):
        assert FAKE_OPENROUTER_KEY not in text
        assert FAKE_GOOGLE_KEY not in text
    with pytest.raises(ConfigError) as info:
        load_settings({"openrouter": {"api_key": 12}}, env=env, dotenv=None)
    assert "(hidden)" in str(info.value)


def test_settings_duration_from_environment_text_is_a_veo_duration() -> None:
    s = load_settings(env={"STORYREEL_VIDEO__DURATION_SECONDS": "4"}, dotenv=None)
    assert s.video.duration_seconds == 4
    with pytest.raises(ConfigError, match=r"video\.duration_seconds"):
        load_settings(env={"STORYREEL_VIDEO__DURATION_SECONDS": "5"}, dotenv=None)


def test_settings_short_api_token_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(env={"STORYREEL_API_TOKEN": "hunter2-token"}, dotenv=None)
    assert "at least 16 characters" in str(info.value)
    assert "STORYREEL_API_TOKEN" in str(info.value)
    assert "hunter2" not in str(info.value)


def test_settings_error_masks_a_key_put_in_the_wrong_field(tmp_path: Path) -> None:
    google_key = "AIza" + "Q" * 35
    openrouter_key = "sk-or-v1-" + "f" * 64
    plain_secret = "a-token-without-any-known-shape-123"
    config = tmp_path / "config.yml"
    config.write_text(f"openrouter:\n  timeout_s: {openrouter_key}\n")
    env = {
        "GOOGLE_STUDIO_API_KEY": google_key,
        "STORYREEL_VIDEO__CONCURRENCY": google_key,
        "STORYREEL_API_TOKEN": plain_secret,
        "STORYREEL_VIDEO__ASPECT_RATIO": plain_secret,  # a secret with no known shape
    }
    with pytest.raises(ConfigError) as caught:
        load_settings(config_file=config, env=env, dotenv=None)
    message = str(caught.value)
    assert "video.concurrency" in message
    assert "video.aspect_ratio" in message
    assert "openrouter.timeout_s" in message
    for secret in (google_key, openrouter_key, plain_secret):
        assert secret not in message
    assert "[redacted]" in message
