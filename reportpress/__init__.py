"""reportpress: content/ → model → HTML → PDF → checks.

Modules, in pipeline order (pipeline.build runs them; cli is the command line):
  content   reads and validates a content folder into the model (yamlfile: YAML with lines)
  glyphs    checks every character against the fonts before layout
  model     plain dataclasses for the report
  prose     Markdown into blocks (prose, subheadings, pull quotes, testimonials)
  images    photos prepared per edition (CMYK for print, sRGB for screens), cached
  compose   the model into paged HTML through the Jinja2 templates in layout/
  render    HTML into PDF with WeasyPrint, reading only project files
  overflow  what does not fit its box (overset), from the laid-out boxes
  prepress  print finishing: crop marks, pinned ids, output condition
  tagging   digital finishing: repeated quotes become artifacts
  preflight the print shop's checks on any finished PDF
  diff, proof  what changed between PDFs; proof pages in the browser for editors
"""
