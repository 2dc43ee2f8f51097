"""Services: one subpackage per provider; plain classes, typed and validated results."""
