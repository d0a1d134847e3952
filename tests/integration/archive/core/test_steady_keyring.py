"""A thread holds the keyring steady for one short read (a search page's forty unwraps look at
the key file once), while other threads, and the same one after the block, still see a key
file changed on disk at their next use."""

from __future__ import annotations

import os
import threading


def _changed_on_disk(inst) -> None:
    st = inst.key_file.stat()
    os.utime(inst.key_file, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_a_steady_keyring_is_the_blocks_alone(inst):
    before = inst.keyring
    with inst.steady_keyring() as steady:
        assert steady is before
        _changed_on_disk(inst)
        assert inst.keyring is steady  # this thread, within the block: no look at the file
        with inst.steady_keyring() as nested:
            assert nested is steady
        assert inst.keyring is steady  # the nested block left the outer one's in place
        elsewhere = []
        other = threading.Thread(target=lambda: elsewhere.append(inst.keyring))
        other.start()
        other.join()
        assert elsewhere[0] is not steady  # another thread re-read the changed file
    after = inst.keyring
    assert after is not steady and after is elsewhere[0]
    assert after.audit_key == steady.audit_key  # the same keys, read again


def test_a_failing_read_leaves_no_steady_keyring_behind(inst):
    try:
        with inst.steady_keyring() as steady:
            raise RuntimeError("a read failed")
    except RuntimeError:
        pass
    _changed_on_disk(inst)
    assert inst.keyring is not steady
