"""A new `kho serve` worker compiles its pages and opens the search index before it takes
requests, so its first request does not pay for them (issue 16, item 7)."""

from __future__ import annotations

from search.engine import reader
from security.identity import passwords
from tests.support.records import file_doc
from web.cli.serve import warm_up


def test_a_new_worker_is_warm_before_its_first_request(app, inst, archivist):
    file_doc(inst, archivist)
    reader._SNAPSHOTS.clear()
    app.jinja_env.cache.clear()
    passwords._dummy_hash.cache_clear()
    warm_up(app)
    pages = app.jinja_env.list_templates(filter_func=lambda n: n.endswith(".html"))
    compiled = {key[1] for key in app.jinja_env.cache}
    assert pages and set(pages) <= compiled
    assert any(path == str(inst.index_dir) for path, _key in reader._SNAPSHOTS)
    assert passwords._dummy_hash.cache_info().currsize == 1  # an unknown name costs the same


def test_a_new_worker_sets_its_startup_apart_from_full_collections(monkeypatch, app):
    """What a worker built before its first request is frozen (``gc.freeze``): the collector's
    full passes, which come now and then under requests, no longer walk all of it."""
    import gc

    import web
    from web import wiring
    from web.cli import serve

    monkeypatch.setattr(web, "create_app", lambda _config=None: app)
    monkeypatch.setattr(wiring, "follow_in_background", lambda *_args, **_kw: None)
    gc.unfreeze()
    try:
        assert serve.build_app(False) is app
        assert gc.get_freeze_count() > 0
        tracked = len(gc.get_objects())
        assert tracked < gc.get_freeze_count()  # a full pass walks far fewer than were built
    finally:
        gc.unfreeze()  # the rest of the tests' objects are collected as before


def test_a_web_worker_hands_the_interpreter_lock_on_sooner(monkeypatch, app):
    """A worker's threads give up the interpreter's lock at each statement and system call:
    one that asks for it back waits at most SWITCH_INTERVAL, not Python's default 5 ms."""
    import gc
    import sys

    import web
    from web import wiring
    from web.cli import serve

    monkeypatch.setattr(web, "create_app", lambda _config=None: app)
    monkeypatch.setattr(wiring, "follow_in_background", lambda *_args, **_kw: None)
    before = sys.getswitchinterval()
    try:
        assert serve.build_app(False) is app
        assert sys.getswitchinterval() == serve.SWITCH_INTERVAL < 0.005
    finally:
        sys.setswitchinterval(before)
        gc.unfreeze()  # build_app froze what the tests built so far
