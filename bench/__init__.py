"""Benchmarks: WeGotWork against its floors and the original's auth stack, side by side."""
