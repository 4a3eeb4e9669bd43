"""Words in a report's description that make ``crashing_wsgi`` kill its worker (test-only)."""

BEFORE_ROW = "CRASH-BEFORE-ROW-COMMIT"  # blobs durable, row not yet committed
MID_BLOBS = "CRASH-MID-BLOB-COMMIT"  # report blob written, attachments not yet
