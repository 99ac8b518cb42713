"""Reading the DAM: inventories, snapshots and their frames, folder and path reads, the binaries' XMP."""
