"""Text rules every layer shares: how the book words things, HTML escaping, text from outside.
Imports nothing else of the package."""
