"""A record's life as a document: filing it, reading it through THE GATE (``gate``, every person's
read), describing and correcting it, its history and file versions, the review queue, need-to-
know grants, quarantine.
"""
