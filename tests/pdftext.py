"""Reading text back from PDFs, normalised so that layout (line breaks, hyphenation,
quote styles) does not matter — only the words and their order."""
import re
import unicodedata

import pypdfium2 as pdfium

HYPHENS = "\u2010\u2011\u00ad\ufffe-"


def page_texts(path):
    """The text of each page, in reading (content-stream) order."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def words(text):
    """Lower-case words with hyphens and line-end hyphenation removed:
    'organisa-\\ntie' and 'organisatie' compare equal, as do 'West-Vlaanderen' and
    'West‐\\nVlaanderen'."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"https?://", "", text)  # the print shows web addresses without scheme
    # "renovatie-\nen groendienst": a hyphen that stands for a left-out word stays a break
    text = re.sub(f"[{HYPHENS}]\\s*\\r?\\n\\s*(?=(en|of) )", " ", text)
    text = re.sub(f"[{HYPHENS}]\\s*\\r?\\n\\s*", "", text)
    text = re.sub(f"[{HYPHENS}]", "", text)
    return re.findall(r"\w+", text.lower())
