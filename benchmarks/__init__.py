"""The project's benchmarks (``make bench``): each compares against its baseline in the same run."""
