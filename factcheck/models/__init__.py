"""Model weights shipped with factcheck."""
