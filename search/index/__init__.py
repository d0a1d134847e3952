"""The index files: the schema and the writer (``store``), Vietnamese analysis of words
(``analysis``), and the encrypted Whoosh storage with its RAM cache (``storage``)."""
