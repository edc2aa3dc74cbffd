"""Jobs: what a team writes, edits, publishes and closes."""
