"""The review's charts: the figures and their static drawings."""
