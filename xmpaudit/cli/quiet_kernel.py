"""Kernel arguments for the notebooks the CLI runs (``notebook-report``): the kernel application logs only errors,
so its start-up warning "Kernel is running over TCP without encryption" (a local kernel on loopback, started and
owned by this process) does not reach the report's output; the notebook's own warnings still show in its cells."""

QUIET_KERNEL = ["--IPKernelApp.log_level=ERROR"]
