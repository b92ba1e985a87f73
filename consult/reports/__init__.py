"""Exports and, later, the published consultation report."""
