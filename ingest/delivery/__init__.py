"""A record's file handed to a person, after the gate: page previews drawn in memory (``preview``)
and downloads stamped with who, when and a trace id (``stamp``).
"""
