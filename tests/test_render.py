"""render.py keeps the parsed stylesheets between layouts in one process: the same PDF
bytes as parsing them afresh, and an edited stylesheet or font is read again."""
import contextlib
import io
import shutil

import pikepdf
import pytest
import weasyprint.css
from fontTools.ttLib import TTFont
from hypothesis import given, settings
from hypothesis import strategies as st
from test_chunks import domain_chunk

from reportpress import render
from reportpress.errors import LayoutError

LATO = render.FONTS_DIR / "lato"


def pdf_bytes(html, args, path, keep=True):
    render.write_pdf(render.render(html, *args, keep_stylesheets=keep), path, b"id")
    return path.read_bytes()


def test_kept_stylesheets_change_no_byte(tmp_path, monkeypatch):
    """The second layout takes the sheets the first parsed (report.css is not parsed
    again): a domain chapter comes out byte for byte as with every sheet parsed afresh."""
    html, args = domain_chunk()
    fresh = pdf_bytes(html, args, tmp_path / "fresh.pdf", keep=False)
    first = pdf_bytes(html, args, tmp_path / "first.pdf")
    parsed = []
    parse = weasyprint.css.CSS
    monkeypatch.setattr(weasyprint.css, "CSS", lambda **kw: parsed.append(kw.get("url"))
                        or parse(**kw))
    again = pdf_bytes(html, args, tmp_path / "again.pdf")
    assert not any(url and url.endswith("/report.css") for url in parsed)
    assert fresh == first == again


def small_layout(folder, css, family_css):
    """A layout folder of two sheets (one imported) and a font face from fonts/."""
    folder.mkdir(exist_ok=True)
    (folder / "main.css").write_text('@import "more.css";\n' + family_css)
    (folder / "more.css").write_text(css)
    return ('<html><head><link rel="stylesheet" href="main.css"></head>'
            '<body><p style="font-family: Face">Gewijzigd</p></body></html>',
            (folder, [folder], None))


def face(font):
    return f'@font-face {{ font-family: Face; src: url("{(LATO / font).as_uri()}"); }}\n'


def font_names(path):
    """The full names of the fonts embedded (the PDF names them after the CSS family)."""
    with pikepdf.open(path) as pdf:
        fonts = [font.DescendantFonts[0] for page in pdf.pages
                 for font in page.Resources.Font.values()]
        return {TTFont(io.BytesIO(font.FontDescriptor.FontFile2.read_bytes()))["name"]
                .getDebugName(4) for font in fonts}


def test_an_edited_stylesheet_or_font_face_is_read_again(tmp_path):
    """The proof's workers stay while a designer edits layout/: the next layout reads the
    sheet again (an imported one too), and its fonts."""
    html, args = small_layout(tmp_path / "layout", "@page { size: 100mm 100mm; }",
                              face("Lato-Regular.ttf"))
    render.render(html, *args)
    (tmp_path / "layout" / "more.css").write_text("@page { size: 120mm 100mm; }")
    document = render.render(html, *args)
    assert round(document.pages[0].width * 25.4 / 96) == 120
    render.write_pdf(document, tmp_path / "regular.pdf", b"id")
    (tmp_path / "layout" / "main.css").write_text('@import "more.css";\n'
                                                   + face("Lato-Bold.ttf"))
    render.write_pdf(render.render(html, *args), tmp_path / "bold.pdf", b"id")
    assert font_names(tmp_path / "regular.pdf") == {"Lato Regular"}
    assert font_names(tmp_path / "bold.pdf") == {"Lato Bold"}


def test_a_font_face_from_a_style_element_stays_with_its_document(tmp_path):
    """A face declared in a <style> goes into the kept font configuration; the next
    document, which does not declare it, must not find it there."""
    html, args = small_layout(tmp_path / "layout", "", face("Lato-Regular.ttf"))
    render.render(html, *args)
    styled = html.replace("</head>", "<style>" + face("Lato-Black.ttf").replace(
        "Face", "Other") + "</style></head>").replace("Face", "Other, Face")
    render.write_pdf(render.render(styled, *args), tmp_path / "styled.pdf", b"id")
    render.write_pdf(render.render(html.replace("Face", "Other, Face"), *args),
                     tmp_path / "plain.pdf", b"id")
    assert font_names(tmp_path / "styled.pdf") == {"Lato Black"}
    assert font_names(tmp_path / "plain.pdf") == {"Lato Regular"}


sizes = st.integers(min_value=60, max_value=200)
rules = st.lists(st.tuples(sizes, st.sampled_from(["Regular", "Bold", "Italic"]),
                           st.sampled_from(["", "@page :first { margin: 20mm; }"])),
                 min_size=2, max_size=4)


@settings(max_examples=12, deadline=None)
@given(rules)
def test_a_layout_after_any_edits_is_a_fresh_layout(tmp_path_factory, edits):
    """Whatever a designer saves in turn, each layout with kept sheets gives the bytes of
    one that parsed everything afresh."""
    folder = tmp_path_factory.mktemp("layout")
    for number, (size, font, page_rule) in enumerate(edits):
        css = f"@page {{ size: {size}mm 100mm; }}\n{page_rule}\np {{ font-size: {size // 10}pt; }}"
        html, args = small_layout(folder, css, face(f"Lato-{font}.ttf"))
        kept = pdf_bytes(html, args, folder / f"kept-{number}.pdf")
        assert kept == pdf_bytes(html, args, folder / f"fresh-{number}.pdf", keep=False)
    shutil.rmtree(folder)


