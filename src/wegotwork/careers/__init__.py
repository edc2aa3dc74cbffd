"""The public careers site and its public API: the read side of jobs."""
