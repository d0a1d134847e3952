"""Configuration precedence, the key file's protection, and envelope bindings."""

from __future__ import annotations

import base64
import os

import pytest

from security.crypto import keyfile
from security.crypto.keys import Keyring, KeyringError
from security.crypto.stream import IntegrityError
from security.errors import KhoError
from web import create_app


def test_defaults_then_instance_file_then_environment_then_explicit(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.py").write_text("SECRET_KEY = 'from-file'\nKHO_KEY_FILE = '/file/key'\n")
    monkeypatch.setenv("KHO_HOME", str(home))
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-file"
    assert app.config["KHO_KEY_FILE"] == "/file/key"
    assert app.extensions["kho"].database_url == f"sqlite:///{home / 'kho.sqlite3'}"
    monkeypatch.setenv("KHO_KEY_FILE", "/env/key")
    monkeypatch.setenv("KHO_SECRET_KEY", "from-env")
    app = create_app()
    assert (app.config["KHO_KEY_FILE"], app.config["SECRET_KEY"]) == ("/env/key", "from-env")
    app = create_app({"KHO_KEY_FILE": "/explicit/key"})
    assert str(app.extensions["kho"].key_file) == "/explicit/key"


def test_home_defaults_to_instance_in_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("KHO_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert create_app().extensions["kho"].home == tmp_path / "instance"


def test_key_file_is_private_and_refused_when_readable_by_others(tmp_path):
    path = tmp_path / "keys" / "kho.key"
    ring = Keyring.generate()
    keyfile.save(ring, keyfile.KeySource(path))
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert keyfile.load(path, environ={})[0] == ring
    os.chmod(path, 0o644)
    with pytest.raises(KeyringError) as err:
        keyfile.load(path, environ={})
    assert "chmod 600" in str(err.value)
    with pytest.raises(KhoError):
        keyfile.load(tmp_path / "missing.key", environ={})


def test_sealed_key_file_needs_its_passphrase(tmp_path):
    path = tmp_path / "kho.key"
    ring = Keyring.generate()
    keyfile.save(ring, keyfile.KeySource(path, passphrase="correct horse battery"))
    raw = path.read_bytes()
    assert keyfile.is_sealed(raw) and ring.to_json() not in raw
    read_end, write_end = os.pipe()
    os.write(write_end, b"correct horse battery\n")
    os.close(write_end)
    loaded, source = keyfile.load(path, environ={keyfile.ENV_PASSPHRASE_FD: str(read_end)})
    os.close(read_end)
    assert loaded == ring and source.passphrase == "correct horse battery"
    with pytest.raises(KeyringError, match="Wrong passphrase"):
        keyfile.load(path, environ={}, passphrase="wrong passphrase!")
    with pytest.raises(KeyringError, match="at least 12"):
        keyfile.seal(ring, "short")


def test_keyring_from_the_environment_is_read_only(tmp_path):
    ring = Keyring.generate()
    encoded = base64.b64encode(ring.to_json()).decode()
    for value in (ring.to_json().decode(), encoded):
        loaded, source = keyfile.load(tmp_path / "absent", environ={keyfile.ENV_KEYRING: value})
        assert loaded == ring and source.from_env
    with pytest.raises(KeyringError, match="read-only"):
        keyfile.save(ring, source)


def test_wrapped_key_is_bound_to_its_object():
    ring = Keyring.generate()
    version, wrapped = ring.wrap(b"d" * 32, b"doc-a/original")
    assert ring.unwrap(version, wrapped, b"doc-a/original") == b"d" * 32
    with pytest.raises(IntegrityError):
        ring.unwrap(version, wrapped, b"doc-b/original")
    with pytest.raises(IntegrityError):
        Keyring.generate().unwrap(version, wrapped, b"doc-a/original")
