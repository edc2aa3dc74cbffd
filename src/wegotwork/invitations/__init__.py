"""Invitations: asking someone by email to join an organization with a role."""
