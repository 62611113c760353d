"""What users read: reports, charts, maps and their HTML."""
