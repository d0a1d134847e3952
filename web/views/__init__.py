"""The pages, one blueprint per subject: logging in (``auth``, with ``requires``: the one place a
refused page is audited and answered 404), documents and search, uploads, the review queue,
need-to-know requests (``grants``), registers, file plan and dossiers (``lifecycle``), the
auditors' pages and the administrator's. Views are thin: they call a service and render."""
