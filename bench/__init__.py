"""Consenso's benchmark: keystroke latency and throughput, cold open, memory per document (see README)."""
