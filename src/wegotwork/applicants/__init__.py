"""Applications and applicants: applying with a résumé, reviewing, the hiring pipeline."""
