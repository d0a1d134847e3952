"""People: accounts and units, logging in and sessions, and the administrators' pages over them."""
