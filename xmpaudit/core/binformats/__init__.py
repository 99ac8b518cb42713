"""Container formats that carry an XMP packet (JPEG, PNG, TIFF, PDF), each read by following its own structure."""
