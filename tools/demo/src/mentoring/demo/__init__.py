"""The demo ministry: synthetic data, the seed of `make up`, and the scripted journey."""
