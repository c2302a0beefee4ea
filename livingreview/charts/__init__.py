"""The review's charts: each defined once as data, from the counts, and drawn by three renderers."""
