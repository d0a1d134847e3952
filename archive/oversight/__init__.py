"""What auditors and security officers do with the audit log: read it with filters, look for
anomalies, count activity, verify the chain and export it (``inspection``)."""
