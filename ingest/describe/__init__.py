"""What a document is: its header read into fields with their evidence and confidence (``header``,
built on ``cells``, ``blocks``, ``issuer``, ``numbers``, ``subject``, ``gazetteer``, ``vocab``,
``text``, ``syllable``), what a person must check (``review``), its secrecy and whether it is
held back (``secrecy``), and where it is filed (``rules``, ``suggest``, the learned ``model``
and its ``training``).
"""
