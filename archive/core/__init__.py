"""The instance and its plumbing: settings and handles (``instance``), the database (``db``,
``schema``), the encrypted blob store, sealing of lifecycle rows, ciphertext bindings, the unit
of work and the change signal.
"""
