"""What every surface shares: the session (connection, process arguments, a fresh snapshot) and the history."""
