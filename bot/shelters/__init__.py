"""Designated evacuation sites (GSI open data, design.md §5a): geometry and vocabulary."""
