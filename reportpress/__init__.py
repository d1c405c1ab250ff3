"""reportpress: content/ → model → HTML → PDF → checks.

Modules, in pipeline order:
  content  reads and validates a content folder into the model
  model    plain dataclasses for the report
  compose  turns the model into paged HTML (Jinja2 templates from layout/)
  render   turns the HTML into PDF with WeasyPrint, reading only project files
  cli      the command line that runs the steps
"""
