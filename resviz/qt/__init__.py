"""The thin Qt layer: turns core events into pixels and gestures into core calls."""
