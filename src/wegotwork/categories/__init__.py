"""Job categories: an organization's ordered groups of jobs."""
