"""Renderers of the weekly report dict: terminal table, JSON, HTML, CSV and Parquet.

Each renderer lives in its own module (table, json_out, html, tabular); `model` holds the shape
and the words they share, `timeline` and `charts` the HTML pictures, `atomic` the file writes.
"""
