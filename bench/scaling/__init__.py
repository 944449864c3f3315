"""Shared parts of the scale benchmarks (bench/noisy_neighbour.py, bench/load_generator.py): the
platform run as real processes on ports of their own, ministries set up through the public APIs
(with the demo's synthetic ministry generator), and the figures they print."""
