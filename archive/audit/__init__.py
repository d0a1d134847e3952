"""The tamper-evident audit log itself: writing, verifying, checkpointing and exporting it
(``log``) and the actions it records (``actions``). What auditors do with it is
``archive.oversight``."""
