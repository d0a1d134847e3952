"""Who may do what: the single decision point used by web, command line and search.

Everything here is pure: it decides from facts (the principal, a record's level and unit) and
never touches the database, so the same rule serves a page view, a command and the search
filter. ``reading`` (the read scope) is applied only by the gate (``archive.records.gate``);
``records``, ``lifecycle`` and ``administration`` decide the other acts.
"""
