"""The public submission site: the report form and its confirmation page."""
