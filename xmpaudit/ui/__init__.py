"""The notebook and browser surfaces: the panel, its grid, the app."""
