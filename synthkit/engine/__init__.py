"""Engines run a per-item function over a stream of items, in order. ``local``: a process pool."""
