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


def outside_trim(path, slack=0.5):
    """(page, character, its box) for every visible character not wholly inside its page's
    TrimBox (in points; `slack` for rounding), and the TrimBox size of each page."""
    pdf = pdfium.PdfDocument(str(path))
    outside, sizes = [], []
    try:
        for number, page in enumerate(pdf, 1):
            left, bottom, right, top = page.get_trimbox()
            sizes.append((right - left, top - bottom))
            text = page.get_textpage()
            for i in range(text.count_chars()):
                char = text.get_text_range(i, 1)
                if not char.strip():
                    continue
                x0, y0, x1, y1 = text.get_charbox(i)
                if (x0 < left - slack or y0 < bottom - slack or x1 > right + slack
                        or y1 > top + slack):
                    outside.append((number, char, (x0, y0, x1, y1)))
    finally:
        pdf.close()
    return outside, sizes
