"""Parts of the MLLP ingest benchmark (bench/mllp_ingest.py): load generator, baselines, engine runner."""
