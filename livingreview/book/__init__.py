"""The book: the Sphinx extension, every page's head, what chapters call, the studies page and its
cards, citations, "What's new", contributor documents, and the assumptions about other projects'
internals (upstream)."""
