"""Word-processing and spreadsheet files: cleaned of what reaches outside or runs code
(``clean``), then turned into a PDF access copy by LibreOffice (``convert``) inside a sandbox
with no network, no view of the instance, time and memory limits, and only RAM to write to
(``sandbox``). The PDF is then validated, sanitized, stamped and previewed like any PDF."""
