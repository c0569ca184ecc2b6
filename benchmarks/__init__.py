"""aiodock's benchmark suite: aiodock, aiodocker, docker-py and a raw-socket
floor side by side (``python -m benchmarks``; see benchmarks/README.md).
Not tests: nothing here asserts a timing."""
