"""Pure routing decisions plus a small state protocol (issue 4)."""
