"""Input data: row schemas, the loader, the immutable Network, scenarios and their changes."""
