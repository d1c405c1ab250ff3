"""reportpress: content/ → model → HTML → PDF → checks.

Modules, in pipeline order (pipeline.build runs them; cli is the command line):
  content    reads and validates a content folder into the model (yamlfile: YAML with lines)
  glyphs     checks every character against the fonts before layout
  model      plain dataclasses for the report
  prose      Markdown into blocks (prose, subheadings, pull quotes, testimonials)
  images     photos prepared per edition (CMYK for print, sRGB for screens), cached
  compose    the model into paged HTML through the Jinja2 templates in layout/
  anchors    the ids templates write and code reads back (the contract between them)
  chunks     the print edition laid out in chunks, in parallel (workers, processes), cached
  render     HTML into PDF with WeasyPrint, reading only project files (its internals: here)
  audit      the layout audit on the laid-out pages; overflow: overset boxes
  prepress   print finishing: crop marks, pinned ids; spots and overprint into chunks
  merge      the chunks' PDFs into one (fontmerge: one font program per face)
  tagging    digital finishing: repeated quotes become artifacts
  preflight  the print shop's checks on any finished PDF
  pixels, diff, proof  pages drawn; what changed between PDFs; proof pages in the browser
  errors     the one error hierarchy; problems: findings as data
"""
import logging
import os
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent  # the checkout: layout/, fonts/, profiles/
# what builds keep for the next one; REPORTPRESS_CACHE puts it elsewhere (the benchmark)
CACHE = Path(os.environ.get("REPORTPRESS_CACHE") or PROJECT / "out" / ".cache")
LAYOUT = PROJECT / "layout"  # the designer's templates, stylesheets and words
PHOTOS = CACHE / "images"  # photos prepared for each edition
# Lato's own head table has a pre-1970 'created' stamp: fontTools says so wherever the table
# is read (a subset, the composer's numeral widths), in every process
logging.getLogger("fontTools.ttLib.tables._h_e_a_d").setLevel(logging.ERROR)
