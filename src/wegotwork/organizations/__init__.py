"""Organizations (workspaces): creation, settings, members and the active organization."""
