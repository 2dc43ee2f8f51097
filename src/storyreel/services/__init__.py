"""Services: plain classes, one method per API call, typed and validated results."""
