"""Input and storage: loaders for national workbooks and CSVs, the DuckDB store, synthetic data."""
