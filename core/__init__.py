"""The shared vocabulary under every other package: records, settings, logging and the safe reading
of configuration text."""
