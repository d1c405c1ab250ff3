"""Where the proof keeps its files, what it serves, and how it paces itself."""
import re
from pathlib import Path

from .. import pipeline

STATIC = Path(__file__).resolve().parent.parent / "proof_page"
PAGES = {"/": "index.html", "/flatplan": "flatplan.html"}
STATIC_FILES = {"proof.js": "text/javascript", "proof.css": "text/css"}
DEFAULT_OUT = pipeline.PROJECT / "out" / "proof"
DEFAULT_PORT = 8765
SETTLE_MS = 30  # a change is built once the files stay put this long
DPI = 100
# pages drawn by the workers while a build's chunks are merged (those of the chunks laid
# out anew: after a save to a stylesheet every page uses, all of them, shared between the
# workers rather than drawn one after another here); past this many, the rest here
DRAW_AHEAD = 64
# an edition in another language is rebuilt on a save while a page has asked for it this
# recently (it polls every 0.6 s); one not shown is rebuilt when a page asks for it again
SHOWN_FOR = 10.0
IGNORED = re.compile(r"^(\.|#)|(~|\.swp|\.swx|\.tmp|\.part)$")  # editors' scratch files
