"""National-scale dataset generator and benchmarks (PostgreSQL only; never run by the test suite at
full size). See docs/performance.md."""
