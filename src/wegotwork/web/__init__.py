"""The web shell shared by every face: templates, static files, middleware, error handling."""
