"""One module per client; each has ``run(workload, spec, meter) -> dict``."""
