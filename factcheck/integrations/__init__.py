"""Integrations with other systems: :mod:`factcheck.integrations.ray` checks batches of claims on Ray workers."""
