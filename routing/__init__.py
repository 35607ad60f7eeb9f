"""Pure routing decisions plus a small state protocol."""
