"""Changing AEM: plans, guarded Sling writes, settle and verify, the journal, undo, XMP writeback."""
