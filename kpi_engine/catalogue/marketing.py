"""Placeholder: this group is being written."""
