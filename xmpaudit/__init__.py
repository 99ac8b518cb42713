"""xmpaudit: audit and fix how AEM Assets smart tags are carried into XMP metadata."""

__version__ = "0.1.0"
