"""Published benchmark instances: readers, runners and independent checks."""
