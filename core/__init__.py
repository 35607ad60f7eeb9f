"""The shared vocabulary under every other package: records, settings and logging."""
