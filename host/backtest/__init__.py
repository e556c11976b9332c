"""Backtests: CSV replay through the whole pipeline, with report, plot and a throughput bench."""
