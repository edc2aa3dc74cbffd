"""A new team's first run: category presets to start from and the getting-started checklist."""
