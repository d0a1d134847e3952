"""Keeping an instance: creating it, backups and restores, fixity, what a crash left
(``maintenance``), keys, the trust store for signatures.
"""
