"""Creating an instance: folders, instance config, key file, database schema, first admin.

Safe to repeat: what exists is kept (a key file is never overwritten, that would lose the archive).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import select

from archive.accounts import accounts
from archive.core import grouping, schema
from archive.core.instance import Instance
from archive.models import User
from security.actor import Context
from security.crypto import keyfile
from security.crypto.keys import Keyring
from security.errors import Refused
from security.identity.passwords import generate_password
from security.vocabulary import Level, Role

DEMO_SETTING = "KHO_DEMO = True"


def is_demo(home: Path) -> bool:
    """Whether the instance was created as a demonstration (``kho init --demo``): only such an
    instance takes generated documents and demo accounts, and its pages say so."""
    cfg = home / "config.py"
    return cfg.exists() and DEMO_SETTING in cfg.read_text(encoding="utf-8").splitlines()


def write_instance_config(home: Path, written_by: str = "kho init", demo: bool = False) -> None:
    """A private config.py with a fresh session secret, unless the instance has one. A demo
    instance is marked there when it is created, never later: a production instance (made
    without ``--demo``) never becomes one."""
    cfg = home / "config.py"
    if cfg.exists():
        if demo and not is_demo(home):
            raise Refused(
                f"Kho tại {home} không được tạo làm bản trình diễn: không thêm dữ liệu mẫu vào "
                "đó. Hãy dùng một KHO_HOME mới với `kho init --demo`.",
                f"The instance at {home} was not created as a demo: demo data never goes into "
                "it. Use a new KHO_HOME with `kho init --demo`.",
            )
        return
    fd = os.open(cfg, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"# Instance settings of Kho (written by `{written_by}`). Keep private.\n")
        fh.write(f"SECRET_KEY = {secrets.token_hex(32)!r}\n")
        if demo:
            fh.write("# A demonstration instance: generated documents, known passwords.\n")
            fh.write(DEMO_SETTING + "\n")


def initialize(
    inst: Instance,
    admin_password: str | None,
    seal_passphrase: str | None = None,
    demo: bool = False,
) -> str | None:
    """Create what is missing (folders, key file, schema, first admin); safe to repeat.

    With ``seal_passphrase`` a new key file is sealed with it (Argon2id) instead of plain.
    Returns the generated admin password when one was made, so the caller can show it once.
    """
    inst.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_instance_config(inst.home, demo=demo)
    if not inst.key_file.exists() and not os.environ.get(keyfile.ENV_KEYRING):
        inst.adopt_keyring(Keyring.generate(), keyfile.KeySource(inst.key_file, seal_passphrase))
    inst.blobs.create()
    schema.upgrade(inst)
    grouping.backfill(inst)  # fingerprints a migration could not compute (it has no keyring)
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
