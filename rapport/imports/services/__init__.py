"""Import, export, backup services of Rapport (one module per topic)."""
