"""The domain without I/O: the ACS process as data, statuses and their words, JCR paths, dates, errors, XMP formats."""
