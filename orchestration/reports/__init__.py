"""Reports read from the published file: the analytical note, the quality report, the headline."""
