"""Who may do what inside an organization: one permission table, one guard, one scoping helper."""