def test_a_sheet_with_an_error_fails_every_layout_not_only_the_first(tmp_path, monkeypatch):
    """WeasyPrint logs some faults in a sheet and goes on; the build fails on them. A sheet
    kept from a layout that reported one would let the next layout pass: it is not kept."""
    import weasyprint.logger

    preprocess = weasyprint.preprocess_stylesheet  # (what weasyprint.CSS calls)

    def faulty(media, base_url, *args, **kwargs):
        if base_url and base_url.endswith("more.css"):
            weasyprint.logger.LOGGER.error("a fault in %s", base_url)
        return preprocess(media, base_url, *args, **kwargs)

    monkeypatch.setattr(weasyprint, "preprocess_stylesheet", faulty)
    html, args = small_layout(tmp_path / "layout", "p { color: red; }", face("Lato-Regular.ttf"))
    for _ in range(2):
        with pytest.raises(LayoutError, match="a fault in .*more.css"):
            render.render(html, *args)


def test_the_press_profile_is_compressed_once_and_kept(tmp_path, monkeypatch):
    """The output intent's profile (lcms2's 0.6 MB, compressed at level 9: 0.2 s) is
    compressed by the first write and its bytes kept in the cache for the writes after it
    (render._kept_stream); the PDF comes out byte for byte as when each write compresses
    it."""
    html = ('<style>@color-profile device-cmyk { src: url("../profiles/'
            'FOGRA39-reportpress.icc"); components: cyan, magenta, yellow, black; }</style>'
            '<p>Profile</p>')
    layout = render.PROFILES_DIR.parent / "layout"

    def write(name):  # (a document each time: WeasyPrint's profile, once written, grows)
        document = render.render(html, layout, [layout], keep_stylesheets=False)
        render.write_pdf(document, tmp_path / name, b"id", "print", "2023-01-01")
        return (tmp_path / name).read_bytes()

    compressed = []
    data = render.pydyf.Stream.data.fget

    def counted(stream):
        if "N" in stream.extra and "Type" not in stream.extra:  # (an ICC profile)
            compressed.append(len(stream.stream[0]))
        return data(stream)

    monkeypatch.setattr(render.pydyf.Stream, "data", property(counted))
    monkeypatch.setattr(render, "STREAMS", tmp_path / "streams")
    written = [write("first.pdf"), write("second.pdf")]
    assert len(compressed) == 1 and len(list((tmp_path / "streams").iterdir())) == 1
    monkeypatch.setattr(render, "LARGE", float("inf"))  # (none kept: compressed afresh)
    assert written[0] == written[1] == write("afresh.pdf")
    assert len(compressed) == 2  # (afresh, the profile is in it)
    with pikepdf.open(tmp_path / "afresh.pdf") as pdf:
        assert b"FOGRA39" in pdf.Root.OutputIntents[0].DestOutputProfile.read_bytes()


def test_glyph_arrays_are_one_c_type_whatever_their_length():
    """HarfBuzz-Subset's glyph arrays (render._OpenArrays): the same values as the array
    WeasyPrint asks for by length, with one C type parsed for every length."""
    ffi = render.weasyprint.pdf.fonts.ffi
    assert isinstance(ffi, render._OpenArrays)
    element, open_array = ffi.sizeof("hb_codepoint_t"), ffi.typeof("hb_codepoint_t[]")
    parsed = len(ffi._ffi._parsed_types)  # (cffi's C types parsed so far)
    for length in range(1, 60):
        values = list(range(3, 3 + length))
        array = ffi.new(f"hb_codepoint_t[{length}]", values)
        assert list(array) == values and ffi.sizeof(array) == element * length
        assert ffi.typeof(array) is open_array
    assert len(ffi._ffi._parsed_types) == parsed


def test_a_page_with_running_elements_is_laid_out_once_with_the_same_bytes(tmp_path,
                                                                            monkeypatch):
    """WeasyPrint lays a page out again where running elements first turn up on it
    (render.running_pages_laid_out_once): laid out once, the same PDF bytes; a page with
    a page reference is still laid out again, to fill the number in."""
    import weasyprint.layout.page

    html = ('<style>@page { size: 105mm 148mm; @top-center { content: element(head) } }'
            '.head { position: running(head) } a::after { content: target-counter('
            'attr(href), page) }</style>' + "".join(
                f'<p class="head">Head {i}</p><p id="p{i}">Text {i} <a href="#p{i + 1}"></a>'
                f'</p><p style="break-after: page">{"word " * 8 * i}</p>'
                if i == 2 else f'<p class="head">Head {i}</p><p id="p{i}">Text {i}</p>'
                f'<p style="break-after: page">{"word " * 8 * i}</p>' for i in range(5)))
    made = []
    make_page = weasyprint.layout.page.make_page
    monkeypatch.setattr(weasyprint.layout.page, "make_page",
                        lambda *args: made.append(args[4]) or make_page(*args))
    written = []
    for once in (False, True):
        made.clear()
        with render.running_pages_laid_out_once() if once else contextlib.nullcontext():
            document = render.render(html, tmp_path, [tmp_path], speed_ups=False,
                                     keep_stylesheets=False)
        render.write_pdf(document, tmp_path / f"{once}.pdf", b"id")
        written.append((tmp_path / f"{once}.pdf").read_bytes())
        assert len(document.pages) == 5
        # pages 2 and 4 (with running elements) once within, twice without; page 3 (with
        # a page reference, its target after it) three times either way
        assert sorted(made) == ([1, 2, 3, 3, 3, 4, 5] if once else [1, 2, 2, 3, 3, 3, 4, 4, 5])
    assert written[0] == written[1]
