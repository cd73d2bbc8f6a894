"""The grid (网格): a per-township tree of 1 to 6 levels with unified codes."""
