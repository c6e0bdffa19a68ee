"""Thin channel adapters: platform events in, `Incoming` to the service, replies out."""
