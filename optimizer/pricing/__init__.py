"""Route pricing: costing, the multi-criteria route search and quotes."""
