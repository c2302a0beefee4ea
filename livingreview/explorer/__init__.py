"""The Binder explorer (ipywidgets, served by Voilà): livingreview.explorer.app."""
