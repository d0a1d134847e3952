"""The office's daily work on incoming documents: assignments (who handles what, by when, with
which reply) and the office's statistics, both trimmed by the gate's read scope."""
