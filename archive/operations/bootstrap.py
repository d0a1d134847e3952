"""Creating an instance: folders, instance config, key file, database schema, first admin.

Safe to repeat: what exists is kept (a key file is never overwritten, that would lose the archive).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import select

from archive.accounts import accounts
from archive.core import schema
from archive.core.instance import Instance
from archive.models import User
from security.actor import Context
from security.crypto import keyfile
from security.crypto.keys import Keyring
from security.identity.passwords import generate_password
from security.vocabulary import Level, Role


def write_instance_config(home: Path, written_by: str = "kho init") -> None:
    """A private config.py with a fresh session secret, unless the instance has one."""
    cfg = home / "config.py"
    if cfg.exists():
        return
    fd = os.open(cfg, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"# Instance settings of Kho (written by `{written_by}`). Keep private.\n")
        fh.write(f"SECRET_KEY = {secrets.token_hex(32)!r}\n")


def initialize(
    inst: Instance, admin_password: str | None, seal_passphrase: str | None = None
) -> str | None:
    """Create what is missing (folders, key file, schema, first admin); safe to repeat.

    With ``seal_passphrase`` a new key file is sealed with it (Argon2id) instead of plain.
    Returns the generated admin password when one was made, so the caller can show it once.
    """
    inst.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_instance_config(inst.home)
    if not inst.key_file.exists() and not os.environ.get(keyfile.ENV_KEYRING):
        inst.adopt_keyring(Keyring.generate(), keyfile.KeySource(inst.key_file, seal_passphrase))
    inst.blobs.create()
    schema.upgrade(inst)
    with inst.sessions() as session:
        if session.execute(select(User).where(User.role == Role.ADMIN)).first():
            return None
    generated = admin_password is None
    password = generate_password() if generated else admin_password
    accounts.create_account(
        inst,
        Context(None, "cli"),
        "admin",
        password,
        Role.ADMIN,
        Level.THUONG,
        "VP",
        "Quản trị hệ thống",
    )
    return password if generated else None
