"""Options for the Jupyter processes the CLI starts, so their normal output holds no warnings meant for their own
developers: the kernel of ``notebook-report`` logs only errors (its start-up warning "Kernel is running over TCP
without encryption" concerns a loopback kernel this process starts and owns; the notebook's own warnings still show
in its cells), and ``xmpaudit lab`` leaves out Voilà's server extension (the app runs Voilà on its own; the extension
only adds a DeprecationWarning about ``ServerApp.token`` and a second of start-up)."""

QUIET_KERNEL = ["--IPKernelApp.log_level=ERROR"]
QUIET_LAB = ["--ServerApp.jpserver_extensions={'voila.server_extension': False}"]
