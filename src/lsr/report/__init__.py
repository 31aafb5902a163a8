"""Rendering: charts, plain-English sentences, HTML and PDF reports."""
