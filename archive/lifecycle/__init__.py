"""The records' lifecycle: the file plan and dossiers (``plan``), retention, legal holds, disposal,
registers, protection periods and level changes (``declassify``).
"""
